"""The demos' text: tables, timelines and their legend for the sections, the gil-release summary.

Plain strings only (no rich markup), so the CLI prints them as they are and the
lesson UI can show them in a ``Static`` or lay out the same figures its own way
from ``DemoResult.data``.
"""

from __future__ import annotations

from typing import Any

from gil_tui.engine.demos.analysis import VARIANT_LABELS, shade
from gil_tui.engine.text import plural, seconds, speedup

__all__ = ["race_sections", "SWITCH_LEGEND", "switch_lines", "gil_release_table",
           "gil_release_summary", "speed_summary"]


def race_sections(threads: int, increments: int, rows: list[dict[str, Any]],
                  stats: dict[str, dict[str, Any]], *, lock_increments: int | None = None,
                  trials: int | None = None,
                  stop_at_loss: bool = False) -> list[tuple[str, list[str]]]:
    head = f"{'variant':<29} {'trial':>5} {'expected':>11} {'actual':>11} {'lost':>11} {'time':>8}"
    intro = f"{plural(threads, 'thread')} x {increments:,} increments each"
    if lock_increments is not None and lock_increments != increments:
        intro += f" ({lock_increments:,} with the Lock)"
    table = [intro]
    if trials is not None:
        table.append(f"up to {plural(trials, 'trial')}" + (
            "; it stops after the first in which a form without a lock lost updates"
            if stop_at_loss else ""))
    table.append(head)
    for r in rows:
        table.append(f"{VARIANT_LABELS[r['variant']]:<29} {r['trial'] + 1:>5} "
                     f"{r['expected']:>11,} {r['actual']:>11,} {r['lost']:>11,} "
                     f"{seconds(r['seconds']):>8}")
    per = [f"{VARIANT_LABELS[name]:<29} lost updates in {s['losing_trials']} of "
           f"{plural(s['trials'], 'trial')}, {s['mean_lost_share']:.1%} of the updates on average"
           for name, s in stats.items()]
    return [("Trials", table), ("Lost updates", per)]


#: one line under the switch-interval timelines: what the shades mean
SWITCH_LEGEND = ("legend: each bar is 40 time slices; █ most work done in a slice, ▓ ▒ ░ less, "
                 "blank none")


def switch_lines(row: dict[str, Any]) -> list[str]:
    """A figures line, then one timeline bar per thread (40 columns, darker = more progress)."""
    turn = row.get("median_turn_ms")
    lines = [f"wall {seconds(row['wall_s'])}, {row['busy_cores']:.2f} cores busy, "
             f"{plural(row['switches'], 'switch', 'switches')} seen"
             + ("" if turn is None else f" (median turn {seconds(turn / 1000)})")
             + f", threads at most {row['max_gap']:.0%} of the work apart"]
    for index, activity in enumerate(row["activity"]):
        marks = row["checkpoints"][index]
        finish = marks[-1] if marks else 0.0
        lines.append(f"thread {index} |{shade(activity)}| done at {seconds(finish)}")
    return lines


def gil_release_table(rows: list[dict[str, Any]], threads: int,
                      gains: dict[str, float]) -> list[str]:
    table = [f"{'workload':<9} {'mode':<12} {'wall':>8} {'CPU':>8} {'cores busy':>10} {'speedup':>8}"]
    for row in rows:
        sequential = row["mode"] == "sequential"
        mode = "sequential" if sequential else plural(threads, "thread")
        gain = "" if sequential else speedup(gains[row["workload"]])
        table.append(f"{row['workload']:<9} {mode:<12} {seconds(row['wall_s']):>8} "
                     f"{seconds(row['cpu_s']):>8} {row['busy_cores']:>10.2f} {gain:>8}".rstrip())
    return table


#: cores other programs must keep busy before the summary calls the figures noisy
BUSY_MACHINE = 0.4

WHY = {
    "hash": {"parallel": "sha256 releases the GIL while it hashes 1 MiB buffers",
             "turns": "sha256 releases the GIL, so one free core or a busy machine is the limit",
             "partial": "sha256 releases the GIL; a busy machine or a short run cost the rest"},
    "cpu": {"parallel": "this interpreter let pure-Python threads run at once, as a "
                        "free-threaded build does",
            "turns": "pure-Python code holds the GIL, so one thread ran at a time",
            "partial": "pure-Python threads overlapped only partly"},
}


def speed_summary(name: str, threads: int, gain: float, busy: float,
                  why: dict[str, str]) -> str:
    """One sentence on a threads run against its sequential baseline.

    ``why`` gives the reason to add for each reading: ``parallel`` (1.5 cores
    busy or more), ``turns`` (1.25 or less) and ``partial`` (in between).
    """
    head = (f"{plural(threads, name + ' thread')} ran {speedup(gain)} as fast as one thread "
            f"and kept {busy:.1f} cores busy")
    if busy >= 1.5:
        return f"{head}: they ran in parallel ({why['parallel']})."
    if busy <= 1.25:
        noise = ("; a speedup without more cores busy means the one-thread run was slowed "
                 "by something else" if gain >= 1.2 else "")
        return f"{head}: they took turns ({why['turns']}{noise})."
    return f"{head}: they overlapped only part of the time ({why['partial']})."


def gil_release_summary(rows: list[dict[str, Any]], threads: int, gains: dict[str, float],
                        busy: dict[str, float], cpu_count: int | None,
                        other_busy: float = 0.0) -> str:
    """Rows in the order hash sequential, hash threads, cpu sequential, cpu threads.

    ``other_busy``: cores other programs kept busy meanwhile (machine-wide CPU
    time minus the runs' own, per wall second).
    """
    parts = [speed_summary(w, threads, gains[w], busy[w], WHY[w]) for w in ("hash", "cpu")]
    if cpu_count == 1:
        parts.insert(0, "This interpreter may use one core only, so nothing could run in parallel.")
    starved = min(r["busy_cores"] for r in rows if r["mode"] == "sequential")
    if other_busy >= BUSY_MACHINE:
        parts.append(f"Other programs kept about {other_busy:.1f} cores busy meanwhile, so these "
                     "figures are noisy; run it again on a quieter machine.")
    elif starved < 0.9:
        parts.append(f"The machine was busy: a sequential run got only {starved:.2f} of a core, "
                     "so these figures are noisy.")
    return " ".join(parts)
