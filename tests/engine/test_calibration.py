"""Runs sized to be watched (issue 13.11): the pure rules with a fake calibration, the
calibration file (it survives garbage), and the probe with injected runs."""

from __future__ import annotations

import json

import pytest

from gil_tui.engine.run import calibration as cal_mod
from gil_tui.engine.run.calibration import (
    MIN_WATCH_S,
    TARGET_S,
    WAIT_WORKERS,
    Calibration,
    CalibrationStore,
    calibrated,
    default_scale,
    delay_ms_for,
    expected_seconds,
    measure,
    wait_scale,
)
from gil_tui.engine.run.results import InterpreterInfo, RunError, RunResult
from gil_tui.engine.run.events import Error
from gil_tui.engine.run.spec import DEFAULT_TASKS, RunSpec, Workload

#: a machine where scale 1.0 of cpu takes 1.25 s, of hash 0.5 s
FAST = Calibration("/py", "3.13.1", cpu_s_per_scale=1.25, hash_s_per_scale=0.5, cores=2,
                   gil_enabled=True)
FREE = Calibration("/pyt", "3.14.0t", cpu_s_per_scale=1.6, cores=4, gil_enabled=False)


@pytest.mark.parametrize("mode", ["sequential", "threads", "processes", "subinterpreters"])
def test_default_scale_makes_a_five_second_sequential_run_in_every_mode(mode) -> None:
    assert default_scale("cpu", mode, FAST) == 4.0
    assert default_scale("hash", mode, FAST) == 10.0
    spec = RunSpec("cpu", "sequential", scale=default_scale("cpu", mode, FAST))
    assert expected_seconds(spec, FAST) == pytest.approx(TARGET_S)


def test_default_scale_without_a_calibration_is_one() -> None:
    assert default_scale("cpu", "threads", None) == 1.0
    assert default_scale("hash", "threads", FREE) == 1.0, "no hash figure measured"


def test_default_scale_is_rounded_and_bounded() -> None:
    slow = Calibration("/py", "3.8.0", cpu_s_per_scale=3.0)
    assert default_scale("cpu", "threads", slow) == 1.7
    tiny = Calibration("/py", "3.8.0", cpu_s_per_scale=1e5)
    huge = Calibration("/py", "3.8.0", cpu_s_per_scale=1e-5)
    assert default_scale("cpu", "threads", tiny) == 0.01
    assert default_scale("cpu", "threads", huge) == 100.0


@pytest.mark.parametrize("workload", ["io", "sleep"])
def test_waiting_work_maps_the_scale_to_its_delays(workload) -> None:
    scale = default_scale(workload, "threads", None)
    assert default_scale(workload, "asyncio", FAST) == scale, "the same work in every mode"
    assert delay_ms_for(1.0) == 100
    assert delay_ms_for(scale) == 100 * scale


@pytest.mark.parametrize("workload", ["io", "sleep"])
@pytest.mark.parametrize("mode", ["threads", "processes", "asyncio", "subinterpreters"])
def test_a_default_waiting_run_lasts_long_enough_to_watch_and_its_baseline_is_bounded(
        workload, mode) -> None:
    """13.11: the Live tab's default waiting run (WAIT_WORKERS at once, 16 tasks) lasts
    at least MIN_WATCH_S (6 frames at 4 Hz; it was 0.3 s), and its sequential baseline
    stays near TARGET_S (not 16 times the run)."""
    if (workload, mode) == ("io", "subinterpreters"):
        pytest.skip("io does not run in subinterpreters")
    delay = delay_ms_for(default_scale(workload, mode, None))
    tasks = DEFAULT_TASKS[Workload(workload)]
    run = RunSpec(workload, mode, workers=WAIT_WORKERS, delay_ms=delay)
    baseline = RunSpec(workload, "sequential", delay_ms=delay)
    assert expected_seconds(run, None) >= MIN_WATCH_S
    assert TARGET_S <= expected_seconds(baseline, None) <= 1.25 * TARGET_S
    assert expected_seconds(baseline, None) == pytest.approx(tasks * delay / 1000)
    assert (delay, expected_seconds(run, None)) == (380, pytest.approx(1.52)), "the defaults"


def test_wait_scale_rounds_up_and_follows_the_task_count() -> None:
    assert wait_scale(16) == 3.8          # 4 rounds of 0.38 s: 1.52 s; sequential 6.08 s
    assert wait_scale(16, 16) == 15.0     # one round: 1.5 s (a baseline of 24 s, asked for)
    assert wait_scale(100) == 0.6         # 25 rounds of 60 ms: 1.5 s; sequential 6 s
    assert wait_scale(3) == 17.0          # one round of 1.67 s, rounded up


@pytest.mark.parametrize(("spec", "seconds"), [
    (RunSpec("cpu", "sequential", scale=4.0), 5.0),
    (RunSpec("cpu", "threads", workers=2, scale=4.0), 5.0),            # the GIL: one core
    (RunSpec("cpu", "processes", workers=2, scale=4.0), 2.5),
    (RunSpec("cpu", "processes", workers=3, tasks=8, scale=4.0), 2.5),  # 2 cores
    (RunSpec("cpu", "processes", workers=4, tasks=8, scale=4.0), 2.5),
    (RunSpec("hash", "threads", workers=2, scale=10.0), 2.5),          # hashlib lets go
    (RunSpec("sleep", "threads", workers=4, tasks=16, delay_ms=300), 1.2),
    (RunSpec("sleep", "sequential", tasks=16, delay_ms=300), 4.8),
    (RunSpec("io", "asyncio", workers=16, tasks=16, delay_ms=300), 0.3),
])
def test_expected_seconds(spec, seconds) -> None:
    assert expected_seconds(spec, FAST) == pytest.approx(seconds)


