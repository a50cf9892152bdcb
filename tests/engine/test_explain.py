"""The run explanations never contradict the lessons (issue 13.9).

Table-driven over (workload, mode, GIL, speedup, other programs' cores) with the key
phrases each case must say, then a grid of every combination checked for the
sentences that must never appear together with a figure."""

from __future__ import annotations

import itertools

import pytest

from gil_tui.engine.run.explain import Outcome, crowded, expected_cores, explain
from gil_tui.engine.run.share import SHARED
from gil_tui.engine.text import SCALED

CORES = 2


def outcome(workload: str, mode: str, gil: bool | None, gain: float | None,
            others: float | None = 0.0, *, workers: int = 2, busy: float | None = None,
            baseline_others: float | None = 0.0, baseline_busy: float = 1.0,
            tasks: int | None = None) -> Outcome:
    """A run measured ``gain`` x faster than a 2-second sequential baseline."""
    wall = 2.0 / gain if gain else 1.0
    if busy is None:
        busy = 0.02 if workload in ("io", "sleep") else min(
            expected_cores(workload, mode, workers, CORES, gil), max(0.6, gain or 1.0))
    return Outcome(workload, mode, workers, wall, busy * wall, CORES, gil,
                   baseline_wall_s=2.0 if gain else None, baseline_busy=baseline_busy,
                   others=others, baseline_others=baseline_others, tasks=tasks)


@pytest.mark.parametrize(("workload", "mode", "workers", "gil", "cores"), [
    ("cpu", "sequential", 1, True, 1.0),
    ("cpu", "threads", 2, True, 1.0),
    ("cpu", "threads", 4, None, 1.0),
    ("hash", "threads", 2, True, 2.0),
    ("hash", "threads", 8, True, 2.0),
    ("cpu", "threads", 2, False, 2.0),
    ("cpu", "processes", 4, True, 2.0),
    ("hash", "processes", 1, True, 1.0),
    ("cpu", "subinterpreters", 2, True, 2.0),
    ("sleep", "threads", 16, True, 0.0),
    ("io", "asyncio", 16, True, 0.0),
    ("io", "sequential", 1, True, 0.0),
    ("sleep", "processes", 4, False, 0.0),
])
def test_expected_cores(workload, mode, workers, gil, cores) -> None:
    assert expected_cores(workload, mode, workers, CORES, gil) == cores


def test_expected_cores_never_more_than_the_tasks() -> None:
    assert expected_cores("cpu", "processes", 4, 8, True, tasks=3) == 3.0


def test_crowded() -> None:
    assert not crowded(None, 2, 2.0) and not crowded(0.9, 2, 0.0), "waiting needs no core"
    assert crowded(SHARED, 2, 1.0)
    assert not crowded(0.05, 2, 2.0)
    assert crowded(0.2, 2, 2.0), "two cores needed, fewer than that were free"
    assert not crowded(0.2, 4, 2.0)


