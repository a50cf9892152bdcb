"""Live demos for the lessons: real runs in the chosen interpreter, shown as they happened.

Four demos, each a function with the same shape::

    result = run_race(python=None, timeout=10.0, increments=200_000)   # -> DemoResult

``python`` is the interpreter to run in (default: the one running gil-tui);
``timeout`` bounds the whole demo, probe included. Every demo cleans up after
itself (temporary files, every process it started) and returns a
:class:`DemoResult`; it raises only for a programming error (an unknown option
or an impossible value, as ``ValueError``). A bad interpreter, a timeout, a
script that failed or a ``stop`` event give ``ok=False`` and ``error``.

The functions block: call them from a thread (``@work(thread=True)``), never
from a running event loop. Each accepts ``stop=threading.Event()``: setting it
ends the demo (and its processes) within about 50 ms.

* ``main-guard``: a tiny script that starts a process at its top level, written
  to a fresh temporary directory and run under spawn, forkserver and fork
  (those the interpreter offers), then the same script with the guard.
* ``race``: N threads x M increments of one counter: ``counter += 1`` and
  ``counter += one()`` without a lock, and with a ``threading.Lock``.
* ``switch-interval``: the same CPU-bound threads with ``sys.setswitchinterval``
  at 0.5, 5 and 50 ms: wall time, switches seen, fairness, per-thread timeline.
* ``gil-release``: hash threads vs cpu threads against their sequential
  baselines, through :mod:`gil_tui.engine.run.runner`.

Scripts live in ``gil_tui/worker/demo_scripts/`` (stdlib only, CPython 3.8+).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from gil_tui.engine.demos import analysis as an
from gil_tui.engine.demos import text
from gil_tui.engine.system.processes import ProcOutcome, describe_exit, run_capped, system_busy_seconds
from gil_tui.worker import WORKER_DIR

__all__ = [
    "DemoResult",
    "DemoInterpreter",
    "DemoInfo",
    "DEMOS",
    "DEFAULT_TIMEOUT",
    "run_demo",
    "demos_for_lesson",
    "run_main_guard",
    "run_race",
    "run_switch_interval",
    "run_gil_release",
    "SCRIPTS_DIR",
]

FORMAT_VERSION = 1
SCRIPTS_DIR = WORKER_DIR / "demo_scripts"
DEFAULT_TIMEOUT = 10.0
#: processes allowed below a main-guard script before the watchdog kills its group
MAX_DESCENDANTS = 6
LEVEL_VAR = "GIL_TUI_DEMO_LEVEL"
METHOD_ORDER = ("spawn", "forkserver", "fork")
METHOD_LINE = 'START_METHOD = "spawn"'


@dataclass(frozen=True)
class DemoInterpreter:
    """The interpreter as the demo script saw itself."""

    path: str
    version: str
    gil_enabled: bool
    free_threaded: bool
    implementation: str = "cpython"
    cpu_count: int | None = None

    def label(self) -> str:
        if self.free_threaded:
            return f"{self.version}t (free-threaded, GIL {'on' if self.gil_enabled else 'off'})"
        return f"{self.version} (GIL)"

    def to_dict(self) -> dict[str, Any]:
        return dict(asdict(self), label=self.label())

    @classmethod
    def from_probe(cls, path: str, data: dict[str, Any]) -> "DemoInterpreter":
        return cls(path=path, version=str(data.get("version", "?")),
                   gil_enabled=bool(data.get("gil_enabled", True)),
                   free_threaded=bool(data.get("free_threaded", False)),
                   implementation=str(data.get("implementation", "cpython")),
                   cpu_count=data.get("cpu_count"))


@dataclass
class DemoResult:
    """What a demo showed. ``sections`` hold real output, ``(title, lines)``."""

    name: str
    title: str
    ok: bool
    summary: str
    interpreter: DemoInterpreter | None = None
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    #: why the demo could not run or finish (None when ok)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "title": self.title,
            "ok": self.ok,
            "summary": self.summary,
            "error": self.error,
            "interpreter": self.interpreter.to_dict() if self.interpreter else None,
            "sections": [{"title": t, "lines": list(lines)} for t, lines in self.sections],
            "data": self.data,
            "duration_s": round(self.duration, 3),
        }


@dataclass(frozen=True)
class DemoInfo:
    """A demo in the registry: what it is called, where it belongs, how to run it."""

    name: str
    title: str
    #: slug of the lesson the demo belongs to
    lesson: str
    description: str
    run: Callable[..., DemoResult]
    #: the demo's options and their defaults (every demo also takes ``stop``)
    defaults: dict[str, Any] = field(default_factory=dict)


class _Failed(Exception):
    """Ends a demo early; the reason becomes ``DemoResult.error``."""


class _Demo:
    """One demo run: deadline, stop flag, and what has been seen so far."""

    def __init__(self, name: str, python: str | None, timeout: float, stop) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a number of seconds above 0, got {timeout!r}")
        self.name = name
        self.python = python or sys.executable
        self.timeout = float(timeout)
        self.stop = stop
        self.began = time.monotonic()
        self.deadline = self.began + self.timeout
        self.interpreter: DemoInterpreter | None = None
        #: the probe line the last script printed (see demo_common.probe)
        self.probe: dict[str, Any] = {}
        self.sections: list[tuple[str, list[str]]] = []
        self.data: dict[str, Any] = {}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timed_out(self) -> _Failed:
        return _Failed(f"the demo did not finish within {self.timeout:g} s; "
                       "everything it started was stopped")

    def check(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise _Failed("the demo was stopped")
        if self.remaining() <= 0:
            raise self.timed_out()

    def preflight(self) -> None:
        """Make sure the interpreter is a CPython >= 3.8 (clear reasons otherwise)."""
        from gil_tui.engine.system.interpreters import probe

        found = probe(self.python, timeout=max(0.05, min(5.0, self.remaining())))
        self.check()
        if not found.supported:
            raise _Failed(found.reason or f"{self.python} cannot run the demos")
        self.python = found.path

    def run_script(self, script: str, args: list[str], **kwargs: Any) -> ProcOutcome:
        self.check()
        lifeline = kwargs.setdefault("lifeline", True)
        if lifeline:  # the script ends itself when our end of its stdin closes
            args = [*args, "--lifeline"]
        outcome = run_capped([self.python, str(SCRIPTS_DIR / script), *args],
                             deadline=self.deadline, stop=self.stop, **kwargs)
        if outcome.start_error:
            raise _Failed(outcome.start_error)
        return outcome

    def read_lines(self, outcome: ProcOutcome) -> list[dict[str, Any]]:
        """The script's JSON lines (``demo`` field); the probe line fills ``interpreter``."""
        lines = []
        for text in outcome.stdout.splitlines():
            try:
                obj = json.loads(text)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("demo"), str):
                lines.append(obj)
                if obj["demo"] == "probe":
                    self.probe = obj
                    self.interpreter = DemoInterpreter.from_probe(self.python, obj)
        return lines

    def finish_script(self, outcome: ProcOutcome, lines: list[dict[str, Any]]) -> None:
        if outcome.stopped:
            raise _Failed("the demo was stopped")
        if outcome.timed_out:
            raise self.timed_out()
        if outcome.returncode != 0:
            errors = [obj["message"] for obj in lines if obj["demo"] == "error" and "message" in obj]
            tail = [line for line in outcome.stderr.splitlines() if line.strip()]
            reason = errors[0] if errors else (tail[-1].strip() if tail else "")
            raise _Failed(f"the demo script {describe_exit(outcome.returncode)}"
                          + (f": {reason}" if reason else ""))

    def result(self, ok: bool, summary: str, error: str | None = None) -> DemoResult:
        return DemoResult(name=self.name, title=DEMOS[self.name].title, ok=ok, summary=summary,
                          interpreter=self.interpreter, sections=self.sections, data=self.data,
                          duration=time.monotonic() - self.began, error=error)


