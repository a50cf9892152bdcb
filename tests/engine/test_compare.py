"""The comparison matrix: real tiny runs, injected fake runs, failures, cancel, verdicts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from itertools import count

import psutil
import pytest

from gil_tui.engine.history import export
from gil_tui.engine.compare.matrix import (
    MODES_FOR,
    Matrix,
    MatrixPlan,
    MatrixProgress,
    Target,
    default_targets,
    matrix_tasks,
    short_labels,
)
from gil_tui.engine.compare.verdict import verdict
from gil_tui.engine.run.events import Error, Hello
from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.system.interpreters import probe
from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.history.regroup import entry_speedups, matrices_from_history
from gil_tui.engine.run.results import InterpreterInfo, RunError, RunResult
from gil_tui.engine.run.spec import Mode, RunSpec, Workload, mode_unavailable
from tests.engine.test_history import HERE, THERE, make_result

GIL = Target("/py/3.14", "3.14.0", free_threaded=False, gil_enabled=True)
FT = Target("/py/3.14t", "3.14.0", free_threaded=True, gil_enabled=False)


class FakeRuns:
    """run_fn stand-in: wall times per (python, mode), cycling through a list; subinterpreters
    take the processes' times when they have none of their own."""

    def __init__(self, walls: dict[tuple[str, str], list[float]], *, fail: dict | None = None,
                 busy: float = 1.0, delay: float = 0.0):
        self.walls = walls
        self.fail = fail or {}
        self.busy = busy
        self.delay = delay
        self.calls: list[RunSpec] = []
        self.counters: dict[tuple[str, str], count] = {}

    async def __call__(self, spec, *, latency_url=None, on_event=None):
        self.calls.append(spec)
        key = (spec.python, spec.mode.value)
        ft = spec.python.endswith("t")
        if on_event is not None and key not in self.fail:
            await on_event(Hello(0.0, "3.14.0", "cpython", spec.python, not ft, ft, 2, 1,
                                 None, "fork", False, None))
        if self.delay:
            await asyncio.sleep(self.delay)
        if key in self.fail:
            raise RunError(self.fail[key])
        if key not in self.walls and spec.mode is Mode.SUBINTERPRETERS:
            key = (spec.python, "processes")
        walls = self.walls[key]
        n = next(self.counters.setdefault(key, count()))
        wall = walls[n % len(walls)]
        interp = InterpreterInfo(spec.python, "3.14.0", gil_enabled=not ft, free_threaded=ft,
                                 cpu_count=2)
        cpu = wall * (self.busy if spec.mode is not Mode.SEQUENTIAL else 1.0)
        return RunResult(spec, interp, wall_s=wall, startup_s=0.0, cpu_s=cpu, workers=(),
                         tasks=spec.effective_tasks)


def no_orphans_of(pids):
    left = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                left.append(p)
        except psutil.NoSuchProcess:
            pass
    return left


# ------------------------------------------------------------- real runs


@pytest.mark.parametrize("workload, scale", [("cpu", 0.005), ("io", 1.0)])
async def test_tiny_real_matrix_with_this_interpreter(tmp_path, workload, scale):
    store = HistoryStore(tmp_path / "h.jsonl", machine=HERE)
    target = Target.from_interpreter(probe(sys.executable, "current"))
    plan = MatrixPlan.make(workload, [target], workers=2, scale=scale, repeat=1, delay_ms=5)
    seen: list[MatrixProgress] = []
    pids = []

    def on_event(cell, event):
        if isinstance(event, Hello):
            pids.append(event.pid)

    matrix = Matrix(plan, history=store, on_progress=seen.append, on_event=on_event)
    result = await matrix.run()
    modes = MODES_FOR[Workload(workload)]
    skipped = {m for m in modes if mode_unavailable(m, sys.version_info)}
    assert [c.status for c in result.cells] == ["skipped" if m in skipped else "ok"
                                                for m in modes]
    assert [c.mode for c in result.cells] == list(modes)
    seq = result.cell(target.path, "sequential")
    assert seq.speedup == pytest.approx(1.0) and seq.workers == 1
    for cell in result.cells:
        if cell.mode in skipped:
            assert cell.runs == [] and cell.error == "needs CPython 3.12+"
            continue
        assert cell.median_s > 0 and cell.speedup > 0 and cell.busy_cores >= 0
        assert cell.gil_enabled is True and cell.free_threaded is False
    # same work in every cell
    assert len({(r.spec.tasks, r.spec.scale, r.tasks) for r in result.runs}) == 1
    assert seen[-1].phase == "done" and seen[-1].done == seen[-1].total == plan.total_runs
    assert [p.phase for p in seen if p.phase in ("start", "finished")].count("start") == len(pids)
    entries, warnings = store.load()
    assert warnings == [] and len(entries) == plan.total_runs
    assert {e.matrix for e in entries} == {result.matrix_id}
    assert {e.source for e in entries} == {"compare"}
    assert no_orphans_of(pids) == []
    assert verdict(result)