CASES = [
    # (workload, mode, gil, speedup, others) -> phrases that must be there
    (("cpu", "threads", True, 0.97, 0.0), ["the GIL let one thread run Python at a time"]),
    (("cpu", "threads", True, 1.2, 0.0), ["the GIL let one thread run Python at a time",
                                          "no real gain", "within the noise"]),
    (("cpu", "threads", True, 1.45, 0.0), ["1.4x faster than sequential",
                                           "the GIL does not allow", "not a real speedup",
                                           "noise", "Run both again"]),
    (("cpu", "threads", True, 0.6, 0.8), ["Other programs used 0.8 cores during this run",
                                          "expected ~1x, measured 0.6x",
                                          "run again when the machine is quiet"]),
    (("cpu", "threads", False, 1.9, 0.0), ["with the GIL off they ran Python in parallel",
                                           "1.9x faster"]),
    (("cpu", "threads", False, 1.2, 0.8), ["Other programs used 0.8 cores during this run",
                                           "expected ~2x, measured 1.2x",
                                           "run again when the machine is quiet"]),
    (("cpu", "threads", False, 1.05, 0.0), ["even with the GIL off", "Something else"]),
    (("hash", "threads", True, 2.04, 0.0), ["hashlib, which releases the GIL", "2.0x faster"]),
    (("hash", "threads", True, 0.83, 0.8), ["Other programs used 0.8 cores during this run",
                                            "expected ~2x, measured 0.8x"]),
    (("hash", "threads", True, 1.2, 0.0), ["hashlib releases the GIL", "held them back"]),
    (("cpu", "processes", True, 1.9, 0.0), ["own interpreter", "1.9x faster"]),
    (("cpu", "processes", True, 1.2, 0.8), ["Other programs used 0.8 cores",
                                            "expected ~2x, measured 1.2x"]),
    (("cpu", "processes", True, 2.78, 0.0), ["more than 2 cores can give", "noise"]),
    (("sleep", "threads", True, 15.8, 0.8), ["waiting", "15.8x faster"]),
    (("io", "asyncio", True, 14.0, 0.0), ["waiting", "14.0x faster"]),
    (("cpu", "subinterpreters", True, 1.8, 0.0), ["each has its own GIL",
                                                  "several cores in one process",
                                                  "sharing no objects", "start-up cost",
                                                  "1.8x faster"]),
    (("hash", "subinterpreters", True, 1.9, 0.0), ["each has its own GIL", "1.9x faster"]),
    (("cpu", "subinterpreters", True, 1.05, 0.0), ["although each has its own GIL",
                                                   "start-up cost"]),
    (("cpu", "subinterpreters", True, 1.2, 0.8), ["Other programs used 0.8 cores",
                                                  "expected ~2x, measured 1.2x"]),
    (("cpu", "subinterpreters", True, 2.78, 0.0), ["more than 2 cores can give", "noise"]),
    (("sleep", "subinterpreters", True, 15.8, 0.0), ["waiting", "15.8x faster"]),
]


@pytest.mark.parametrize(("case", "phrases"), CASES, ids=[str(c[0]) for c in CASES])
def test_the_sentence_says(case, phrases) -> None:
    workers = 16 if case[0] in ("io", "sleep") else 2
    text = explain(outcome(*case, workers=workers))
    for phrase in phrases:
        assert phrase in text, text


def test_a_slowed_baseline_is_named_as_the_cause() -> None:
    text = explain(outcome("cpu", "threads", True, 1.5, 0.0, baseline_others=0.9))
    assert "other programs used 0.9 cores during the sequential baseline" in text
    assert "one thread" not in text
    text = explain(outcome("cpu", "threads", True, 1.5, 0.0, baseline_others=None,
                           baseline_busy=0.6))
    assert "got only 0.60 of a core" in text


def test_a_shared_baseline_run_says_so() -> None:
    base = Outcome("cpu", "sequential", 1, 2.0, 2.0, 2, True, others=0.8)
    assert "other programs used 0.8 cores meanwhile" in explain(base)
    quiet = Outcome("cpu", "sequential", 1, 2.0, 2.0, 2, True, others=0.05)
    assert explain(quiet).startswith("The baseline") and "Note" not in explain(quiet)


def test_a_noisy_run_that_did_not_fall_short_says_the_machine_was_shared() -> None:
    """13.9: a threads run at 1.10x marked noisy (*) got only "the GIL let one thread run
    Python at a time: about as fast as sequential." with no word of the busy machine."""
    o = outcome("cpu", "threads", True, 1.098, 0.8)
    assert o.shared, "the results table marks it *"
    text = explain(o)
    assert "one thread run Python at a time" in text
    assert "the machine was shared" in text and "other programs used 0.8 cores" in text
    assert "run again when the machine is quiet" in text
    baseline = explain(outcome("cpu", "processes", True, 2.0, 0.0, baseline_others=0.9))
    assert "the machine was shared" in baseline and "during the sequential baseline" in baseline
    quiet = explain(outcome("cpu", "threads", True, 1.0, 0.05, baseline_others=0.05))
    assert "Note" not in quiet and "shared" not in quiet