def _run(name: str, python: str | None, timeout: float, options: dict[str, Any],
         defaults: dict[str, Any], body: Callable[[_Demo, dict[str, Any]], str]) -> DemoResult:
    unknown = sorted(set(options) - set(defaults) - {"stop"})
    if unknown:
        raise ValueError(f"unknown option(s) for the {name} demo: {', '.join(unknown)}; "
                         f"choose from {', '.join(sorted(defaults))}, stop")
    stop = options.get("stop")
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise ValueError(f"stop must be a threading.Event, got {stop!r}")
    opts = dict(defaults)
    opts.update({k: v for k, v in options.items() if k != "stop"})
    demo = _Demo(name, python, timeout, stop)
    try:
        summary = body(demo, opts)  # validates its options, then calls demo.preflight()
    except _Failed as exc:
        return demo.result(False, str(exc), error=str(exc))
    return demo.result(True, summary)


def _whole(opts: dict[str, Any], name: str, low: int, high: int) -> int:
    value = opts[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _number(opts: dict[str, Any], name: str, low: float, high: float) -> float:
    value = opts[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
        raise ValueError(f"{name} must be a number above {low:g} and at most {high:g}, got {value!r}")
    return float(value)


# ---------------------------------------------------------------- main guard

MAIN_GUARD_DEFAULTS: dict[str, Any] = {"methods": None, "max_descendants": MAX_DESCENDANTS}


def _main_guard(demo: _Demo, opts: dict[str, Any]) -> str:
    limit = _whole(opts, "max_descendants", 0, 50)
    wanted = opts["methods"] or METHOD_ORDER
    wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    if any(m not in METHOD_ORDER for m in wanted):
        raise ValueError(f"methods must be among {', '.join(METHOD_ORDER)}, got {wanted!r}")
    demo.preflight()
    probe = demo.run_script("demo_common.py", [], lifeline=False)
    demo.finish_script(probe, demo.read_lines(probe))
    offered = [m for m in METHOD_ORDER if m in demo.probe.get("start_methods", ())]
    methods = [m for m in wanted if m in offered]
    missing = [m for m in wanted if m not in offered]
    demo.data.update(methods=methods, not_offered=missing, max_descendants=limit,
                     default_method=demo.probe.get("default_start_method"), runs=[])
    if not methods:
        raise _Failed("this interpreter offers none of the start methods "
                      f"{', '.join(wanted)}")
    env = {k: v for k, v in os.environ.items() if k != LEVEL_VAR}
    temp_dir = tempfile.mkdtemp(prefix="gil-tui-main-guard-")
    demo.data["temp_dir"] = temp_dir
    try:
        for guard, template, file_name in ((False, "main_guard_without.py", "no_guard.py"),
                                           (True, "main_guard_with.py", "guarded.py")):
            source = (SCRIPTS_DIR / template).read_text(encoding="utf-8")
            if METHOD_LINE not in source:  # pragma: no cover - a broken install
                raise _Failed(f"{template} lacks the line {METHOD_LINE!r}")
            demo.sections.append((f"{file_name} (START_METHOD set to each method in turn)",
                                  source.rstrip("\n").splitlines()))
            for method in methods:
                path = Path(temp_dir) / file_name
                path.write_text(source.replace(METHOD_LINE, f"START_METHOD = {method!r}"),
                                encoding="utf-8")
                _main_guard_run(demo, method, guard, str(path), temp_dir, env, limit)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    summary = an.main_guard_summary(demo.data["runs"])
    if missing:
        summary += f" ({an.join_words(missing)}: not offered by this interpreter.)"
    return summary


def _main_guard_run(demo: _Demo, method: str, guard: bool, path: str, cwd: str,
                    env: dict[str, str], limit: int) -> None:
    demo.check()
    outcome = run_capped([demo.python, path], deadline=demo.deadline, cwd=cwd, env=env,
                         merge_stderr=True, max_descendants=limit, stop=demo.stop)
    if outcome.start_error:
        raise _Failed(outcome.start_error)
    lines = [line.rstrip() for line in outcome.stdout.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    run = an.read_main_guard_run(lines, guard=guard)
    run.update(method=method, exit_code=outcome.returncode, seconds=round(outcome.seconds, 3),
               timed_out=outcome.timed_out, capped=outcome.capped,
               peak_descendants=outcome.peak_descendants, output=lines)
    demo.data["runs"].append(run)
    shown = an.condense_traceback(lines, keep=[path])
    if outcome.capped:
        note = (f"[gil-tui] more than {limit} processes below the script: gil-tui killed "
                "its process group")
    elif outcome.timed_out or outcome.stopped:
        note = "[gil-tui] stopped before it finished"
    else:
        note = f"[gil-tui] the script {describe_exit(outcome.returncode)} after {outcome.seconds:.2f} s"
    demo.sections.append((f"{method}, {'with' if guard else 'without'} the guard",
                          shown + [note]))
    if outcome.stopped:
        raise _Failed("the demo was stopped")
    if outcome.timed_out:
        raise demo.timed_out()


def run_main_guard(python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                   **options: Any) -> DemoResult:
    """Options: ``methods`` (subset of spawn, forkserver, fork), ``max_descendants`` (6), ``stop``."""
    return _run("main-guard", python, timeout, options, MAIN_GUARD_DEFAULTS, _main_guard)


# ---------------------------------------------------------------- race

RACE_DEFAULTS: dict[str, Any] = {"threads": 4, "increments": 200_000, "trials": 3,
                                 "variants": ("plain", "call", "lock"),
                                 "switch_interval_ms": None}


def _race(demo: _Demo, opts: dict[str, Any]) -> str:
    threads = _whole(opts, "threads", 1, 64)
    increments = _whole(opts, "increments", 1, 100_000_000)
    trials = _whole(opts, "trials", 1, 100)
    variants = list(opts["variants"])
    if not variants or any(v not in an.VARIANT_LABELS for v in variants):
        raise ValueError(f"variants must be among {', '.join(an.VARIANT_LABELS)}, got {variants!r}")
    args = ["--threads", str(threads), "--increments", str(increments), "--trials", str(trials),
            "--variants", ",".join(variants)]
    if opts["switch_interval_ms"] is not None:
        args += ["--switch-interval-ms", repr(_number(opts, "switch_interval_ms", 0, 1000))]
    demo.preflight()
    # trials after the first start only if they fit in about three quarters of the time left
    args += ["--budget", f"{max(0.0, demo.remaining() * 0.75 - 0.3):.3f}"]
    outcome = demo.run_script("race.py", args)
    lines = demo.read_lines(outcome)
    rows = [obj for obj in lines if obj["demo"] == "trial"]
    done = next((obj for obj in lines if obj["demo"] == "done"), {})
    stats = an.race_stats(rows)
    demo.data.update(threads=threads, increments=increments, expected=threads * increments,
                     trials_requested=trials, trials_run=done.get("trials", 0),
                     budget_cut=bool(done.get("budget_cut")),
                     switch_interval_ms=opts["switch_interval_ms"], trials=rows,
                     variants={name: {"label": an.VARIANT_LABELS[name], **s}
                               for name, s in stats.items()})
    demo.sections.extend(text.race_sections(threads, increments, rows, stats))
    demo.finish_script(outcome, lines)
    if not rows:
        raise _Failed("the race script printed no trial")
    summary = an.race_summary(stats)
    if done.get("budget_cut"):
        summary += (f" ({done.get('trials')} of {trials} trials fitted in the time limit; "
                    "a longer time limit runs them all.)")
    return summary


def run_race(python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
             **options: Any) -> DemoResult:
    """Options: ``threads`` (4), ``increments`` (200_000), ``trials`` (3), ``variants``
    (plain, call, lock), ``switch_interval_ms`` (None: the interpreter's own), ``stop``."""
    return _run("race", python, timeout, options, RACE_DEFAULTS, _race)


# ---------------------------------------------------------------- switch interval

SWITCH_DEFAULTS: dict[str, Any] = {"intervals_ms": (0.5, 5, 50), "threads": 2,
                                   "work": 1_000_000, "chunk": 250}


def _switch_interval(demo: _Demo, opts: dict[str, Any]) -> str:
    threads = _whole(opts, "threads", 2, 16)
    work = _whole(opts, "work", 1, 1_000_000_000)
    chunk = _whole(opts, "chunk", 1, work)
    intervals = list(opts["intervals_ms"])
    for value in intervals:
        _number({"interval": value}, "interval", 0, 1000)
    if not intervals:
        raise ValueError("intervals_ms needs at least one interval")
    if work // chunk < 20:
        raise ValueError("work must be at least 20 chunks, for the timeline")
    demo.preflight()
    outcome = demo.run_script("switch_interval.py", [
        "--intervals-ms", ",".join(repr(float(v)) for v in intervals), "--threads", str(threads),
        "--work", str(work), "--chunk", str(chunk)])
    lines = demo.read_lines(outcome)
    rows = []
    for obj in lines:
        if obj["demo"] != "interval":
            continue
        figures = an.switch_metrics(obj["stamps"], obj["wall_s"], obj["cpu_s"])
        rows.append({"interval_ms": obj["interval_ms"], "wall_s": obj["wall_s"],
                     "cpu_s": obj["cpu_s"], **figures})
    default = demo.probe.get("switch_interval")
    demo.data.update(threads=threads, work=work, chunk=chunk, intervals=rows,
                     default_interval_ms=None if default is None else round(default * 1000, 3))
    for row in rows:
        demo.sections.append((f"switch interval {row['interval_ms']:g} ms",
                              text.switch_lines(row)))
    demo.finish_script(outcome, lines)
    if not rows:
        raise _Failed("the switch-interval script printed no interval")
    return an.switch_summary(rows)


def run_switch_interval(python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                        **options: Any) -> DemoResult:
    """Options: ``intervals_ms`` (0.5, 5, 50), ``threads`` (2), ``work`` (1_000_000
    iterations per thread), ``chunk`` (250 iterations between time stamps), ``stop``."""
    return _run("switch-interval", python, timeout, options, SWITCH_DEFAULTS, _switch_interval)


# ---------------------------------------------------------------- gil release

GIL_RELEASE_DEFAULTS: dict[str, Any] = {"threads": 2, "hash_scale": 0.2, "cpu_scale": 0.25}

def _gil_release(demo: _Demo, opts: dict[str, Any]) -> str:
    import asyncio

    from gil_tui.engine.run.spec import RunSpec

    threads = _whole(opts, "threads", 2, 16)
    scales = {"hash": _number(opts, "hash_scale", 0, 10), "cpu": _number(opts, "cpu_scale", 0, 10)}
    specs = [RunSpec(w, m, workers=threads, scale=scales[w], python=demo.python)
             for w in ("hash", "cpu") for m in ("sequential", "threads")]
    demo.preflight()
    specs = [spec.replace(python=demo.python) for spec in specs]
    busy0, began = system_busy_seconds(), time.monotonic()
    results = asyncio.run(_run_specs(demo, specs))
    ours = sum(r.cpu_s for r in results)
    others = (system_busy_seconds() - busy0 - ours) / max(1e-6, time.monotonic() - began)
    rows = [{"workload": r.spec.workload.value, "mode": r.spec.mode.value,
             "workers": r.spec.workers, "scale": r.spec.scale, "wall_s": r.wall_s,
             "cpu_s": r.cpu_s, "busy_cores": round(r.busy_cores, 3)} for r in results]
    info = results[0].interpreter
    speedup = {w: rows[2 * n]["wall_s"] / rows[2 * n + 1]["wall_s"]
               for n, w in enumerate(("hash", "cpu"))}
    busy = {w: rows[2 * n + 1]["busy_cores"] for n, w in enumerate(("hash", "cpu"))}
    demo.data.update(threads=threads, runs=rows, cpu_count=info.cpu_count,
                     speedup={w: round(v, 3) for w, v in speedup.items()}, busy_cores=busy,
                     other_busy_cores=round(max(0.0, others), 2))
    demo.sections.append(("hash threads vs cpu threads",
                          text.gil_release_table(rows, threads, speedup)))
    return text.gil_release_summary(rows, threads, speedup, busy, info.cpu_count,
                                    other_busy=max(0.0, others))


async def _run_specs(demo: _Demo, specs: list) -> list:
    import asyncio

    from gil_tui.engine.run.results import RunError
    from gil_tui.engine.run.runner import run

    results = []
    for spec in specs:
        demo.check()
        task = asyncio.ensure_future(run(spec))
        try:
            while not task.done():
                await asyncio.wait([task], timeout=0.05)
                if not task.done() and (demo.remaining() <= 0 or
                                        (demo.stop is not None and demo.stop.is_set())):
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass
                    demo.check()
            results.append(task.result())
            demo.data.setdefault("finished", []).append(spec.label())
            if demo.interpreter is None:  # what the worker's hello said about itself
                info = results[0].interpreter
                demo.interpreter = DemoInterpreter(
                    path=demo.python, version=info.version, gil_enabled=info.gil_enabled,
                    free_threaded=info.free_threaded, implementation=info.implementation,
                    cpu_count=info.cpu_count)
        except RunError as exc:
            raise _Failed(exc.error.message) from None
        finally:
            if not task.done():  # interrupted (Ctrl+C): the runner ends the worker
                task.cancel()
                try:
                    await task
                except BaseException:  # noqa: BLE001
                    pass
    return results


def run_gil_release(python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                    **options: Any) -> DemoResult:
    """Options: ``threads`` (2), ``hash_scale`` (0.2: about 200 MiB), ``cpu_scale``
    (0.25: about 3.75 M iterations), ``stop``. About a second per run at the defaults."""
    return _run("gil-release", python, timeout, options, GIL_RELEASE_DEFAULTS, _gil_release)


# ---------------------------------------------------------------- registry

DEMOS: dict[str, DemoInfo] = {
    info.name: info
    for info in (
        DemoInfo("main-guard", "Main guard: the same script without and with it", "main-guard",
                 "Runs a tiny script that starts a process at its top level under each start "
                 "method, then the same script with the guard.", run_main_guard,
                 MAIN_GUARD_DEFAULTS),
        DemoInfo("race", "Race: threads sharing one counter", "free-threading",
                 "Threads increment one counter without a lock (two forms) and with a Lock; "
                 "counts the updates lost.", run_race, RACE_DEFAULTS),
        DemoInfo("switch-interval", "Switch interval: how CPU threads share the GIL", "the-gil",
                 "The same CPU-bound threads with a 0.5, 5 and 50 ms switch interval: wall "
                 "time, switches and how evenly they progressed.", run_switch_interval,
                 SWITCH_DEFAULTS),
        DemoInfo("gil-release", "GIL release: hash threads vs cpu threads", "the-gil",
                 "sha256 threads (which release the GIL) against pure-Python threads, each "
                 "against one thread: speedup and cores busy.", run_gil_release,
                 GIL_RELEASE_DEFAULTS),
    )
}


def demos_for_lesson(slug: str) -> list[DemoInfo]:
    """The demos that belong to lesson ``slug`` (in registry order)."""
    return [info for info in DEMOS.values() if info.lesson == slug]


def run_demo(name: str, python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
             **options: Any) -> DemoResult:
    """Run demo ``name`` (a key of :data:`DEMOS`); ``ValueError`` for an unknown name."""
    info = DEMOS.get(name)
    if info is None:
        raise ValueError(f"unknown demo {name!r}; choose from {', '.join(DEMOS)}")
    return info.run(python=python, timeout=timeout, **options)
