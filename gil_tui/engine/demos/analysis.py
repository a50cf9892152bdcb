"""Pure functions behind the demos: read what a run printed, compute figures, word the summary.

Nothing here runs a process, so every shape (a free-threaded build, a run cut
short, a Python that behaves unexpectedly) can be tested with made-up data.
Summaries are derived from what was seen, never from the interpreter's version.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

__all__ = [
    "condense_traceback",
    "read_main_guard_run",
    "main_guard_summary",
    "race_stats",
    "race_summary",
    "switch_metrics",
    "switch_summary",
    "shade",
    "join_words",
    "plural",
    "times",
]

_TOP_LEVEL = re.compile(r"top level runs as '([^']+)'")
_CHILD_EXIT = re.compile(r"child exit code: (-?\d+)")
_BOOTSTRAP = "bootstrapping phase"


def plural(count: int, word: str) -> str:
    """``1 trial``, ``3 trials``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def times(count: int) -> str:
    """``once``, ``twice``, ``5 times``."""
    return {0: "no times", 1: "once", 2: "twice"}.get(count, f"{count} times")


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def condense_traceback(lines: Sequence[str], keep: Sequence[str] = ()) -> list[str]:
    """Shorten each traceback to the frames that matter and the error itself.

    A frame is kept when its ``File`` line contains one of the ``keep`` strings
    (the demo's own script, say), and the last frame always is. Each run of
    frames left out becomes one line saying how many lines were left out, so
    the shortened text never pretends to be the whole output.
    """
    result: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("Traceback (most recent call last):"):
            result.append(line)
            i += 1
            continue
        j = i + 1
        while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
            j += 1
        frames: list[list[str]] = []
        for text in lines[i + 1 : j]:
            if text.startswith("  File ") or not frames:
                frames.append([text])
            else:
                frames[-1].append(text)
        result.append(line)
        dropped = 0
        for n, frame in enumerate(frames):
            wanted = n == len(frames) - 1 or any(k and k in frame[0] for k in keep)
            if not wanted:
                dropped += len(frame)
                continue
            if dropped:
                result.append(f"  [... {dropped} lines of traceback left out ...]")
                dropped = 0
            result.extend(frame)
        i = j
    return result


def read_main_guard_run(lines: Sequence[str], *, guard: bool) -> dict[str, Any]:
    """What one run of the main-guard script showed, read from its merged output."""
    names = [m.group(1) for m in map(_TOP_LEVEL.search, lines) if m]
    exits = [int(m.group(1)) for m in map(_CHILD_EXIT.search, lines) if m]
    text = "\n".join(lines)
    return {
        "guard": guard,
        "top_level_runs": len(names),
        "top_level_names": names,
        "reran_as_mp_main": names.count("__mp_main__"),
        "runtime_error": "RuntimeError" in text and _BOOTSTRAP in text,
        "greeted": any("hello from the child" in line for line in lines),
        "child_exit_code": exits[0] if exits else None,
    }


def _outcome(run: dict[str, Any]) -> str:
    """One word for a run: rerun-error, once-worked, rerun-worked, capped, timeout or odd."""
    if run.get("timed_out"):
        return "timeout"
    if run.get("capped"):
        return "capped"
    if run.get("exit_code") != 0:
        return "odd"
    if run["runtime_error"] and run["child_exit_code"] == 1 and run["reran_as_mp_main"]:
        return "rerun-error"
    if run["greeted"] and run["child_exit_code"] == 0:
        return "rerun-worked" if run["reran_as_mp_main"] else "once-worked"
    return "odd"


def main_guard_summary(runs: Sequence[dict[str, Any]]) -> str:
    """Summarise runs (dicts from :func:`read_main_guard_run` plus method, exit_code, flags)."""
    parts = []
    for guard in (False, True):
        group = [r for r in runs if r["guard"] is guard]
        if not group:
            continue
        by_outcome: dict[str, list[str]] = {}
        for run in group:
            by_outcome.setdefault(_outcome(run), []).append(run["method"])
        bits = []
        for outcome, methods in by_outcome.items():
            who = join_words(methods)
            if outcome == "rerun-error":
                bits.append(
                    f"under {who} the child ran the script's top level again (as __mp_main__), "
                    "stopped with RuntimeError (bootstrapping phase) and exit code 1, "
                    "while the parent carried on"
                )
            elif outcome == "once-worked":
                bits.append(f"under {who} the top level ran once, in the parent, and the child "
                            "greeted and exited 0")
            elif outcome == "rerun-worked":
                bits.append(f"under {who} the top level ran again in the child (as __mp_main__) "
                            "but the guarded part did not, and the child greeted and exited 0")
            elif outcome == "capped":
                bits.append(f"under {who} the run started too many processes and gil-tui "
                            "stopped it")
            elif outcome == "timeout":
                bits.append(f"under {who} the run did not finish in time and was stopped")
            else:
                details = ", ".join(
                    f"{r['method']}: script exit code {r.get('exit_code')}, child exit code "
                    f"{r['child_exit_code']}" for r in group if r["method"] in methods
                )
                bits.append(f"under {who} something unexpected happened ({details})")
        label = "With the guard" if guard else "Without the guard"
        parts.append(f"{label}, " + "; ".join(bits) + ".")
    return " ".join(parts) if parts else "Nothing ran."