async def test_cancel_ends_the_running_worker_and_skips_the_rest(tmp_path):
    target = Target.from_interpreter(probe(sys.executable, "current"))
    plan = MatrixPlan.make("cpu", [target], workers=2, scale=3.0, repeat=2)
    pids = []
    matrix = None

    def on_event(cell, event):
        if isinstance(event, Hello):
            pids.append(event.pid)
            matrix.cancel()

    matrix = Matrix(plan, history=HistoryStore(tmp_path / "h.jsonl", machine=HERE),
                    on_event=on_event)
    result = await asyncio.wait_for(matrix.run(), 20)
    assert result.cancelled and matrix.cancelled
    assert len(pids) == 1 and result.runs == []
    assert {c.status for c in result.cells if c.status != "skipped"} == {"cancelled"}
    await asyncio.sleep(0.1)
    assert no_orphans_of(pids) == []
    assert "cancelled" in verdict(result)


# ------------------------------------------------------------- fake runs


async def test_medians_min_max_and_speedups_from_injected_runs():
    fake = FakeRuns({
        ("/py/3.14", "sequential"): [2.0, 2.2, 1.8],
        ("/py/3.14", "threads"): [2.1, 1.9, 2.05],
        ("/py/3.14", "processes"): [1.0, 1.2, 1.1],
    })
    plan = MatrixPlan.make("cpu", [GIL], workers=2, repeat=3)
    result = await Matrix(plan, run_fn=fake, machine=HERE).run()
    seq, threads, procs, subs = result.cells
    assert (seq.median_s, seq.min_s, seq.max_s) == (2.0, 1.8, 2.2)
    assert (threads.median_s, threads.min_s, threads.max_s) == (2.05, 1.9, 2.1)
    assert procs.median_s == 1.1
    assert threads.speedup == pytest.approx(2.0 / 2.05)
    assert procs.speedup == pytest.approx(2.0 / 1.1)
    assert subs.mode is Mode.SUBINTERPRETERS and subs.median_s == 1.1
    assert len(seq.runs) == 3
    # passes: every cell once, then every cell again
    assert [s.mode.value for s in fake.calls[:4]] == ["sequential", "threads", "processes",
                                                      "subinterpreters"]
    assert len(fake.calls) == 12


