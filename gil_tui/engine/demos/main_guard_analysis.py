"""The main-guard demo's pure side: name what one run of a script did, from what it printed.

:func:`read_run` takes what a run left behind (its output, stdout and stderr
merged or apart, its exit code, whether a time limit stopped it) and the
interpreter's version, and names the outcome:

* ``child-failed``: a child ran the script's top level again (as ``__mp_main__``),
  stopped at ``start()`` with ``RuntimeError`` (bootstrapping phase) and exit code 1;
  the parent went on (spawn on every version; forkserver before 3.13.8 / 3.14.1);
* ``parent-failed``: the script itself (the parent) ended with a traceback, e.g.
  its ``start()`` died with ``EOFError`` or ``ConnectionResetError`` because the
  fork server had run the top level and died (forkserver from 3.13.8 / 3.14.1);
* ``hung``: the parent neither finished nor failed and a time limit stopped it
  (a ``Pool`` without the guard: it keeps replacing workers that die, or waits on
  a dead fork server);
* ``ran-once`` (fork: nothing ran again), ``reran-in-child`` (the child ran the top
  level again; the guard kept it from starting a process), ``preloaded`` (the fork
  server ran the top level once and the child was forked from it), ``capped``
  (too many processes: gil-tui killed them) and ``odd`` (anything else).

The outcome comes from the output only; the version says which row of the
lesson's table the interpreter is in (:func:`expected_outcomes`), so the summary
can say when what was seen differs from it. Nothing here runs a process.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from gil_tui.engine.text import join_words, seconds

__all__ = [
    "CHILD_FAILED", "PARENT_FAILED", "HUNG", "RAN_ONCE", "RERAN_IN_CHILD", "PRELOADED",
    "CAPPED", "ODD", "forkserver_preloads_main", "version_tuple", "tracebacks", "read_run",
    "expected_outcomes", "main_guard_summary", "version_note",
]

CHILD_FAILED = "child-failed"
PARENT_FAILED = "parent-failed"
HUNG = "hung"
RAN_ONCE = "ran-once"
RERAN_IN_CHILD = "reran-in-child"
PRELOADED = "preloaded"
CAPPED = "capped"
ODD = "odd"

#: what each outcome is, as the object of "expected ..."
EXPECTED_WORDS = {
    CHILD_FAILED: "the child to fail while the parent goes on",
    PARENT_FAILED: "the parent to fail",
    HUNG: "the parent to hang",
    RAN_ONCE: "the top level to run once",
    RERAN_IN_CHILD: "the child to run the top level again",
    PRELOADED: "the fork server to run the top level once",
}

_TOP_LEVEL = re.compile(r"top level runs as '([^']+)'(?: in pid (\d+))?")
_GREETING = re.compile(r"hello from the child(?:, pid (\d+))?")
_CHILD_EXIT = re.compile(r"child exit code: (-?\d+)")
_POOL_RESULTS = "pool results:"
_BOOTSTRAP = "bootstrapping phase"
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|EOF\w*))\b:?")


def version_tuple(version: object) -> tuple[int, int, int] | None:
    """``"3.13.0"``, ``[3, 13, 0]`` or ``"3.14.0t"`` as ``(3, 13, 0)``; None if unreadable."""
    if isinstance(version, str):
        parts = re.findall(r"\d+", version)[:3]
    elif isinstance(version, (list, tuple)):
        parts = [p for p in version[:3] if isinstance(p, int) and not isinstance(p, bool)]
    else:
        return None
    if len(parts) < 2:
        return None
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    return numbers[0], numbers[1], numbers[2]


def forkserver_preloads_main(version: object) -> bool:
    """True where the fork server imports ``__main__`` once itself, before forking children.

    That preload was dead code from 2013 until GH-135295 (gh-126631 / gh-137996),
    released in 3.13.8 and 3.14.1 (3.12 and older never got it).
    """
    v = version_tuple(version)
    return v is not None and ((3, 13, 8) <= v < (3, 14, 0) or v >= (3, 14, 1))


def tracebacks(lines: Sequence[str]) -> list[dict[str, Any]]:
    """Each traceback in ``lines``: its ``File`` lines, all its lines, and the exception line."""
    found: list[dict[str, Any]] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("Traceback (most recent call last):"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
            j += 1
        exception = lines[j].strip() if j < len(lines) else ""
        match = _EXCEPTION.match(exception)
        found.append({
            "frames": [line.strip() for line in lines[i + 1 : j] if line.startswith("  File ")],
            "lines": list(lines[i + 1 : j]),
            "exception": exception,
            "name": match.group(1) if match else None,
        })
        i = j + 1
    return found


def _pids(pattern: re.Pattern[str], lines: Sequence[str], group: int = 1) -> list[int]:
    return [int(m.group(group)) for m in map(pattern.search, lines) if m and m.group(group)]


def read_run(output: str | Sequence[str], *, exit_code: int | None, timed_out: bool = False,
             capped: bool = False, guard: bool, method: str, script: str = "process",
             version: object = None, stderr: str | Sequence[str] = "") -> dict[str, Any]:
    """What one run of a main-guard script showed, and its outcome (module docstring).

    ``output``: what it printed (stdout, or stdout and stderr merged, as text or
    lines); ``stderr``: stderr when it was kept apart; ``timed_out``: a time limit
    stopped it; ``script``: ``process`` (one ``Process``) or ``pool`` (a ``Pool``).
    """
    lines = output.splitlines() if isinstance(output, str) else list(output)
    lines += stderr.splitlines() if isinstance(stderr, str) else list(stderr)
    tops = [m for m in map(_TOP_LEVEL.search, lines) if m]
    names = [m.group(1) for m in tops]
    exits = [int(m.group(1)) for m in map(_CHILD_EXIT.search, lines) if m]
    errors = tracebacks(lines)
    bootstraps = sum(1 for tb in errors if tb["name"] == "RuntimeError") if errors else 0
    text = "\n".join(lines)
    greeted = [m for m in map(_GREETING.search, lines) if m]
    run: dict[str, Any] = {
        "method": method,
        "guard": guard,
        "script": script,
        "exit_code": exit_code,
        "timed_out": bool(timed_out),
        "capped": bool(capped),
        "top_level_runs": len(names),
        "top_level_names": names,
        "reran_as_mp_main": names.count("__mp_main__"),
        "runtime_error": "RuntimeError" in text and _BOOTSTRAP in text,
        "bootstrap_errors": text.count(_BOOTSTRAP) if bootstraps else 0,
        "greeted": bool(greeted),
        "pool_results": any(_POOL_RESULTS in line for line in lines),
        "child_exit_code": exits[0] if exits else None,
        "parent_error": None,
        "failed_in_start": False,
    }
    mp_main_pids = [int(m.group(2)) for m in tops if m.group(1) == "__mp_main__" and m.group(2)]
    child_pids = [int(m.group(1)) for m in greeted if m.group(1)]
    if exit_code not in (0, None) and errors and not timed_out and not capped:
        last = errors[-1]
        run["parent_error"] = last["exception"] or last["name"]
        run["failed_in_start"] = any(f.endswith(" in start") for f in last["frames"]) or any(
            line.strip().endswith((".start()", "Pool(2)")) for line in last["lines"])
    run["outcome"] = _outcome(run, mp_main_pids, child_pids)
    expected = expected_outcomes(method, guard, script, version)
    run["expected"] = list(expected) if expected is not None else None
    run["as_expected"] = None if expected is None else run["outcome"] in expected
    return run


def _outcome(run: dict[str, Any], mp_main_pids: list[int], child_pids: list[int]) -> str:
    code = run["exit_code"]
    if run["capped"]:
        return CAPPED
    if run["timed_out"]:
        return HUNG
    if code is None or code < 0:  # killed by a signal: not something the lesson explains
        return ODD
    if code != 0:
        return PARENT_FAILED if run["parent_error"] else ODD
    if run["runtime_error"] and run["child_exit_code"] == 1 and run["reran_as_mp_main"]:
        return CHILD_FAILED
    finished = (run["greeted"] and run["child_exit_code"] == 0) or run["pool_results"]
    if not finished:
        return ODD
    if not run["reran_as_mp_main"]:
        return RAN_ONCE
    if mp_main_pids and child_pids and not set(mp_main_pids) & set(child_pids):
        return PRELOADED  # the top level ran again, but in another process than the child
    return RERAN_IN_CHILD


def expected_outcomes(method: str, guard: bool, script: str = "process",
                      version: object = None) -> tuple[str, ...] | None:
    """What the lesson's version table says a run should show (None: unknown version)."""
    if version_tuple(version) is None:
        return None
    if method == "fork":
        return (RAN_ONCE,)
    preload = method == "forkserver" and forkserver_preloads_main(version)
    if script == "pool":  # never guarded
        return (PARENT_FAILED, HUNG) if preload else (HUNG,)
    if guard:
        return (PRELOADED,) if preload else (RERAN_IN_CHILD,)
    return (PARENT_FAILED, HUNG) if preload else (CHILD_FAILED,)


