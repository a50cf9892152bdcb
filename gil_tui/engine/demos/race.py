"""The ``race`` demo: N threads x M increments of one counter, ``counter += 1`` and
``counter += one()`` without a lock, and ``counter += one()`` with a ``threading.Lock``.

Lesson 8 promises a million increments per thread: with 200,000 the call form
lost nothing in 3 of 18 runs on 3.11.7 (FACTS.md, "Races"). Trials repeat the
three variants and stop at the first trial in which a form without a lock lost
updates (about 2 s per trial on 3.11-3.13, 2-core Linux), so a zero is rare and
the demo stays short; the lock variant does 100,000 rounds per thread, because
locking is slow and a lock is exact at any size."""

from __future__ import annotations

from typing import Any

from gil_tui.engine.demos import analysis as an
from gil_tui.engine.demos import text
from gil_tui.engine.demos.base import (
    DemoFailed,
    DemoInfo,
    DemoResult,
    DemoRun,
    flag_option,
    number_option,
    run_body,
    whole_option,
)

__all__ = ["INFO", "RACE_DEFAULTS", "run_race"]

RACE_DEFAULTS: dict[str, Any] = {"threads": 4, "increments": 1_000_000,
                                 "lock_increments": 100_000, "trials": 5, "stop_at_loss": True,
                                 "variants": ("plain", "call", "lock"),
                                 "switch_interval_ms": None}


def _race(demo: DemoRun, opts: dict[str, Any]) -> str:
    threads = whole_option(opts, "threads", 1, 64)
    increments = whole_option(opts, "increments", 1, 100_000_000)
    lock_increments = whole_option(opts, "lock_increments", 1, 100_000_000)
    trials = whole_option(opts, "trials", 1, 100)
    stop_at_loss = flag_option(opts, "stop_at_loss")
    variants = list(opts["variants"])
    if not variants or any(v not in an.VARIANT_LABELS for v in variants):
        raise ValueError(f"variants must be among {', '.join(an.VARIANT_LABELS)}, got {variants!r}")
    args = ["--threads", str(threads), "--increments", str(increments),
            "--lock-increments", str(lock_increments), "--trials", str(trials),
            "--variants", ",".join(variants)] + (["--stop-at-loss"] if stop_at_loss else [])
    if opts["switch_interval_ms"] is not None:
        args += ["--switch-interval-ms", repr(number_option(opts, "switch_interval_ms", 0, 1000))]
    demo.preflight()
    # trials after the first start only if they fit in about three quarters of the time left
    args += ["--budget", f"{max(0.0, demo.remaining() * 0.75 - 0.3):.3f}"]
    outcome = demo.run_script("race.py", args)
    lines = demo.read_lines(outcome)
    rows = [obj for obj in lines if obj["demo"] == "trial"]
    done = next((obj for obj in lines if obj["demo"] == "done"), {})
    stats = an.race_stats(rows)
    demo.data.update(threads=threads, increments=increments, expected=threads * increments,
                     lock_increments=lock_increments, trials_requested=trials,
                     trials_run=done.get("trials", 0), stop_at_loss=stop_at_loss,
                     stopped_at_loss=bool(done.get("stopped_at_loss")),
                     budget_cut=bool(done.get("budget_cut")),
                     switch_interval_ms=opts["switch_interval_ms"], trials=rows,
                     variants={name: {"label": an.VARIANT_LABELS[name], **s}
                               for name, s in stats.items()})
    demo.sections.extend(text.race_sections(threads, increments, rows, stats,
                                            lock_increments=lock_increments, trials=trials,
                                            stop_at_loss=stop_at_loss))
    demo.finish_script(outcome, lines)
    if not rows:
        raise DemoFailed("the race script printed no trial")
    summary = an.race_summary(stats)
    if done.get("budget_cut"):
        summary += (f" ({done.get('trials')} of {trials} trials fitted in the time limit; "
                    "a longer time limit runs them all.)")
    return summary


def run_race(python: str | None = None, timeout: float | None = None,
             **options: Any) -> DemoResult:
    """Options: ``threads`` (4), ``increments`` (1_000_000 per thread), ``lock_increments``
    (100_000 per thread, for the Lock variant), ``trials`` (at most 5), ``stop_at_loss``
    (True: stop after the first trial in which a form without a lock lost updates),
    ``variants`` (plain, call, lock), ``switch_interval_ms`` (None: the interpreter's own),
    ``stop``."""
    return run_body(INFO, python, timeout, options, _race)


INFO = DemoInfo(
    "race", "Race: threads sharing one counter", "free-threading",
    "4 threads make a million increments each of one counter without a lock (two forms), "
    "then with a Lock; counts the updates lost.", run_race, RACE_DEFAULTS)