def test_expected_seconds_follows_the_interpreter() -> None:
    spec = RunSpec("cpu", "threads", workers=4, scale=2.5)
    assert expected_seconds(spec, FREE) == pytest.approx(4.0 * 2 / 8), "GIL off: 4 cores"
    assert expected_seconds(RunSpec("cpu", "sequential"), None) is None
    assert expected_seconds(RunSpec("hash", "sequential"), FREE) is None


# ------------------------------------------------------------------ the file


def test_the_store_keeps_calibrations_per_interpreter_and_version(tmp_path) -> None:
    path = tmp_path / "data" / "calibration.json"
    store = CalibrationStore(path)
    assert store.get("/py", "3.13.1") is None
    store.put(FAST)
    store.put(FREE)
    again = CalibrationStore(path)
    assert again.get("/py", "3.13.1") == FAST and again.get("/pyt", "3.14.0t") == FREE
    assert again.get("/py", "3.13.2") is None, "an upgrade in place is measured again"
    assert again.warnings == []


@pytest.mark.parametrize("garbage", [
    b"\x00\xff garbage", b"{not json", b"[]", b'{"format": 2, "interpreters": {}}',
    b'{"format": 1, "interpreters": {"x": {"python": "/py"}}}',
    json.dumps({"format": 1, "interpreters": {"/py 3.13.1": dict(
        FAST.to_dict(), cpu_s_per_scale=-1)}}).encode(),
    json.dumps({"format": 1, "interpreters": {"/py 3.13.1": dict(
        FAST.to_dict(), cpu_s_per_scale=float("nan"))}}).encode(),
    b"[" * 100000,
])
async def test_a_garbage_file_is_one_warning_and_a_new_measurement(tmp_path, garbage) -> None:
    path = tmp_path / "calibration.json"
    path.write_bytes(garbage)
    store = CalibrationStore(path)
    probes: list[RunSpec] = []
    found = await calibrated("/py", "3.13.1", store=store, run_fn=probe_runs(probes))
    assert len(store.warnings) == 1 and "measured again" in store.warnings[0]
    assert len(probes) == 2 and found.cpu_s_per_scale == pytest.approx(1.2)
    assert CalibrationStore(path).get("/py", "3.13.1") == found, "a good file replaced it"
    assert CalibrationStore(path).warnings == []


async def test_a_kept_calibration_is_not_measured_again(tmp_path) -> None:
    store = CalibrationStore(tmp_path / "c.json")
    store.put(FAST)
    probes: list[RunSpec] = []
    assert await calibrated("/py", "3.13.1", store=store, run_fn=probe_runs(probes)) == FAST
    assert probes == []


async def test_a_file_that_cannot_be_written_is_a_warning(tmp_path) -> None:
    (tmp_path / "dir").mkdir()
    store = CalibrationStore(tmp_path / "dir")  # a directory: neither read nor written
    found = await calibrated("/py", "3.13.1", store=store, run_fn=probe_runs([]))
    assert found.version == "3.13.1" and store.warnings
    assert [p.name for p in tmp_path.iterdir()] == ["dir"], "no temporary file left"


# ------------------------------------------------------------------ the probe


def probe_runs(seen: list[RunSpec], *, cpu_s: float | None = None, hash_fails: bool = False):
    """run_fn stand-in: scale 0.05 of cpu takes 0.06 s CPU (0.2 s wall: a busy machine)."""
    async def run(spec: RunSpec, **_kw) -> RunResult:
        seen.append(spec)
        if spec.workload is Workload.HASH and hash_fails:
            raise RunError(Error("no hashlib", kind="crash"))
        info = InterpreterInfo(spec.python, "3.13.1", cpu_count=2)
        used = (0.06 if spec.workload is Workload.CPU else 0.02) if cpu_s is None else cpu_s
        return RunResult(spec, info, wall_s=0.2, startup_s=0.0, cpu_s=used, workers=())
    return run


async def test_the_probe_counts_cpu_seconds() -> None:
    seen: list[RunSpec] = []
    found = await measure("/py", run_fn=probe_runs(seen))
    assert [s.workload.value for s in seen] == ["cpu", "hash"]
    assert all(s.mode.value == "sequential" and s.scale == cal_mod.PROBE_SCALE and
               s.python == "/py" for s in seen)
    assert found.cpu_s_per_scale == pytest.approx(1.2)
    assert found.hash_s_per_scale == pytest.approx(0.4)
    assert (found.cores, found.gil_enabled, found.version) == (2, True, "3.13.1")
    no_clock = await measure("/py", run_fn=probe_runs([], cpu_s=0.0))
    assert no_clock.cpu_s_per_scale == pytest.approx(4.0), "no CPU figure: the wall time"


async def test_a_failed_hash_probe_leaves_the_hash_unknown() -> None:
    found = await measure("/py", run_fn=probe_runs([], hash_fails=True))
    assert found.hash_s_per_scale is None and found.cpu_s_per_scale > 0

    async def broken(spec, **_kw):
        raise RunError(Error("cannot start", kind="start"))

    with pytest.raises(RunError):
        await measure("/py", run_fn=broken)
