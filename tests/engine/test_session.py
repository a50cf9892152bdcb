"""Session (baselines, speedups), explanations and the run tracker, on hand-made data."""

from __future__ import annotations

from gil_tui.engine.run.events import Hello, Progress, Result, WorkerDone, WorkerStart, WorkerStat
from gil_tui.engine.run.explain import Outcome, explain
from gil_tui.engine.system.monitor import ProcessSample, ThreadSample, TreeSample
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.session import Session, work_key
from gil_tui.engine.run.spec import Mode, RunSpec, Workload
from gil_tui.engine.run.tracker import RunTracker

GIL = InterpreterInfo(path="/py", version="3.13.0", cpu_count=2)
FREE = InterpreterInfo(path="/pyt", version="3.14.0", gil_enabled=False, free_threaded=True,
                       cpu_count=2)


def result(spec: RunSpec, wall: float, cpu: float, interp=GIL) -> RunResult:
    return RunResult(spec=spec, interpreter=interp, wall_s=wall, startup_s=0.01, cpu_s=cpu,
                     workers=())


def test_work_key_ignores_mode_and_workers_only() -> None:
    a = RunSpec(Workload.CPU, Mode.THREADS, workers=4)
    assert work_key(a) == work_key(RunSpec(Workload.CPU, Mode.SEQUENTIAL))
    assert work_key(a) != work_key(a.replace(scale=2.0))
    assert work_key(a) != work_key(a.replace(tasks=16))
    assert work_key(a) != work_key(a.replace(python="/other/python"))
    io = RunSpec(Workload.IO, Mode.THREADS)
    assert work_key(io) == work_key(io.replace(scale=3.0)), "scale does not apply to io"
    assert work_key(io) != work_key(io.replace(delay_ms=50))


def test_baseline_is_asked_for_then_used() -> None:
    session = Session(cores=2)
    threads = RunSpec(Workload.CPU, Mode.THREADS, workers=2)
    baseline = session.baseline_spec(threads)
    assert baseline is not None and baseline.mode is Mode.SEQUENTIAL
    assert work_key(baseline) == work_key(threads)
    session.add_result(result(baseline, 3.0, 3.0), auto_baseline=True)
    assert session.baseline_spec(threads) is None
    record = session.add_result(result(threads, 3.1, 3.1))
    assert abs(record.speedup - 3.0 / 3.1) < 1e-9
    assert "GIL" in record.explanation and "one thread" in record.explanation
    assert session.records[0].auto_baseline and session.last is record


def test_failures_are_recorded() -> None:
    session = Session()
    spec = RunSpec(Workload.CPU, Mode.THREADS)
    failed = session.add_failure(spec, "boom")
    cancelled = session.add_failure(spec, "cancelled", cancelled=True)
    assert (failed.status, cancelled.status) == ("failed", "cancelled")
    assert "boom" in failed.explanation and not failed.ok


def test_explanations_follow_the_numbers() -> None:
    def say(**kw) -> str:
        base = dict(workload="cpu", mode="threads", workers=2, wall_s=1.0, cpu_s=1.0, cores=2,
                    gil_enabled=True, baseline_wall_s=1.0)
        base.update(kw)
        return explain(Outcome(**base))

    assert "one thread run Python at a time" in say()
    assert "GIL off" in say(gil_enabled=False, cpu_s=1.9, wall_s=0.52, baseline_wall_s=1.0)
    assert "1.9x faster" in say(gil_enabled=False, cpu_s=1.9, wall_s=0.52)
    assert "releases the GIL" in say(workload="hash", cpu_s=1.9, wall_s=0.55)
    assert "waiting" in say(workload="io", cpu_s=0.05, wall_s=0.12, baseline_wall_s=1.6)
    assert "own interpreter" in say(mode="processes", cpu_s=1.9, wall_s=0.55)
    assert "Only 2 cores" in say(mode="processes", workers=8, cpu_s=1.9, wall_s=0.55)
    assert say(mode="sequential").startswith("The baseline")
    assert "slower" in say(wall_s=1.3)


