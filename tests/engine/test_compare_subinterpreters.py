"""Subinterpreters in the comparison matrix (issue 15): a row where the interpreter can run
them, a skipped cell with the reason where it cannot, and the verdict's one-line reason."""

from __future__ import annotations

import asyncio
import json

import pytest

from gil_tui.engine.compare.matrix import Matrix, MatrixPlan, Target
from gil_tui.engine.compare.model import MODES_FOR, Cell, MatrixResult, unavailable
from gil_tui.engine.compare.verdict import SUBINTERPRETERS_WHY, verdict
from gil_tui.engine.history import export
from gil_tui.engine.run.events import Error
from gil_tui.engine.run.spec import Mode, Workload
from tests.engine.test_compare import FakeRuns
from tests.engine.test_history import HERE

OLD = Target("/py/3.11", "3.11.7")
NEW = Target("/py/3.13", "3.13.0")
#: measured shapes on 2 cores (issue 15): threads flat, subinterpreters and processes scale
WALLS = {(p, m): [w] for p in (OLD.path, NEW.path)
         for m, w in (("sequential", 2.0), ("threads", 2.0), ("processes", 1.1),
                      ("subinterpreters", 1.1))}


def test_modes_for_cpu_and_hash_include_subinterpreters_and_io_does_not():
    assert Mode.SUBINTERPRETERS in MODES_FOR[Workload.CPU]
    assert Mode.SUBINTERPRETERS in MODES_FOR[Workload.HASH]
    assert Mode.SUBINTERPRETERS not in MODES_FOR[Workload.IO]


def test_unavailable_from_the_version():
    assert unavailable(OLD, Mode.SUBINTERPRETERS) == "needs CPython 3.12+"
    assert unavailable(NEW, Mode.SUBINTERPRETERS) is None
    assert unavailable(Target("/py/3.12", "3.12.1"), "subinterpreters") is None
    assert unavailable(OLD, Mode.THREADS) is None
    assert unavailable(Target("/x", None), Mode.SUBINTERPRETERS) is None  # the worker decides
    assert unavailable(Target("/x", "garbage"), Mode.SUBINTERPRETERS) is None


def test_the_plan_skips_what_an_interpreter_cannot_run():
    plan = MatrixPlan.make("cpu", [OLD, NEW], workers=2, repeat=3)
    assert plan.total_runs == (3 + 4) * 3
    cells = MatrixResult.empty(plan).cells
    old = [c for c in cells if c.target is OLD]
    assert [c.mode for c in old] == list(MODES_FOR[Workload.CPU])
    assert [c.status for c in old] == ["pending"] * 3 + ["skipped"]
    assert old[3].error == "needs CPython 3.12+" and old[3].runs == []
    assert {c.status for c in cells if c.target is NEW} == {"pending"}


async def test_a_matrix_runs_subinterpreters_only_where_they_can_run():
    fake = FakeRuns(WALLS)
    plan = MatrixPlan.make("cpu", [OLD, NEW], workers=2, repeat=2)
    seen = []
    result = await Matrix(plan, run_fn=fake, on_progress=seen.append, machine=HERE).run()
    assert (OLD.path, Mode.SUBINTERPRETERS) not in {(s.python, s.mode) for s in fake.calls}
    assert len(fake.calls) == plan.total_runs == 14
    assert seen[-1].done == seen[-1].total == 14
    skipped = result.cell(OLD.path, "subinterpreters")
    assert skipped.status == "skipped" and skipped.error == "needs CPython 3.12+"
    assert result.failed == [] and not result.cancelled
    subs = result.cell(NEW.path, "subinterpreters")
    assert subs.ok and subs.speedup == pytest.approx(2.0 / 1.1)
    text = verdict(result)
    assert "On 3.13 subinterpreters scaled 1.82x." in text
    assert SUBINTERPRETERS_WHY in text
    assert "a start-up cost measured by gil-tui costs" in text and " ms" not in SUBINTERPRETERS_WHY
    assert "Subinterpreters: not on 3.11 (needs CPython 3.12+)." in text
    assert "failed" not in text
    rows = export.matrix_rows(result)
    row = next(r for r in rows if r["python"] == OLD.path and r["mode"] == "subinterpreters")
    assert row["status"] == "skipped" and row["error"] == "needs CPython 3.12+"
    assert row["runs"] == 0 and row["speedup"] is None
    assert json.loads(export.dumps(export.matrix_json(result)))["verdict"] == text