# ---------------------------------------------------------------- wording


def _parent_failed(run: dict[str, Any]) -> str:
    error = run["parent_error"] or "an error"
    how = f"its start() died with {error}" if run["failed_in_start"] else f"it stopped with {error}"
    text = f"the parent itself failed: {how} (exit code {run['exit_code']})"
    if run["runtime_error"] and run["reran_as_mp_main"]:
        where = "the fork server" if run["method"] == "forkserver" else "another process"
        text += (f", after {where} had run the script's top level (as __mp_main__) and "
                 "stopped with RuntimeError (bootstrapping phase)")
    return text


def _hung(group: list[dict[str, Any]]) -> str:
    limit = group[0].get("limit_s")
    after = f" after {seconds(limit)}" if limit else ""
    text = (f"the parent hung: it neither finished nor failed, and gil-tui stopped it{after} "
            "(the demo's time limit for one run)")
    replaced = [r for r in group if r["script"] == "pool" and r["bootstrap_errors"] >= 2]
    if replaced:
        counts = join_words([f"{r['bootstrap_errors']} under {r['method']}" for r in replaced])
        text += ("; meanwhile the pool kept replacing workers that ran the top level again and "
                 f"died with RuntimeError ({counts})")
    return text


def _describe(outcome: str, group: list[dict[str, Any]]) -> str:
    run = group[0]
    if outcome == CHILD_FAILED:
        return ("the child ran the script's top level again (as __mp_main__), stopped with "
                "RuntimeError (bootstrapping phase) and exit code 1, while the parent carried on")
    if outcome == PARENT_FAILED:
        return _parent_failed(run)
    if outcome == HUNG:
        return _hung(group)
    if outcome == RAN_ONCE:
        return ("the top level ran once, in the parent, and the child greeted and exited 0"
                if run["script"] != "pool" else "the top level ran once and the pool worked")
    if outcome == RERAN_IN_CHILD:
        return ("the top level ran again in the child (as __mp_main__) but the guarded part "
                "did not, and the child greeted and exited 0")
    if outcome == PRELOADED:
        return ("the top level ran once more, in the fork server (as __mp_main__), not in the "
                "child, and the child greeted and exited 0")
    if outcome == CAPPED:
        return "the run started too many processes and gil-tui stopped it"
    details = ", ".join(f"{r['method']}: script exit code {r.get('exit_code')}, child exit code "
                        f"{r['child_exit_code']}" for r in group)
    return f"something unexpected happened ({details})"


