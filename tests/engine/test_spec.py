"""RunSpec: validation, normalisation, round trips."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from gil_tui.engine.run.spec import (
    DEFAULT_TASKS,
    MAX_DELAY_MS,
    MAX_TASKS,
    MAX_WORKERS,
    Mode,
    RunSpec,
    SpecError,
    Workload,
    mode_unavailable,
    modes_for,
)


def test_defaults_and_string_coercion():
    spec = RunSpec("cpu", "threads")
    assert spec.workload is Workload.CPU and spec.mode is Mode.THREADS
    assert (spec.workers, spec.tasks, spec.scale, spec.delay_ms) == (2, None, 1.0, 100)
    assert spec.start_method is None and spec.python is None
    assert isinstance(spec.scale, float)


@pytest.mark.parametrize(
    "workload, tasks", [("cpu", 8), ("hash", 8), ("io", 16), ("sleep", 16)]
)
def test_default_task_counts(workload, tasks):
    assert RunSpec(workload, "threads").effective_tasks == tasks == DEFAULT_TASKS[Workload(workload)]
    assert RunSpec(workload, "threads", tasks=3).effective_tasks == 3


def test_sequential_always_has_one_worker():
    assert RunSpec("cpu", "sequential", workers=8).workers == 1


def test_start_method_kept_for_processes_only():
    assert RunSpec("cpu", "processes", start_method="spawn").start_method == "spawn"
    assert RunSpec("cpu", "threads", start_method="spawn").start_method is None


def test_frozen():
    spec = RunSpec("cpu", "threads")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.workers = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(workload="gpu", mode="threads"), ["unknown workload", "'gpu'", "cpu, io, sleep, hash"]),
        (dict(workload="cpu", mode="fibers"), ["unknown mode", "'fibers'", "asyncio"]),
        (dict(workload="cpu", mode="threads", workers=0), ["workers", "1 to 256", "0"]),
        (dict(workload="cpu", mode="threads", workers=-4), ["workers", "-4"]),
        (dict(workload="cpu", mode="threads", workers=MAX_WORKERS + 1), ["workers", "257"]),
        (dict(workload="cpu", mode="threads", workers=2.5), ["workers", "whole number"]),
        (dict(workload="cpu", mode="threads", workers=True), ["workers", "whole number"]),
        (dict(workload="cpu", mode="threads", tasks=0), ["tasks"]),
        (dict(workload="cpu", mode="threads", tasks=MAX_TASKS + 1), ["tasks"]),
        (dict(workload="cpu", mode="threads", scale=0), ["scale", "above 0"]),
        (dict(workload="cpu", mode="threads", scale=-1.0), ["scale"]),
        (dict(workload="cpu", mode="threads", scale=math.nan), ["scale"]),
        (dict(workload="cpu", mode="threads", scale=math.inf), ["scale"]),
        (dict(workload="cpu", mode="threads", scale=1000.0), ["scale", "at most"]),
        (dict(workload="cpu", mode="threads", scale="1"), ["scale"]),
        (dict(workload="io", mode="threads", delay_ms=-1), ["delay_ms"]),
        (dict(workload="io", mode="threads", delay_ms=MAX_DELAY_MS + 1), ["delay_ms", "10000"]),
        (dict(workload="cpu", mode="processes", start_method="vfork"), ["start method", "vfork"]),
        (dict(workload="cpu", mode="asyncio"), ["asyncio", "cpu", "threads or processes"]),
        (dict(workload="hash", mode="asyncio"), ["asyncio", "hash"]),
        (dict(workload="cpu", mode="threads", python=""), ["python"]),
        (dict(workload="io", mode="subinterpreters"), ["subinterpreters", "cpu, hash and sleep",
                                                       "threads or asyncio"]),
    ],
)
def test_invalid_specs_say_why(kwargs, words):
    with pytest.raises(SpecError) as info:
        RunSpec(**kwargs)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("workload", ["io", "sleep"])
def test_asyncio_accepts_io_workloads(workload):
    assert RunSpec(workload, "asyncio", workers=16).workers == 16


def test_dict_round_trip_through_json():
    spec = RunSpec("hash", "processes", workers=4, tasks=12, scale=0.5, start_method="forkserver",
                   python="/usr/bin/python3")
    data = json.loads(json.dumps(spec.to_dict()))
    assert data["workload"] == "hash" and data["mode"] == "processes"
    assert RunSpec.from_dict(data) == spec


def test_from_dict_rejects_unknown_and_missing_fields():
    with pytest.raises(SpecError, match="unknown run spec field"):
        RunSpec.from_dict({"workload": "cpu", "mode": "threads", "colour": "red"})
    with pytest.raises(SpecError, match="needs a mode"):
        RunSpec.from_dict({"workload": "cpu"})
    with pytest.raises(SpecError):
        RunSpec.from_dict(["cpu"])  # type: ignore[arg-type]


def test_replace_validates_again():
    spec = RunSpec("io", "threads")
    assert spec.replace(workers=16).workers == 16
    with pytest.raises(SpecError):
        spec.replace(workers=0)
    with pytest.raises(SpecError):
        spec.replace(workload="cpu", mode="asyncio")


def test_worker_payload_resolves_defaults():
    payload = RunSpec("io", "asyncio", workers=4).worker_payload("http://127.0.0.1:1")
    assert payload == {
        "v": 1, "workload": "io", "mode": "asyncio", "workers": 4, "tasks": 16, "scale": 1.0,
        "delay_ms": 100, "start_method": None, "url": "http://127.0.0.1:1",
    }


def test_labels():
    assert RunSpec("cpu", "threads", workers=4).label() == "cpu, threads x4"
    assert RunSpec("cpu", "sequential").label() == "cpu, sequential"
    assert RunSpec("io", "processes", start_method="spawn").label() == "io, processes x2 (spawn)"


@pytest.mark.parametrize("workload", ["cpu", "hash", "sleep"])
def test_subinterpreters_run_cpu_hash_and_sleep(workload):
    spec = RunSpec(workload, "subinterpreters", workers=4, start_method="spawn")
    assert spec.mode is Mode.SUBINTERPRETERS and spec.workers == 4
    assert spec.start_method is None, "start method only for processes"
    assert spec.label() == f"{workload}, subinterpreters x4"
    assert spec.worker_payload()["mode"] == "subinterpreters"
    assert RunSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_modes_for_each_workload():
    every = (Mode.SEQUENTIAL, Mode.THREADS, Mode.PROCESSES)
    assert modes_for("cpu") == modes_for(Workload.HASH) == every + (Mode.SUBINTERPRETERS,)
    assert modes_for("io") == every + (Mode.ASYNCIO,)
    assert modes_for("sleep") == every + (Mode.ASYNCIO, Mode.SUBINTERPRETERS)
    for workload in Workload:
        for mode in Mode:
            valid = mode in modes_for(workload)
            try:
                RunSpec(workload, mode)
            except SpecError:
                assert not valid, (workload, mode)
            else:
                assert valid, (workload, mode)


@pytest.mark.parametrize(
    "mode, version, implementation, reason",
    [
        ("subinterpreters", (3, 11, 7), "cpython", "needs CPython 3.12+"),
        ("subinterpreters", [3, 8, 18], "cpython", "needs CPython 3.12+"),
        ("subinterpreters", (3, 12, 1), "cpython", None),
        ("subinterpreters", (3, 14, 0), "cpython", None),
        ("subinterpreters", (3, 12, 0), "pypy", "needs CPython 3.12+"),
        ("threads", (3, 8, 18), "cpython", None),
        (Mode.PROCESSES, (3, 6, 15), "cpython", None),
    ],
)
def test_mode_unavailable(mode, version, implementation, reason):
    assert mode_unavailable(mode, version, implementation) == reason
