"""Runs read back from the history: one speedup rule for the Live tab, `gil-tui results`
and the History view (issue 13.8), and a sweep shown as a sweep (13.3)."""

from __future__ import annotations

import statistics

import pytest

from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.compare.sweep import Sweep, SweepPlan, SweepResult
from gil_tui.engine.compare.verdict import verdict
from gil_tui.engine.history import listing
from gil_tui.engine.history.entry import HistoryEntry
from gil_tui.engine.history.regroup import (
    Baselines,
    entry_speedups,
    matrices_from_history,
    tables_from_history,
)
from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.history.sweep_export import format_sweep
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.session import Session
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.compare.model import Target
from tests.engine.test_history import HERE, make_result

PY = "/py/3.13"


def live_runs() -> list[RunResult]:
    """A sitting on a machine that got busy: the second baseline is much slower."""
    runs = [("sequential", 2.0), ("threads", 2.1), ("sequential", 3.5), ("threads", 2.0),
            ("processes", 1.0), ("threads", 1.9)]
    return [make_result(mode, wall, path=PY, started=1000.0 + n * 10)
            for n, (mode, wall) in enumerate(runs)]


def test_the_live_tab_and_results_give_the_same_speedups() -> None:
    runs = live_runs()
    session = Session(cores=2)
    shown = [session.add_result(r).speedup for r in runs]
    assert shown == pytest.approx([1.0, 2.0 / 2.1, 1.0, 3.5 / 2.0, 3.5, 3.5 / 1.9])
    entries = [HistoryEntry(r, HERE, "live") for r in runs]
    assert entry_speedups(entries) == pytest.approx(shown)
    text = listing.history_text(entries).splitlines()[1:]
    assert [line.split()[-1] for line in text] == ["1.00x", "0.95x", "1.00x", "1.75x",
                                                   "3.50x", "1.84x"]


def test_the_history_view_shows_the_median_of_what_the_live_tab_showed() -> None:
    runs = live_runs()
    session = Session(cores=2)
    records = [session.add_result(r) for r in runs]
    (table,) = tables_from_history([HistoryEntry(r, HERE, "live") for r in runs])
    threads = [rec.speedup for rec in records if rec.spec.mode.value == "threads"]
    assert table.cell(PY, "threads").speedup == pytest.approx(statistics.median(threads))
    assert table.cell(PY, "sequential").speedup == 1.0
    assert table.cell(PY, "processes").speedup == pytest.approx(3.5)
    table.refresh()  # a refresh keeps the rule
    assert table.cell(PY, "threads").speedup == pytest.approx(statistics.median(threads))


def test_matrix_runs_divide_the_median_of_their_sequential_runs() -> None:
    walls = [("sequential", 2.0), ("threads", 2.0), ("sequential", 4.0), ("threads", 2.0),
             ("sequential", 3.0)]
    entries = [HistoryEntry(make_result(m, w, path=PY), HERE, "compare", matrix="m1")
               for m, w in walls]
    assert entry_speedups(entries) == pytest.approx([1.5, 1.5, 0.75, 1.5, 1.0])
    base = Baselines()
    tokens = [base.add(e) for e in entries]
    assert base.speedup_of(tokens[1], 2.0) == pytest.approx(1.5)


def test_a_run_without_a_baseline_has_no_speedup() -> None:
    entries = [HistoryEntry(make_result("threads", 1.0, path=PY), HERE, "bench")]
    assert entry_speedups(entries) == [None]


# ------------------------------------------------------------------ sweeps


class FakeRuns:
    async def __call__(self, spec: RunSpec, *, latency_url=None, on_event=None) -> RunResult:
        wall = 2.0 if spec.mode.value == "sequential" else 2.0 / min(spec.workers, 2)
        info = InterpreterInfo(spec.python, "3.13.1", cpu_count=2)
        return RunResult(spec, info, wall_s=wall, startup_s=0.0, cpu_s=wall, workers=(),
                         tasks=spec.effective_tasks, started_at=1000.0)


async def test_a_sweep_in_the_history_comes_back_as_a_sweep(tmp_path) -> None:
    store = HistoryStore(tmp_path / "h.jsonl", machine=HERE)
    target = Target(PY, "3.13.1")
    plan = SweepPlan.make("cpu", "processes", target, max_workers=4, cores=2, scale=0.5)
    sweep = Sweep(plan, history=store, run_fn=FakeRuns())
    made = await sweep.run()
    assert made.sweep_id == sweep.sweep_id and made.started_at and made.finished_at
    store.append(make_result("sequential", 2.0, path=PY), source="live")
    entries, _ = store.load()
    tables = tables_from_history(entries)
    sweeps = [t for t in tables if isinstance(t, SweepResult)]
    assert len(sweeps) == 1 and len(tables) == 2
    back = sweeps[0]
    assert back.sweep_id == sweep.sweep_id and back.machine["hostname"] == "here"
    assert back.plan.mode.value == "processes" and back.plan.max_workers == 4
    assert back.plan.cores == 2 and back.plan.target.path == PY
    assert [(p.workers, p.speedup) for p in back.points] == \
        [(p.workers, p.speedup) for p in made.points]
    assert back.ideal == made.ideal and back.fit_text == made.fit_text
    assert format_sweep(back, "text") == format_sweep(made, "text")
    assert all(isinstance(t, MatrixResult) for t in matrices_from_history(entries))
    assert len(matrices_from_history(entries)) == 1, "the sweep is not drawn as a matrix"


def test_a_group_that_only_looks_like_a_sweep_stays_a_matrix() -> None:
    entries = [HistoryEntry(make_result("sequential", 2.0, path=p), HERE, "compare",
                            matrix="sweep-x") for p in ("/py/a", "/py/b")]
    (table,) = tables_from_history(entries)
    assert isinstance(table, MatrixResult)


def test_a_sleep_table_from_the_history_gives_waiting_advice() -> None:
    entries = [HistoryEntry(make_result(m, w, path=PY, workers=4, workload="sleep"), HERE,
                            "live") for m, w in (("sequential", 1.6), ("threads", 0.41))]
    (table,) = tables_from_history(entries)
    text = verdict(table)
    assert "CPU-bound" not in text and "usable cores" not in text
    assert "waits overlap" in text or "the waits overlap" in text
    assert "Careful" not in text, "a sleep run keeps no core busy by design"
    assert "a sleeping thread lets it go" in text