# ---------------------------------------------------------------- race

VARIANT_LABELS = {
    "plain": "counter += 1, no lock",
    "call": "counter += one(), no lock",
    "lock": "counter += 1 with a Lock",
}


def race_stats(trials: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per variant: trials, lost per trial, trials that lost, mean share lost, seconds."""
    stats: dict[str, dict[str, Any]] = {}
    for t in trials:
        s = stats.setdefault(t["variant"], {"trials": 0, "lost": [], "expected": t["expected"],
                                            "seconds": []})
        s["trials"] += 1
        s["lost"].append(t["lost"])
        s["seconds"].append(t["seconds"])
    for s in stats.values():
        s["losing_trials"] = sum(1 for lost in s["lost"] if lost > 0)
        total = s["expected"] * s["trials"]
        s["mean_lost_share"] = sum(s["lost"]) / total if total else 0.0
    return stats


def _pct(share: float) -> str:
    if 0 < share < 0.01:
        return "under 1%"
    return f"{share:.0%}"


def race_summary(stats: dict[str, dict[str, Any]]) -> str:
    plain, call, lock = stats.get("plain"), stats.get("call"), stats.get("lock")
    sentences = []
    if plain and call:
        p, c = plain["losing_trials"] > 0, call["losing_trials"] > 0
        if c and not p:
            sentences.append(
                f"Without a lock, counter += 1 lost nothing in {plural(plain['trials'], 'trial')} "
                "here, "
                f"but counter += one() lost {_pct(call['mean_lost_share'])} of the updates on "
                f"average (in {call['losing_trials']} of {call['trials']} trials): a thread "
                "switch can land on the call, between reading the counter and writing it back. "
                "The plain form was lucky with where this interpreter switches threads, not safe."
            )
        elif c and p:
            sentences.append(
                f"Without a lock both forms lost updates: counter += 1 lost "
                f"{_pct(plain['mean_lost_share'])} and counter += one() "
                f"{_pct(call['mean_lost_share'])} on average."
            )
        elif p:
            sentences.append(
                f"Without a lock counter += 1 lost {_pct(plain['mean_lost_share'])} of the "
                "updates on average, while counter += one() lost nothing in these trials: "
                "which form loses depends on where the threads happen to switch."
            )
        else:
            sentences.append(
                "No update was lost in these trials, not even without a lock: the threads may "
                "have finished before a switch landed mid-update. Try more increments; zero "
                "losses here are luck, not safety."
            )
    else:
        for name, s in stats.items():
            if name == "lock":
                continue
            lost = s["losing_trials"]
            sentences.append(
                f"{VARIANT_LABELS.get(name, name)} lost updates in {lost} of {s['trials']} trials"
                + (f" ({_pct(s['mean_lost_share'])} on average)." if lost else ".")
            )
    if lock:
        if lock["losing_trials"]:
            sentences.append(
                f"Even the Lock variant lost updates in {plural(lock['losing_trials'], 'trial')}, "
                "which "
                "should be impossible: please report it."
            )
        else:
            sentences.append(f"With a Lock nothing was lost in {plural(lock['trials'], 'trial')}.")
    return " ".join(sentences)


# ---------------------------------------------------------------- switch interval

SHADES = " ░▒▓█"


def shade(values: Sequence[float]) -> str:
    """A bar of block characters for values in 0..1 (0 blank, 1 full)."""
    top = len(SHADES) - 1
    return "".join(SHADES[min(top, max(1, round(v * top)))] if v > 0 else " " for v in values)


def switch_metrics(
    stamps: Sequence[Sequence[float]],
    wall_s: float,
    cpu_s: float,
    *,
    columns: int = 40,
    checkpoints: int = 20,
) -> dict[str, Any]:
    """Figures of one interval run from each thread's chunk-completion times.

    * ``switches``: how often the thread that finished the next chunk changed
      (time order); counts GIL hand-overs on a GIL build, interleavings without one;
    * ``median_turn_ms``: median time between two switches (None with fewer than two);
    * ``max_gap``: the largest difference between the threads' progress fractions
      (0..1) at any moment before the first of them finished;
    * ``checkpoints``: per thread, the time it reached each 1/``checkpoints`` of its work;
    * ``activity``: per thread, ``columns`` values 0..1: chunks it finished in each
      time slice, relative to the busiest slice of any thread;
    * ``busy_cores``: CPU seconds / wall seconds.
    """
    counts = [len(s) for s in stamps]
    events = sorted((t, i) for i, s in enumerate(stamps) for t in s)
    turns = [a[0] for a, b in zip(events, events[1:]) if a[1] != b[1]]
    switches = len(turns)
    lengths = sorted(b - a for a, b in zip(turns, turns[1:]))
    median_turn = lengths[len(lengths) // 2] if lengths else None
    first_done = min((s[-1] for s in stamps if s), default=0.0)
    done = [0] * len(stamps)
    gap = 0.0
    for t, i in events:
        if t > first_done:
            break
        done[i] += 1
        fractions = [d / n for d, n in zip(done, counts) if n]
        gap = max(gap, max(fractions) - min(fractions))
    marks = []
    for s in stamps:
        n = len(s)
        marks.append([round(s[max(0, -(-k * n // checkpoints) - 1)], 6)
                      for k in range(1, checkpoints + 1)] if n else [])
    end = max((s[-1] for s in stamps if s), default=0.0)
    width = end / columns if end > 0 else 1.0
    buckets = [[0] * columns for _ in stamps]
    for i, s in enumerate(stamps):
        for t in s:
            buckets[i][min(columns - 1, int(t / width))] += 1
    peak = max((c for row in buckets for c in row), default=0) or 1
    activity = [[round(c / peak, 3) for c in row] for row in buckets]
    return {
        "switches": switches,
        "median_turn_ms": None if median_turn is None else round(median_turn * 1000, 3),
        "max_gap": round(gap, 4),
        "checkpoints": marks,
        "activity": activity,
        "busy_cores": round(cpu_s / wall_s, 3) if wall_s > 0 else 0.0,
        "end_s": round(end, 6),
    }


def _ms(interval_ms: float) -> str:
    return f"{interval_ms:g} ms"


def _turn(row: dict[str, Any]) -> str:
    turn = row.get("median_turn_ms")
    return "" if turn is None else f" (a turn lasted about {turn:.2g} ms)"


def switch_summary(rows: Sequence[dict[str, Any]]) -> str:
    """Rows: ``interval_ms``, ``wall_s`` plus the :func:`switch_metrics` figures."""
    if not rows:
        return "No interval ran."
    if all(r["busy_cores"] >= 1.5 for r in rows):
        busy = min(r["busy_cores"] for r in rows)
        return (
            f"The threads ran at the same time on different cores (at least {busy:.1f} cores "
            "busy under every interval), so the switch interval hardly mattered: no GIL was "
            "handed over in this interpreter."
        )
    low = min(rows, key=lambda r: r["interval_ms"])
    high = max(rows, key=lambda r: r["interval_ms"])
    walls = [r["wall_s"] for r in rows]
    spread = (max(walls) - min(walls)) / min(walls) if min(walls) > 0 else 0.0
    text = (
        f"With a {_ms(low['interval_ms'])} interval the threads took turns "
        f"{times(low['switches'])}{_turn(low)} and were never more than {low['max_gap']:.0%} "
        f"of the work apart; with {_ms(high['interval_ms'])} they took turns "
        f"{times(high['switches'])}{_turn(high)} and one got up to {high['max_gap']:.0%} ahead."
    )
    if spread <= 0.15:
        text += (
            f" Wall time stayed about the same ({min(walls):.2f}-{max(walls):.2f} s): the "
            "interval decides how fairly the GIL is shared, not how fast CPU-bound threads finish."
        )
    else:
        fastest = min(rows, key=lambda r: r["wall_s"])
        slowest = max(rows, key=lambda r: r["wall_s"])
        text += (
            f" Wall time ranged from {fastest['wall_s']:.2f} s ({_ms(fastest['interval_ms'])}) "
            f"to {slowest['wall_s']:.2f} s ({_ms(slowest['interval_ms'])}); more switches cost "
            "some time, and a busy machine adds noise."
        )
    starved = min(r["busy_cores"] for r in rows)
    if starved < 0.85:
        text += (f" At times the threads got only {starved:.2f} of a core between them: other "
                 "programs were busy, so these timings are noisy.")
    return text