async def test_a_failing_interpreter_marks_its_rows_failed_and_the_matrix_goes_on():
    broken = Target("/py/broken", "3.12.0")
    fake = FakeRuns(
        {(p, m.value): [1.0] for p in ("/py/3.14", "/py/broken") for m in MODES_FOR[Workload.CPU]},
        fail={("/py/broken", "sequential"): Error("the worker (pid 9) was killed by SIGKILL "
                                                  "before saying hello", kind="crash")})
    unsupported = Target("/py/2.7", "2.7.18", supported=False,
                         reason="/py/2.7 is Python 2.7.18; gil-tui needs CPython >= 3.8")
    plan = MatrixPlan.make("cpu", [broken, unsupported, GIL], workers=2, repeat=2)
    seen = []
    result = await Matrix(plan, run_fn=fake, on_progress=seen.append, machine=HERE).run()
    assert [c.status for c in result.cells_of(broken)] == ["failed"] * 4
    assert "SIGKILL" in result.cell("/py/broken", "sequential").error
    assert result.cell("/py/broken", "threads").error.startswith("not run: ")
    assert [c.status for c in result.cells_of(unsupported)] == ["failed"] * 4
    assert "needs CPython >= 3.8" in result.cell("/py/2.7", "threads").error
    assert [c.status for c in result.cells_of(GIL)] == ["ok"] * 4
    assert all(len(c.runs) == 2 for c in result.cells_of(GIL))
    assert [s.python for s in fake.calls].count("/py/broken") == 1  # not retried
    assert seen[-1].done == seen[-1].total == plan.total_runs
    text = verdict(result)
    assert "/py/broken" not in text and "3.12 failed (every mode)" in text
    assert "2.7 failed (every mode)" in text and "Subinterpreters: not on" not in text
    assert len(result.failed) == 8


async def test_a_mode_that_fails_after_hello_fails_only_its_cell():
    walls = {("/py/3.14", m.value): [1.0] for m in MODES_FOR[Workload.CPU]}

    class FailAfterHello(FakeRuns):
        async def __call__(self, spec, *, latency_url=None, on_event=None):
            if spec.mode is Mode.PROCESSES:
                await on_event(Hello(0.0, "3.14.0", "cpython", "", True, False, 2, 1, None,
                                     "fork", False, None))
                raise RunError(Error("a worker process died", kind="crash"))
            return await super().__call__(spec, latency_url=latency_url, on_event=on_event)

    fake = FailAfterHello(walls)
    result = await Matrix(MatrixPlan.make("cpu", [GIL], workers=2, repeat=3), run_fn=fake,
                          machine=HERE).run()
    assert [c.status for c in result.cells] == ["ok", "ok", "failed", "ok"]
    assert result.cells[2].error == "a worker process died"
    assert len(result.cells[1].runs) == 3


async def test_progress_callback_can_be_async_and_cancel_stops_fake_runs():
    fake = FakeRuns({(GIL.path, m.value): [1.0] for m in MODES_FOR[Workload.CPU]}, delay=5)
    plan = MatrixPlan.make("cpu", [GIL], workers=2, repeat=1)
    phases = []
    matrix = None

    async def on_progress(p):
        phases.append(p.phase)
        if p.phase == "start":
            asyncio.get_running_loop().call_later(0.05, matrix.cancel)

    matrix = Matrix(plan, run_fn=fake, on_progress=on_progress, machine=HERE)
    result = await asyncio.wait_for(matrix.run(), 3)
    assert result.cancelled and phases == ["start", "skipped", "done"]
    assert len(fake.calls) == 1