def test_tracker_follows_a_run_and_joins_samples() -> None:
    spec = RunSpec(Workload.CPU, Mode.THREADS, workers=2)
    tracker = RunTracker(spec)
    assert tracker.state == "starting"
    tracker.feed(Hello(t=0, version="3.13.0", implementation="cpython", executable="/py",
                       gil_enabled=True, free_threaded=False, cpu_count=2, pid=10,
                       start_method=None, default_start_method="fork", aiohttp=False,
                       io_client=None, total_steps=100, workers=2, tasks=8))
    tracker.feed(WorkerStart(t=0.1, index=0, pid=10, thread_id=11))
    tracker.feed(WorkerStart(t=0.1, index=1, pid=10, thread_id=12))
    tracker.feed(Progress(t=0.5, index=0, done=20, total=100))
    tracker.feed(Progress(t=0.5, index=1, done=30, total=100))
    assert tracker.state == "running" and tracker.fraction == 0.5
    tree = TreeSample(0.5, (ProcessSample(10, 1, "python", 100.0, 1 << 20, 3, (
        ThreadSample(11, 49.0, 0.2), ThreadSample(12, 51.0, 0.2)), 0.4),), 100.0)
    rows = tracker.rows(tree, root_pid=10)
    assert [r.label for r in rows] == ["worker 0", "worker 1", "all threads"]
    assert [r.cpu_percent for r in rows] == [49.0, 51.0, 100.0]
    tracker.feed(WorkerDone(t=1, index=0, pid=10, thread_id=11, seconds=0.9, cpu_s=0.45,
                            tasks=4, done=50))
    tracker.feed(Result(t=1, wall_s=1.0, startup_s=0.01, first_start_s=0.0, cpu_s=1.0,
                        workers=(WorkerStat(0, 10, 11, 0.9, 0.45, 4, 50),
                                 WorkerStat(1, 10, 12, 1.0, 0.5, 4, 50))))
    assert tracker.state == "done" and tracker.fraction == 1.0
    final = tracker.final_rows()
    assert [round(r.cpu_percent) for r in final] == [50, 50]
    assert all(r.finished and r.tasks == 4 for r in final)


def test_tracker_processes_mode_uses_process_rows() -> None:
    spec = RunSpec(Workload.CPU, Mode.PROCESSES, workers=2)
    tracker = RunTracker(spec)
    tracker.feed(WorkerStart(t=0.1, index=0, pid=21, thread_id=21))
    tree = TreeSample(0.5, (
        ProcessSample(20, 1, "python", 1.0, 1 << 20, 2, (), 0.1),
        ProcessSample(21, 20, "python", 99.0, 2 << 20, 1, (), 0.4),
    ), 100.0)
    rows = tracker.rows(tree, root_pid=20)
    assert rows[0].label == "worker 0" and rows[0].cpu_percent == 99.0 and rows[0].rss == 2 << 20
    assert rows[1].label == "main" and rows[1].tid is None


def test_a_busy_machine_is_mentioned() -> None:
    calm = Outcome("cpu", "threads", 2, 1.0, 1.0, 2, True, 1.0, baseline_busy=0.98)
    busy = Outcome("cpu", "threads", 2, 1.0, 1.0, 2, True, 1.0, baseline_busy=0.6)
    assert "noisy" not in explain(calm)
    assert "0.60 of a core" in explain(busy)
    io = Outcome("io", "threads", 16, 0.1, 0.01, 2, True, 1.6, baseline_busy=0.02)
    assert "noisy" not in explain(io), "I/O runs are meant to leave the CPU idle"
    hashed = Outcome("hash", "threads", 2, 0.79, 1.06, 2, True, 1.36, baseline_busy=0.95)
    assert "hashlib" in explain(hashed) and "1.7x faster" in explain(hashed)


def test_a_run_on_a_shared_machine_is_marked_and_not_concluded() -> None:
    session = Session(cores=2)
    threads = RunSpec(Workload.HASH, Mode.THREADS, workers=2)
    base = result(threads.replace(mode=Mode.SEQUENTIAL, workers=1), 2.0, 2.0)
    session.add_result(base)
    busy = RunResult(spec=threads, interpreter=GIL, wall_s=2.4, startup_s=0.01, cpu_s=2.0,
                     workers=(), others_cores=0.8)
    record = session.add_result(busy)
    assert record.shared and record.others_cores == 0.8
    assert "Other programs used 0.8 cores during this run" in record.explanation
    assert "one thread" not in record.explanation
    quiet = RunResult(spec=threads, interpreter=GIL, wall_s=1.02, startup_s=0.01, cpu_s=2.0,
                      workers=(), others_cores=0.02)
    record = session.add_result(quiet)
    assert not record.shared and "hashlib" in record.explanation


def test_a_run_against_a_slowed_baseline_is_marked() -> None:
    session = Session(cores=2)
    threads = RunSpec(Workload.CPU, Mode.THREADS, workers=2)
    base = RunResult(spec=threads.replace(mode=Mode.SEQUENTIAL, workers=1), interpreter=GIL,
                     wall_s=3.0, startup_s=0.0, cpu_s=2.0, workers=(), others_cores=0.9)
    assert session.add_result(base).shared
    record = session.add_result(result(threads, 2.0, 2.0))
    assert record.shared and abs(record.speedup - 1.5) < 1e-9
    assert "not a real speedup" in record.explanation
    assert "during the sequential baseline" in record.explanation
