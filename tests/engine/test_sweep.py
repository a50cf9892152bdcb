"""The scaling sweep: worker counts, ideal line, Amdahl fit; one tiny real sweep."""

from __future__ import annotations

import sys

import pytest

from gil_tui.engine.compare.amdahl import amdahl_speedup
from gil_tui.engine.compare.matrix import Target
from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.system.interpreters import probe
from gil_tui.engine.run.events import Error
from gil_tui.engine.run.results import InterpreterInfo, RunError, RunResult
from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.engine.compare.sweep import Sweep, SweepPlan, sweep_tasks
from tests.engine.test_history import HERE

FT = Target("/py/3.14t", "3.14.0", free_threaded=True, gil_enabled=False)


def amdahl_runs(s: float, cores: int, fail_at: int | None = None):
    async def run(spec, *, latency_url=None, on_event=None):
        if fail_at is not None and spec.workers == fail_at and spec.mode is not Mode.SEQUENTIAL:
            raise RunError(Error("boom", kind="crash"))
        n = 1 if spec.mode is Mode.SEQUENTIAL else min(spec.workers, cores)
        wall = 4.0 / amdahl_speedup(s, n)
        info = InterpreterInfo(spec.python, "3.14.0", gil_enabled=False, free_threaded=True)
        return RunResult(spec, info, wall, 0.0, 4.0, ())
    return run


def test_sweep_tasks_split_evenly():
    for n in (1, 2, 4, 6, 8):
        tasks = sweep_tasks(n, Workload.CPU)
        assert all(tasks % w == 0 for w in range(1, n + 1)) and tasks >= 8
    big = sweep_tasks(32, Workload.CPU)
    assert big == 512


def test_plan_validation():
    with pytest.raises(ValueError):
        SweepPlan.make("cpu", "sequential", FT)
    with pytest.raises(ValueError):
        SweepPlan.make("cpu", "asyncio", FT)
    plan = SweepPlan.make("cpu", "threads", FT, cores=4)
    assert plan.max_workers == 8 and plan.worker_counts == list(range(1, 9))
    assert plan.total_runs == 9 and plan.tasks == 840


async def test_sweep_points_ideal_and_fit(tmp_path):
    plan = SweepPlan.make("cpu", "threads", FT, cores=4, repeat=2)
    store = HistoryStore(tmp_path / "h.jsonl", machine=HERE)
    seen = []
    sweep = Sweep(plan, run_fn=amdahl_runs(0.1, cores=4), history=store, on_progress=seen.append)
    result = await sweep.run()
    points = result.points
    assert [p.workers for p in points] == list(range(1, 9))
    assert points[1].speedup == pytest.approx(amdahl_speedup(0.1, 2))
    assert points[7].speedup == pytest.approx(amdahl_speedup(0.1, 4))  # 8 workers on 4 cores
    assert result.ideal[:5] == [(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), (5, 4.0)]
    assert result.fit.serial_fraction == pytest.approx(0.1, abs=1e-3)
    assert result.fit_text.startswith("About 90% of this work ran in parallel")
    assert seen[-1].phase == "done" and seen[-1].done == plan.total_runs
    entries, _ = store.load()
    assert len(entries) == plan.total_runs and {e.matrix for e in entries} == {sweep.sweep_id}
    data = result.to_dict()
    assert data["kind"] == "gil-tui-sweep" and len(data["fit"]["curve"]) == 8


async def test_too_few_points_say_so():
    plan = SweepPlan.make("cpu", "threads", FT, cores=1, max_workers=2)
    result = await Sweep(plan, run_fn=amdahl_runs(0.1, cores=1)).run()
    assert len(result.points) == 2 and result.fit is None
    assert "only 2 measured points" in result.fit_text


async def test_a_failed_point_is_reported_and_others_go_on():
    plan = SweepPlan.make("cpu", "threads", FT, cores=2, max_workers=4)
    result = await Sweep(plan, run_fn=amdahl_runs(0.0, 2, fail_at=3)).run()
    assert [p.workers for p in result.points] == [1, 2, 4]
    assert result.errors == {"3": "boom"}


async def test_tiny_real_sweep():
    target = Target.from_interpreter(probe(sys.executable, "current"))
    plan = SweepPlan.make("cpu", "processes", target, cores=2, max_workers=3, scale=0.005)
    result = await Sweep(plan).run()
    assert result.errors == {} and [p.workers for p in result.points] == [1, 2, 3]
    assert result.baseline_s > 0
    assert result.fit is not None or "No Amdahl fit" in result.fit_text


async def test_sweep_progress_has_elapsed_and_eta():
    plan = SweepPlan.make("cpu", "threads", FT, cores=2, max_workers=3, repeat=2)
    seen, left = [], []
    sweep = Sweep(plan, run_fn=amdahl_runs(0.0, 2, fail_at=3))

    def on_progress(p):
        seen.append(p)
        left.append(len(sweep.remaining()))

    sweep.on_progress = on_progress
    await sweep.run()
    assert seen[0].phase == "start" and seen[0].eta_s is None, "no estimate before a run"
    assert left[0] == plan.total_runs
    finished = [p for p in seen if p.phase == "finished"]
    assert all(p.eta_s is not None and p.eta_s >= 0 for p in finished)
    assert all(p.elapsed_s >= 0 for p in seen)
    assert seen[-1].phase == "done" and seen[-1].eta_s == 0.0 and left[-1] == 0
    # after the first pass: sequential, 1, 2 left once more; 3 failed and is not counted
    first_pass_end = [n for n, p in enumerate(seen) if p.phase == "finished"][3]
    assert left[first_pass_end] == 3


# ---------------------------------------------------------------- subinterpreters (issue 15)

OLD = Target("/py/3.11", "3.11.7")
NEW = Target("/py/3.13", "3.13.0")


def test_a_subinterpreters_sweep_needs_an_interpreter_that_can():
    plan = SweepPlan.make("cpu", "subinterpreters", NEW, cores=2, max_workers=3)
    assert plan.spec(2).mode is Mode.SUBINTERPRETERS and plan.spec(None).mode is Mode.SEQUENTIAL
    assert SweepPlan.make("hash", "subinterpreters", NEW, cores=2).mode is Mode.SUBINTERPRETERS
    with pytest.raises(ValueError, match=r"no subinterpreters sweep on /py/3\.11: "
                                         r"subinterpreters needs CPython 3\.12\+ \(it is 3\.11\.7\)"):
        SweepPlan.make("cpu", "subinterpreters", OLD, cores=2)
    with pytest.raises(ValueError, match="io workload"):
        SweepPlan.make("io", "subinterpreters", NEW, cores=2)


async def test_a_worker_that_refuses_the_mode_stops_the_sweep():
    calls = []

    async def run(spec, *, latency_url=None, on_event=None):
        calls.append(spec.mode)
        if spec.mode is Mode.SUBINTERPRETERS:
            raise RunError(Error("subinterpreters need the _interpreters module, which this "
                                 "build lacks", kind="unsupported", exit_code=2))
        info = InterpreterInfo(spec.python, "3.13.0")
        return RunResult(spec, info, 2.0, 0.0, 2.0, ())

    plan = SweepPlan.make("cpu", "subinterpreters", NEW, cores=2, max_workers=4, repeat=2)
    seen = []
    sweep = Sweep(plan, run_fn=run, on_progress=seen.append)
    result = await sweep.run()
    assert calls == [Mode.SEQUENTIAL, Mode.SUBINTERPRETERS]
    assert list(result.errors) == ["1"] and "lacks" in result.errors["1"]
    assert sweep.remaining() == [] and seen[-1].done == plan.total_runs