async def test_cancelling_the_task_that_runs_the_matrix_propagates():
    fake = FakeRuns({(GIL.path, m.value): [1.0] for m in MODES_FOR[Workload.CPU]}, delay=5)
    task = asyncio.ensure_future(Matrix(MatrixPlan.make("cpu", [GIL], workers=2), run_fn=fake,
                                        machine=HERE).run())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_history_that_cannot_be_written_becomes_a_warning(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = HistoryStore(blocker / "history.jsonl", machine=HERE)  # parent is a file
    fake = FakeRuns({(GIL.path, m.value): [1.0] for m in MODES_FOR[Workload.CPU]})
    result = await Matrix(MatrixPlan.make("cpu", [GIL], workers=2), run_fn=fake,
                          history=store).run()
    assert [c.status for c in result.cells] == ["ok"] * 4
    assert len(result.warnings) == 1 and "not saved" in result.warnings[0]


def test_plan_validation_and_defaults():
    with pytest.raises(ValueError):
        MatrixPlan.make("cpu", [GIL], repeat=0)
    with pytest.raises(ValueError):
        MatrixPlan.make("sleep", [GIL])
    with pytest.raises(ValueError):
        MatrixPlan.make("cpu", [])
    with pytest.raises(ValueError):
        MatrixPlan.make("cpu", [GIL], scale=-1)
    plan = MatrixPlan.make("io", [GIL, GIL, FT])
    assert plan.targets == (GIL, FT) and plan.workers == 16 and plan.tasks == 16
    assert plan.total_runs == 8
    assert plan.spec(GIL, Mode.SEQUENTIAL).workers == 1
    assert matrix_tasks("cpu", 2) == 8 and matrix_tasks("cpu", 3) == 9
    assert matrix_tasks("cpu", 16) == 16


class FakeInterp:
    def __init__(self, path, version, source="pyenv", ft=False, supported=True):
        self.path, self.source, self.free_threaded, self.supported = path, source, ft, supported
        self.version = version
        self.version_info = tuple(int(x) for x in version.split("."))
        self.gil_enabled = not ft
        self.reason = None if supported else "too old"


def test_default_targets_one_per_version_and_build_current_first():
    found = [FakeInterp("/venv/python", "3.11.7", "current"),
             FakeInterp("/py/2.7", "2.7.18", supported=False),
             FakeInterp("/py/3.11.2", "3.11.2", "path"),
             FakeInterp("/py/3.13.0", "3.13.0"), FakeInterp("/py/3.13.5", "3.13.5"),
             FakeInterp("/py/3.14", "3.14.0"), FakeInterp("/py/3.14t", "3.14.0", ft=True),
             FakeInterp("/py/3.13t", "3.13.5", ft=True)]
    paths = [t.path for t in default_targets(found)]
    assert paths == ["/venv/python", "/py/3.13.5", "/py/3.13t", "/py/3.14", "/py/3.14t"]


def test_short_labels():
    a, b = Target("/a", "3.12.1"), Target("/b", "3.12.3")
    assert short_labels([GIL, FT]) == {"/py/3.14": "3.14", "/py/3.14t": "3.14t"}
    assert short_labels([a, b]) == {"/a": "3.12.1", "/b": "3.12.3"}
    assert short_labels([a, Target("/c", "3.12.1")])["/c"] == "3.12.1 (/c)"
    assert short_labels([Target("/x", None)]) == {"/x": "/x"}


# ------------------------------------------------------------- verdicts


async def fake_matrix(workload: str, walls: dict, targets=(FT, GIL), busy=1.9, workers=2,
                      **kw) -> MatrixResult:
    fake = FakeRuns(walls, busy=busy, **kw)
    plan = MatrixPlan.make(workload, list(targets), workers=workers)
    return await Matrix(plan, run_fn=fake, machine=HERE).run()


async def test_verdict_free_threaded_against_gil_build():
    result = await fake_matrix("cpu", {
        (FT.path, "sequential"): [2.16], (FT.path, "threads"): [1.137], (FT.path, "processes"): [1.15],
        (GIL.path, "sequential"): [2.0], (GIL.path, "threads"): [1.96], (GIL.path, "processes"): [1.08],
    })
    text = verdict(result)
    assert "On 3.14t threads scaled 1.90x; on 3.14 they did not (1.02x)." in text
    assert "Processes scaled on both (1.88x, 1.85x)." in text
    assert "With the GIL only one thread runs Python at a time; without it" in text
    assert "Sequential, 3.14t took 8% longer than 3.14" in text
    assert "can gain at most 2x here" in text
    assert "Fastest: processes on 3.14" in text
    assert "Careful" not in text


async def test_verdict_gil_only_and_slower_threads():
    result = await fake_matrix("cpu", {
        (GIL.path, "sequential"): [2.0], (GIL.path, "threads"): [2.4], (GIL.path, "processes"): [1.1],
    }, targets=(GIL,))
    text = verdict(result)
    assert "On 3.14 threads were slower than sequential (0.83x)." in text
    assert "On 3.14 processes scaled 1.82x." in text
    assert "one thread runs Python bytecode at a time" in text


async def test_verdict_hash_threads_scale_with_the_gil():
    result = await fake_matrix("hash", {
        (GIL.path, "sequential"): [2.0], (GIL.path, "threads"): [1.05], (GIL.path, "processes"): [1.1],
    }, targets=(GIL,))
    assert "hashlib releases it" in verdict(result)


async def test_verdict_free_threaded_build_running_with_the_gil_on():
    ft_on = Target("/py/3.13t", "3.13.0", free_threaded=True, gil_enabled=True)

    class GilOn(FakeRuns):
        async def __call__(self, spec, **kw):
            r = await super().__call__(spec, **kw)
            info = InterpreterInfo(spec.python, "3.13.0", gil_enabled=True, free_threaded=True)
            return RunResult(r.spec, info, r.wall_s, 0.0, r.cpu_s, ())

    plan = MatrixPlan.make("cpu", [ft_on], workers=2)
    walls = {(ft_on.path, m): [2.0 if m != "processes" else 1.0]
             for m in ("sequential", "threads", "processes")}
    result = await Matrix(plan, run_fn=GilOn(walls), machine=HERE).run()
    assert result.cell(ft_on.path, "threads").gil_state == "on (free-threaded build)"
    assert "3.13t is a free-threaded build but ran with the GIL on" in verdict(result)


async def test_verdict_io_and_nothing_to_compare():
    modes = ("sequential", "threads", "processes", "asyncio")
    result = await fake_matrix("io", {(GIL.path, m): [1.6 if m == "sequential" else 0.11]
                                      for m in modes}, targets=(GIL,), busy=0.05, workers=16)
    text = verdict(result)
    assert "On 3.14 threads scaled 14.5x." in text and "a thread blocked on the network" in text
    assert "asyncio scaled" in text and "can gain at most" not in text
    empty = MatrixResult.empty(MatrixPlan.make("cpu", [GIL], workers=2), "x", HERE)
    assert "nothing to compare" in verdict(empty)


# ------------------------------------------------------------- exports and history


async def test_exports_of_a_matrix():
    result = await fake_matrix("cpu", {(p, m): [1.0 if m != "sequential" else 2.0]
                                       for p in (FT.path, GIL.path)
                                       for m in ("sequential", "threads", "processes")})
    md = export.matrix_markdown(result)
    assert "| Python | GIL | Mode | Workers | Wall (median) |" in md
    assert "| 3.14t | off (free-threaded) | threads | 2 | 1.00 s | - | 2.00x |" in md
    rows = list(csv.DictReader(io.StringIO(export.matrix_csv(result))))
    assert len(rows) == 8 and rows[0]["hostname"] == "here" and rows[1]["speedup"] == "2.0"
    data = json.loads(export.dumps(export.matrix_json(result)))
    assert data["kind"] == "gil-tui-compare" and data["machine"]["hostname"] == "here"
    assert len(data["rows"]) == 8 and len(data["runs"]) == 8
    assert data["runs"][0]["machine"]["hostname"] == "here" and data["date"]
    assert data["verdict"] == verdict(result)
    text = export.matrix_text(result)
    assert text.splitlines()[1].split()[:4] == ["PYTHON", "GIL", "MODE", "WORKERS"]


def test_matrices_from_history_never_mix_machines(tmp_path):
    store = HistoryStore(tmp_path / "h.jsonl", machine=HERE)
    store.append(make_result("sequential", 2.0), source="compare", matrix="m1")
    store.append(make_result("threads", 2.0), source="compare", matrix="m1")
    store.append(make_result("sequential", 4.0), source="live")
    store.append(make_result("threads", 2.0), source="live")
    other = HistoryStore(tmp_path / "o.jsonl", machine=THERE)
    other.append(make_result("sequential", 2.0, path="/py/3.14t", free_threaded=True),
                 source="compare", matrix="m1")
    other.append(make_result("threads", 1.0, path="/py/3.14t", free_threaded=True),
                 source="compare", matrix="m1")
    store.import_file(other.path)
    entries, _ = store.load()
    assert entry_speedups(entries) == [1.0, 1.0, 1.0, 2.0, 1.0, 2.0]
    tables = matrices_from_history(entries)
    assert len(tables) == 3
    imported = [t for t in tables if t.imported]
    assert len(imported) == 1 and imported[0].machine["hostname"] == "laptop16"
    assert imported[0].cell("/py/3.14t", "threads").speedup == 2.0
    assert imported[0].sources == ["compare"]
    live = next(t for t in tables if t.sources == ["live"])
    assert live.cell("/py/3.13", "threads").speedup == 2.0
    assert "laptop16 (16 cores), imported" in export.matrix_text(imported[0])
    from gil_tui.engine.history import listing  # the history's tables (they stream)

    assert "imported (compare)" in listing.history_text(entries)
    assert listing.history_markdown(entries).count("\n") == len(entries) + 2
    assert len(list(csv.DictReader(io.StringIO(listing.history_csv(entries))))) == 6


async def test_verdict_warns_when_the_numbers_show_a_busy_machine():
    walls = {(GIL.path, "sequential"): [2.0], (GIL.path, "threads"): [0.8],
             (GIL.path, "processes"): [1.1]}
    text = verdict(await fake_matrix("cpu", walls, targets=(GIL,)))
    assert "Careful: threads on a GIL build cannot run pure Python in parallel" in text
    assert "3.14's 2.50x is noise" in text
    walls[(GIL.path, "threads")] = [2.0]
    walls[(GIL.path, "processes")] = [0.8]
    text = verdict(await fake_matrix("cpu", walls, targets=(GIL,)))
    assert "Careful: a speedup above what 2 cores allow (2.50x)" in text
    assert "ran at different speeds" in text

    class Idle(FakeRuns):
        async def __call__(self, spec, **kw):
            r = await super().__call__(spec, **kw)
            return RunResult(r.spec, r.interpreter, r.wall_s, 0.0, r.wall_s * 0.4, ())

    plan = MatrixPlan.make("cpu", [GIL], workers=2)
    walls[(GIL.path, "threads")] = [2.0]
    result = await Matrix(plan, run_fn=Idle(walls), machine=HERE).run()
    assert "a sequential run kept only 0.40 of a core busy" in verdict(result)


def test_estimate_left_from_the_runs_so_far():
    from gil_tui.engine.compare.job import estimate_left

    seq, thr, prc = ("sequential", 1, "/a"), ("threads", 2, "/a"), ("processes", 2, "/a")
    assert estimate_left([seq, thr], []) is None, "nothing finished: no estimate"
    took = [(seq, 4.0), (thr, 4.0), (prc, 2.0)]
    assert estimate_left([seq, thr, prc], took) == pytest.approx(10.0)
    other = ("processes", 2, "/b")  # another interpreter: the same mode and workers
    assert estimate_left([other], took) == pytest.approx(2.0)
    assert estimate_left([("asyncio", 16, "/a")], took) == pytest.approx(10 / 3)
    assert estimate_left([seq, thr], took, running=seq, running_s=1.5) == pytest.approx(6.5)
    assert estimate_left([seq], took, running=seq, running_s=9.0) == 0.0


async def test_matrix_progress_has_elapsed_and_eta():
    walls = {(t.path, m): [1.0] for t in (GIL, FT) for m in ("sequential", "threads",
                                                             "processes")}
    plan = MatrixPlan.make("cpu", [GIL, FT], workers=2, repeat=2)
    seen, left = [], []
    matrix = Matrix(plan, run_fn=FakeRuns(walls, fail={(FT.path, "threads"): Error(
        "boom", kind="crash")}), machine=HERE)

    def on_progress(p):
        seen.append(p)
        left.append(len(matrix.remaining()))

    matrix.on_progress = on_progress
    await matrix.run()
    assert seen[0].phase == "start" and seen[0].eta_s is None and left[0] == 16
    assert all(p.eta_s is not None for p in seen if p.phase == "finished")
    assert seen[-1].phase == "done" and left[-1] == 0 and seen[-1].done == 16
    assert all(p.elapsed_s >= 0 for p in seen)
    # FT threads failed in the first pass: its second run is not counted as left
    failed_at = next(n for n, p in enumerate(seen) if p.error == "boom")
    assert left[failed_at] == 16 - 6 - 1