GROUPS = (("process", False, "Without the guard"), ("process", True, "With the guard"),
          ("pool", False, "With a Pool and no guard"))


def main_guard_summary(runs: Sequence[dict[str, Any]], version: object = None) -> str:
    """Summarise runs (dicts from :func:`read_run`, optionally with ``limit_s``) by what
    happened; with ``version``, say which row of the table applies and where a run differs."""
    parts = []
    for script, guard, label in GROUPS:
        group = [r for r in runs if r.get("script", "process") == script and r["guard"] is guard]
        if not group:
            continue
        by_outcome: dict[tuple[str, Any], list[dict[str, Any]]] = {}
        for run in group:
            key = (run["outcome"], run["parent_error"] if run["outcome"] == PARENT_FAILED else None)
            by_outcome.setdefault(key, []).append(run)
        bits = [f"under {join_words([r['method'] for r in members])} "
                + _describe(outcome, members) for (outcome, _), members in by_outcome.items()]
        parts.append(f"{label}, " + "; ".join(bits) + ".")
    if not parts:
        return "Nothing ran."
    note = version_note(version, [r["method"] for r in runs])
    if note:
        parts.append(note)
    odd = [r for r in runs if r.get("as_expected") is False]
    if odd:
        shown = version_tuple(version)
        label = ".".join(map(str, shown)) if shown else str(version)
        what = {("process", False): "without the guard", ("process", True): "with the guard",
                ("pool", False): "a Pool without the guard"}
        items = [f"under {r['method']}, {what[(r.get('script', 'process'), r['guard'])]}: "
                 + " or ".join(EXPECTED_WORDS.get(o, o) for o in r["expected"]) for r in odd]
        parts.append(f"That is not what the lesson's table says for {label}, which expects "
                     + "; ".join(items) + ".")
    return " ".join(parts)


def version_note(version: object, methods: Sequence[str]) -> str:
    """Which forkserver row of the lesson's table this interpreter is in ("" without forkserver)."""
    v = version_tuple(version)
    if v is None or "forkserver" not in methods:
        return ""
    label = ".".join(map(str, v))
    if forkserver_preloads_main(v):
        return (f"On {label} the fork server runs the main script once itself (a fix in 3.13.8 "
                "and 3.14.1), so without the guard forkserver fails in the parent, not in a "
                "child.")
    fixed_in = {(3, 13): " (before the 3.13.8 fix)", (3, 14): " (before the 3.14.1 fix)"}
    return (f"On {label}{fixed_in.get(v[:2], '')} the fork server does not run the main "
            "script itself, so forkserver children run it again, as spawn children do.")