def test_every_run_marked_noisy_says_why() -> None:
    """Whatever the figures, a run the results table marks * (shared: its own run or its
    baseline) says in its sentence that its figure is noise (or noisy, or to run again
    when the machine is quiet), never a bare conclusion."""
    grid = itertools.product(("cpu", "hash", "io", "sleep"), ("threads", "processes"),
                             (True, False), (0.5, 0.97, 1.1, 1.9, 3.0),
                             (0.0, 0.35, 0.8, 1.5), (0.0, 0.9), (1.0, 0.6), (1, 2, 4))
    marked = 0
    for workload, mode, gil, gain, others, base_others, base_busy, workers in grid:
        o = outcome(workload, mode, gil, gain, others, workers=workers,
                    baseline_others=base_others, baseline_busy=base_busy)
        if not (o.shared or o.baseline_shared):
            continue
        marked += 1
        text = explain(o).lower()
        assert "noisy" in text or "noise" in text or "quiet" in text, text
    assert marked > 100


def test_one_subinterpreter_or_one_core_says_why_there_was_no_gain() -> None:
    alone = explain(outcome("cpu", "subinterpreters", True, 0.97, workers=1))
    assert "1 subinterpreter kept 1.0 core busy" in alone and "alone it runs on one core" in alone
    one_core = Outcome("cpu", "subinterpreters", 2, 2.0, 2.0, 1, True, baseline_wall_s=2.0,
                       baseline_busy=1.0, others=0.0, baseline_others=0.0)
    assert "one core for them all" in explain(one_core)
    assert expected_cores("cpu", "subinterpreters", 4, 2, True) == 2.0
    assert expected_cores("hash", "subinterpreters", 2, 2, None) == 2.0


def test_cpu_work_that_got_no_core_is_not_called_waiting() -> None:
    text = explain(outcome("cpu", "threads", True, 0.4, None, busy=0.3))
    assert "waiting" not in text and "other programs took it" in text


GIL_BLAME = ("GIL let one thread", "one thread run Python at a time")


def test_no_sentence_contradicts_its_figure() -> None:
    """Every combination: a GIL reason only next to a figure the GIL can produce, no
    conclusion from a shared run that fell short, waiting only for waiting work."""
    grid = itertools.product(
        ("cpu", "hash", "io", "sleep"),
        ("threads", "processes", "asyncio", "subinterpreters"),
        (True, False, None),
        (None, 0.5, 0.8, 0.95, 1.0, 1.15, 1.25, 1.3, 1.45, 1.9, 2.04, 2.5, 3.0, 8.0),
        (None, 0.0, 0.1, 0.25, 0.5, 0.8, 1.5),
        (None, 0.0, 0.9),
        (1, 2, 4, 16),
    )
    checked = 0
    for workload, mode, gil, gain, others, base_others, workers in grid:
        if mode == "asyncio" and workload not in ("io", "sleep"):
            continue
        o = outcome(workload, mode, gil, gain, others, workers=workers,
                    baseline_others=base_others)
        text = explain(o)
        checked += 1
        where = f"{(workload, mode, gil, gain, others, base_others, workers)}: {text}"
        blames_gil = any(p in text for p in GIL_BLAME)
        if blames_gil:
            assert workload == "cpu" and mode == "threads" and gil is not False, where
            assert gain is None or gain < SCALED, where
            assert not o.shared or gain is None or gain >= 0.8 * o.expected_speedup, where
        if workload == "hash" and mode == "threads":
            assert not blames_gil, where
        if "ran Python in parallel" in text:
            assert gil is False, where
        if "several cores in one process" in text:  # subinterpreters, a GIL each
            assert mode == "subinterpreters" and o.expected_cores > 1, where
            assert o.busy >= 1.3 or (gain is not None and gain >= SCALED), where
        if mode == "subinterpreters" and workload in ("cpu", "hash") and gain is not None \
                and "noise" not in text and "Other programs" not in text \
                and "other programs" not in text:
            assert "own GIL" in text, where
        if "releases the GIL" in text:
            assert workload == "hash", where
        if workload == "cpu" and mode == "threads" and gil is not False and gain \
                and gain >= SCALED:
            assert "not a real speedup" in text, where
        if o.shared and gain is not None and workload in ("cpu", "hash") \
                and gain < 0.8 * o.expected_speedup:
            assert "Other programs used" in text and "run again" in text, where
        if "waiting" in text:
            assert workload in ("io", "sleep"), where
        if gain is not None and "x faster than sequential" in text and "noise" not in text:
            assert gain >= 1.1, where
    assert checked > 5000