async def test_no_reason_where_subinterpreters_did_not_scale():
    walls = dict(WALLS)
    walls[(NEW.path, "subinterpreters")] = [2.05]
    result = await Matrix(MatrixPlan.make("cpu", [NEW], workers=2), run_fn=FakeRuns(walls),
                          machine=HERE).run()
    text = verdict(result)
    assert "subinterpreters did not scale" in text.lower() and SUBINTERPRETERS_WHY not in text


async def test_a_worker_that_refuses_the_mode_skips_only_that_cell():
    refusal = Error("subinterpreters need the _interpreters module, which this build of "
                    "CPython 3.13.0 lacks", kind="unsupported", exit_code=2)
    fake = FakeRuns(WALLS, fail={(NEW.path, "subinterpreters"): refusal})
    plan = MatrixPlan.make("cpu", [NEW], workers=2, repeat=3)
    matrix = Matrix(plan, run_fn=fake, machine=HERE)
    result = await matrix.run()
    cell = result.cell(NEW.path, "subinterpreters")
    assert cell.status == "skipped" and "lacks" in cell.error
    assert [c.status for c in result.cells[:3]] == ["ok"] * 3
    assert all(len(c.runs) == 3 for c in result.cells[:3]), "the interpreter is not dead"
    assert [s.mode for s in fake.calls].count(Mode.SUBINTERPRETERS) == 1
    assert result.failed == [] and matrix.remaining() == []
    assert "Subinterpreters: not on 3.13 (subinterpreters need the _interpreters" in verdict(result)


async def test_cancel_leaves_skipped_cells_skipped():
    fake = FakeRuns(WALLS, delay=5)
    plan = MatrixPlan.make("cpu", [OLD], workers=2)
    matrix = Matrix(plan, run_fn=fake, machine=HERE)

    async def stop():
        await asyncio.sleep(0.05)
        matrix.cancel()

    stopper = asyncio.ensure_future(stop())
    result = await asyncio.wait_for(matrix.run(), 3)
    await stopper
    assert [c.status for c in result.cells] == ["cancelled"] * 3 + ["skipped"]


async def test_a_dead_interpreter_fails_every_mode_it_could_run():
    crash = Error("the worker was killed by SIGKILL before saying hello", kind="crash")
    fake = FakeRuns(WALLS, fail={(OLD.path, "sequential"): crash})
    result = await Matrix(MatrixPlan.make("cpu", [OLD], workers=2), run_fn=fake,
                          machine=HERE).run()
    assert [c.status for c in result.cells] == ["failed"] * 3 + ["skipped"]
    assert "3.11 failed (every mode)" in verdict(result)


def test_a_matrix_from_the_history_names_the_missing_rows():
    from gil_tui.engine.run.results import InterpreterInfo, RunResult
    from gil_tui.engine.run.spec import RunSpec

    def cell(target, mode, wall):
        spec = RunSpec("cpu", mode, workers=2, python=target.path)
        run = RunResult(spec, InterpreterInfo(target.path, target.version), wall, 0.0, wall, ())
        return Cell(target, Mode(mode), spec.workers, runs=[run], status="ok")

    plan = MatrixPlan(Workload.CPU, (OLD, NEW), 2)
    cells = [cell(OLD, "sequential", 2.0), cell(OLD, "threads", 2.0),
             cell(NEW, "sequential", 2.0), cell(NEW, "threads", 2.0),
             cell(NEW, "subinterpreters", 1.1)]
    result = MatrixResult(plan, "runs-cpu", cells, dict(HERE))
    result.refresh()
    assert result.skipped() == [(OLD, Mode.SUBINTERPRETERS, "needs CPython 3.12+")]
    assert "Subinterpreters: not on 3.11 (needs CPython 3.12+)." in verdict(result)
    # processes ran nowhere: not named as missing
    assert "Processes: not on" not in verdict(result)
