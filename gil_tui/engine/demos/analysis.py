"""Pure functions behind the demos: read what a run printed, compute figures, word the summary.

Nothing here runs a process, so every shape (a free-threaded build, a run cut
short, a Python that behaves unexpectedly) can be tested with made-up data.
Summaries are derived from what was seen, never from the interpreter's version.
The main-guard demo's reading lives in
:mod:`~gil_tui.engine.demos.main_guard_analysis`.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from gil_tui.engine.text import join_words, plural  # re-exported for the demos

__all__ = [
    "condense_traceback",
    "race_stats",
    "race_summary",
    "switch_metrics",
    "switch_summary",
    "shade",
    "join_words",
    "plural",
    "times",
]


def times(count: int) -> str:
    """``once``, ``twice``, ``5 times``."""
    return {0: "no times", 1: "once", 2: "twice"}.get(count, f"{count} times")


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
                result.append(f"  [... {plural(dropped, 'line')} of traceback left out ...]")
                dropped = 0
            result.extend(frame)
        i = j
    return result


# ---------------------------------------------------------------- race

VARIANT_LABELS = {
    "plain": "counter += 1, no lock",
    "call": "counter += one(), no lock",
    "lock": "counter += one() with a Lock",
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


def _lost(s: dict[str, Any]) -> str:
    """``1,762,259 of 4,000,000 updates (44%)``; over several trials, the average."""
    if s["trials"] == 1:
        return f"{s['lost'][0]:,} of {s['expected']:,} updates ({_pct(s['mean_lost_share'])})"
    mean = sum(s["lost"]) / s["trials"]
    return (f"{mean:,.0f} of {s['expected']:,} updates on average "
            f"({_pct(s['mean_lost_share'])}; in {s['losing_trials']} of {s['trials']} trials)")


def _none_in(s: dict[str, Any]) -> str:
    return f"nothing in {plural(s['trials'], 'trial')}"


#: the closing sentence of every race summary (lesson 8 says the same)
ONLY_A_LOCK = ("Any run without a lock can come out at zero, so a zero proves nothing: "
               "only a lock is a guarantee.")


def race_summary(stats: dict[str, dict[str, Any]]) -> str:
    """What the trials showed, worded as lesson 8 teaches it; always ends with :data:`ONLY_A_LOCK`."""
    plain, call, lock = stats.get("plain"), stats.get("call"), stats.get("lock")
    sentences = []
    if plain and call:
        p, c = plain["losing_trials"] > 0, call["losing_trials"] > 0
        if c and not p:
            sentences.append(
                f"Without a lock, counter += one() lost {_lost(call)}: a thread switch can land "
                "on the call, between reading the counter and writing it back. counter += 1 "
                f"lost {_none_in(plain)} here: luck of where this interpreter switches threads, "
                "never a guarantee."
            )
        elif c and p:
            sentences.append(
                f"Without a lock both forms lost updates: counter += 1 lost {_lost(plain)} and "
                f"counter += one() {_lost(call)}: the threads changed the counter between "
                "another thread's read and write."
            )
        elif p:
            sentences.append(
                f"Without a lock counter += 1 lost {_lost(plain)}, while counter += one() lost "
                f"{_none_in(call)}: which form loses depends on where the threads happen to "
                "switch."
            )
        else:
            trials = max(plain["trials"], call["trials"])
            sentences.append(
                f"No update was lost in {plural(trials, 'trial')}, not even without a lock: "
                "this time no switch landed between a read and its write."
            )
    else:
        for name, s in stats.items():
            if name == "lock":
                continue
            label = VARIANT_LABELS.get(name, name)
            sentences.append(f"{label} lost {_lost(s)}." if s["losing_trials"]
                             else f"{label} lost {_none_in(s)}.")
    if lock:
        if lock["losing_trials"]:
            sentences.append(
                f"Even the Lock variant lost updates in {plural(lock['losing_trials'], 'trial')}, "
                "which should be impossible: please report it."
            )
        else:
            sentences.append(f"With a Lock nothing was lost in {plural(lock['trials'], 'trial')}.")
    sentences.append(ONLY_A_LOCK)
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
