"""Event parsing: every event, garbage, version mismatch, and truncated streams."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from gil_tui.engine.run.events import (
    PROTOCOL_VERSION,
    Error,
    Hello,
    Progress,
    Result,
    WorkerDone,
    WorkerStart,
    WorkerStat,
    parse_line,
)
from gil_tui.engine.run.runner import Runner
from gil_tui.engine.run.spec import RunSpec

HELLO = {
    "v": 1, "event": "hello", "t": 0.03, "version": "3.13.0", "version_info": [3, 13, 0],
    "implementation": "cpython", "executable": "/x/python3.13", "gil_enabled": True,
    "free_threaded": False, "cpu_count": 2, "pid": 42, "platform": "linux",
    "default_start_method": "fork", "start_method": None, "aiohttp": False, "io_client": None,
    "workload": "cpu", "mode": "threads", "workers": 2, "tasks": 8, "total_steps": 504,
}
WORKER = {"index": 1, "pid": 42, "thread_id": 44, "seconds": 1.5, "cpu_s": 1.4, "tasks": 4,
          "done": 252}
RESULT = {
    "v": 1, "event": "result", "t": 3.1, "wall_s": 3.0, "startup_s": 0.0004,
    "first_start_s": 0.0002, "cpu_s": 3.0, "cpu_self_s": 3.0, "cpu_children_s": 0.0, "tasks": 8,
    "total_steps": 504, "workers": [dict(WORKER, start_s=0.0002)],
}


def line(obj: dict) -> str:
    return json.dumps(obj) + "\n"


def test_hello():
    event = parse_line(line(HELLO))
    assert isinstance(event, Hello)
    assert event.version == "3.13.0" and event.version_info == (3, 13, 0)
    assert event.gil_enabled is True and event.free_threaded is False
    assert event.cpu_count == 2 and event.pid == 42 and event.total_steps == 504
    assert event.t == pytest.approx(0.03)


def test_worker_events():
    start = parse_line(line({"v": 1, "event": "worker_start", "t": 0.1, "index": 0, "pid": 42,
                             "thread_id": 43}))
    assert start == WorkerStart(t=0.1, index=0, pid=42, thread_id=43)
    progress = parse_line(line({"v": 1, "event": "progress", "t": 0.4, "index": 0, "done": 10,
                                "total": 504}))
    assert progress == Progress(t=0.4, index=0, done=10, total=504)
    done = parse_line(line(dict(WORKER, v=1, event="worker_done", t=1.6)))
    assert isinstance(done, WorkerDone)
    assert (done.index, done.seconds, done.cpu_s, done.tasks, done.done) == (1, 1.5, 1.4, 4, 252)
    assert done.stat.thread_id == 44


def test_result_and_its_workers():
    event = parse_line(line(RESULT))
    assert isinstance(event, Result)
    assert event.wall_s == 3.0 and event.first_start_s == 0.0002
    assert event.workers == (WorkerStat(1, 42, 44, 1.5, 1.4, 4, 252, 0.0002),)
    assert WorkerStat.from_dict(event.workers[0].to_dict()) == event.workers[0]


def test_worker_error_and_cancelled_error():
    error = parse_line(line({"v": 1, "event": "error", "t": 0.2, "message": "no", "exit_code": 2}))
    assert error == Error(message="no", t=0.2, kind="worker", exit_code=2)
    stopped = parse_line(line({"v": 1, "event": "error", "t": 0.2, "message": "stopped",
                               "cancelled": True, "exit_code": 130}))
    assert isinstance(stopped, Error) and stopped.cancelled


def test_bytes_lines_are_accepted():
    assert isinstance(parse_line(line(HELLO).encode()), Hello)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "hello world",
        "Traceback (most recent call last):",
        "[1, 2, 3]",
        "{not json}",
        '{"v": 1, "event": "res',  # a line cut short
        json.dumps({"event": "hello"}),  # no version
        json.dumps({"v": 1}),  # no event
        json.dumps({"v": 1, "event": "telemetry", "t": 1}),  # an event we do not know
        json.dumps({"v": 1, "event": "progress", "t": 1}),  # missing fields
        json.dumps({"v": 1, "event": "progress", "t": 1, "index": 0, "done": True, "total": 3}),
        json.dumps({"v": 1, "event": "progress", "t": "soon", "index": 0, "done": 1, "total": 3}),
        json.dumps(dict(HELLO, gil_enabled="yes")),
        json.dumps(dict(RESULT, workers="all")),
        b"\xff\xfe{\x00",
    ],
)
def test_garbage_is_none(text):
    assert parse_line(text) is None


@pytest.mark.parametrize("version", [0, 2, "1", None])
def test_other_protocol_version_is_a_clear_error(version):
    event = parse_line(line(dict(HELLO, v=version)))
    assert isinstance(event, Error)
    assert event.kind == "protocol"
    assert f"v{version}" in event.message and f"v{PROTOCOL_VERSION}" in event.message


# ---------------------------------------------------------------- streams, end to end


def fake_worker(tmp_path, body: str) -> str:
    """A stand-in worker script: gets the same arguments as the real one."""
    path = tmp_path / "fake_worker.py"
    path.write_text("import json, sys, time\n" + textwrap.dedent(body))
    return str(path)


async def collect(runner: Runner) -> list:
    return [event async for event in runner.events()]


HELLO_LINE = json.dumps(HELLO)


async def test_garbage_lines_are_skipped(tmp_path):
    worker = fake_worker(tmp_path, f"""
        print('{HELLO_LINE}')
        print('some library printed this')
        print('{{"v": 1, "event": "telemetry"}}')
        print('{json.dumps(RESULT)}')
    """)
    runner = Runner(RunSpec("cpu", "threads"), worker_path=worker)
    events = await collect(runner)
    assert [type(e) for e in events] == [Hello, Result]
    assert runner.garbage_lines == 2


async def test_truncated_stream_ends_in_a_crash_error(tmp_path):
    worker = fake_worker(tmp_path, f"""
        print('{HELLO_LINE}')
        sys.stdout.write('{{"v": 1, "event": "resu')
        sys.stdout.flush()
        sys.stderr.write('worker blew up: out of cheese\\n')
        sys.exit(3)
    """)
    runner = Runner(RunSpec("cpu", "threads"), worker_path=worker)
    events = await collect(runner)
    assert isinstance(events[0], Hello)
    error = events[-1]
    assert isinstance(error, Error) and error.kind == "crash"
    assert "exited with code 3" in error.message and "before reporting a result" in error.message
    assert "out of cheese" in error.message
    assert error.exit_code == 3
    assert "out of cheese" in error.stderr_tail


async def test_version_mismatch_stops_the_run(tmp_path):
    worker = fake_worker(tmp_path, f"""
        print('{json.dumps(dict(HELLO, v=2))}')
        time.sleep(30)
    """)
    runner = Runner(RunSpec("cpu", "threads"), worker_path=worker)
    events = await collect(runner)
    assert len(events) == 1
    assert isinstance(events[0], Error) and events[0].kind == "protocol"
    assert "v2" in events[0].message


async def test_output_that_is_not_the_protocol(tmp_path):
    worker = fake_worker(tmp_path, """
        print('I am not Python 3, honest')
    """)
    runner = Runner(RunSpec("cpu", "threads"), worker_path=worker)
    events = await collect(runner)
    assert len(events) == 1 and isinstance(events[0], Error)
    message = events[0].message
    assert "before saying hello" in message and "I am not Python 3" in message
    assert sys.executable in message


# ---------------------------------------------------------------- RunResult from events


class Replay:
    """A runner stand-in for runner.drive: replays events."""

    def __init__(self, events, python=None):
        self._events, self.python, self.started_at, self.cancelled = events, python, 100.0, False

    async def events(self):
        for event in self._events:
            yield event

    async def cancel(self):
        self.cancelled = True


async def test_run_result_from_events_and_back():
    from gil_tui.engine.run.results import RunResult
    from gil_tui.engine.run.runner import drive

    spec = RunSpec("cpu", "threads")
    events = [parse_line(line(HELLO)), parse_line(line(RESULT))]
    result = await drive(Replay(events, python="/x/python3.13"), spec)
    assert result.interpreter.path == "/x/python3.13" and result.started_at == 100.0
    assert result.interpreter.label() == "3.13.0 (GIL)"
    assert result.wall_s == 3.0 and result.busy_cores == pytest.approx(1.0)
    assert result.workers[0].thread_id == 44
    assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


async def test_run_result_needs_a_result_and_no_error():
    from gil_tui.engine.run.results import RunError
    from gil_tui.engine.run.runner import drive

    spec = RunSpec("cpu", "threads")
    with pytest.raises(RunError, match="without a result"):
        await drive(Replay([parse_line(line(HELLO))]), spec)
    with pytest.raises(RunError, match="boom") as info:
        await drive(Replay([parse_line(line(HELLO)), Error("boom", kind="crash")]), spec)
    assert info.value.error.kind == "crash"


def test_free_threaded_label():
    from gil_tui.engine.run.results import InterpreterInfo

    on = InterpreterInfo("/x/python3.14t", "3.14.0", free_threaded=True, gil_enabled=True)
    off = InterpreterInfo("/x/python3.14t", "3.14.0", free_threaded=True, gil_enabled=False)
    assert on.label() == "3.14.0t (free-threaded, GIL on)"
    assert off.label() == "3.14.0t (free-threaded, GIL off)"


class FakeMeter:
    """A share meter that says other programs used 0.8 cores; remembers the CPU it got."""

    made: list["FakeMeter"] = []

    def __init__(self) -> None:
        self.stopped_with = None
        FakeMeter.made.append(self)

    def stop(self, worker_cpu_s):
        from gil_tui.engine.run.share import Share

        self.stopped_with = worker_cpu_s
        return Share(wall_s=3.0, machine_busy_s=worker_cpu_s + 2.4, ours_s=worker_cpu_s)


async def test_drive_records_the_cores_other_programs_used():
    from gil_tui.engine.run.results import RunResult
    from gil_tui.engine.run.runner import drive

    FakeMeter.made.clear()
    spec = RunSpec("cpu", "threads")
    events = [parse_line(line(HELLO)), parse_line(line(RESULT))]
    result = await drive(Replay(events, python="/x/python3.13"), spec, share=FakeMeter)
    assert len(FakeMeter.made) == 1 and FakeMeter.made[0].stopped_with == 3.0
    assert result.others_cores == pytest.approx(0.8)
    again = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result and again.others_cores == pytest.approx(0.8)
    unmeasured = await drive(Replay(events), spec, share=None)
    assert unmeasured.others_cores is None


async def test_a_replayed_run_has_no_others_figure():
    """A recorded run replayed in a blink: the machine's interval is not the run's."""
    from gil_tui.engine.run.runner import drive

    events = [parse_line(line(HELLO)), parse_line(line(RESULT))]
    result = await drive(Replay(events), RunSpec("cpu", "threads"))
    assert result.others_cores is None


async def test_a_real_run_measures_the_machine():
    from gil_tui.engine.run.runner import run

    result = await run(RunSpec("cpu", "sequential", scale=0.02, tasks=2))
    assert result.others_cores is not None and result.others_cores >= 0


def test_the_meter_interval_must_match_the_run():
    from gil_tui.engine.run.share import Share, stop_meter

    class Meter:
        def __init__(self, wall):
            self.wall = wall

        def stop(self, cpu):
            return Share(wall_s=self.wall, machine_busy_s=cpu + self.wall * 0.5, ours_s=cpu)

    assert stop_meter(Meter(3.1), 3.0, 3.0) == 0.5
    assert stop_meter(Meter(0.001), 3.0, 3.0) is None
    assert stop_meter(Meter(30.0), 3.0, 3.0) is None
    assert stop_meter(Meter(0.04), 0.01, 0.01) == 0.5, "a tiny run: a little slack"
    assert stop_meter(None, 3.0, 3.0) is None


async def test_a_broken_meter_does_not_break_the_run():
    from gil_tui.engine.run.runner import drive

    def broken():
        raise OSError("no /proc")

    events = [parse_line(line(HELLO)), parse_line(line(RESULT))]
    result = await drive(Replay(events), RunSpec("cpu", "threads"), share=broken)
    assert result.others_cores is None and result.wall_s == 3.0


def test_old_history_lines_have_no_others_figure():
    from gil_tui.engine.run.results import RunResult

    old = {"format": 1, "spec": {"workload": "cpu", "mode": "threads"},
           "interpreter": {"path": "/py", "version": "3.13.0"}, "wall_s": 1.0,
           "startup_s": 0.0, "cpu_s": 1.0}
    assert RunResult.from_dict(old).others_cores is None
    for bad in ("0.5", None, -1, float("nan"), True):
        assert RunResult.from_dict(dict(old, others_cores=bad)).others_cores is None
    assert RunResult.from_dict(dict(old, others_cores=0.25)).others_cores == 0.25


# ---------------------------------------------------------------- subinterpreters (issue 15)


@pytest.mark.parametrize("api", ["concurrent.interpreters", "_interpreters (private, 3.13)",
                                 "_xxsubinterpreters (private, 3.12)"])
def test_hello_names_the_subinterpreters_api(api):
    event = parse_line(line(dict(HELLO, mode="subinterpreters", subinterpreters_api=api)))
    assert isinstance(event, Hello) and event.subinterpreters_api == api


@pytest.mark.parametrize("bad", [None, "", "   ", 3, True, ["_interpreters"], {"a": 1}])
def test_a_missing_or_garbage_api_is_none_and_the_hello_stands(bad):
    event = parse_line(line(dict(HELLO, subinterpreters_api=bad)))
    assert isinstance(event, Hello) and event.subinterpreters_api is None
    assert parse_line(line(HELLO)).subinterpreters_api is None  # workers before it existed


def test_an_api_label_is_cleaned_and_cut():
    event = parse_line(line(dict(HELLO, subinterpreters_api="_interpreters\x1b[2J\n" + "x" * 500)))
    assert "\x1b" not in event.subinterpreters_api and "\n" not in event.subinterpreters_api
    assert event.subinterpreters_api.startswith("_interpreters")
    assert len(event.subinterpreters_api) <= 64


def test_an_unsupported_error_is_its_own_kind():
    refused = parse_line(line({"v": 1, "event": "error", "t": 0.01, "exit_code": 2,
                               "unsupported": True,
                               "message": "subinterpreters need CPython 3.12 or later"}))
    assert isinstance(refused, Error) and refused.kind == "unsupported" and refused.unsupported
    assert refused.exit_code == 2 and not refused.cancelled
    for odd in ("yes", 1, False, None):
        error = parse_line(line({"v": 1, "event": "error", "t": 0.01, "message": "no",
                                 "unsupported": odd}))
        assert error.kind == "worker" and not error.unsupported


async def test_the_run_result_keeps_the_api_and_round_trips():
    from gil_tui.engine.run.results import RunResult
    from gil_tui.engine.run.runner import drive

    spec = RunSpec("cpu", "subinterpreters")
    hello = dict(HELLO, mode="subinterpreters", subinterpreters_api="_interpreters (private, 3.13)")
    result = await drive(Replay([parse_line(line(hello)), parse_line(line(RESULT))]), spec)
    assert result.subinterpreters_api == "_interpreters (private, 3.13)"
    data = json.loads(json.dumps(result.to_dict()))
    assert data["subinterpreters_api"] == "_interpreters (private, 3.13)"
    assert RunResult.from_dict(data) == result
    threads = await drive(Replay([parse_line(line(HELLO)), parse_line(line(RESULT))]),
                          RunSpec("cpu", "threads"))
    assert threads.subinterpreters_api is None and threads.to_dict()["subinterpreters_api"] is None


def test_old_lines_and_garbage_have_no_api():
    from gil_tui.engine.run.results import RunResult

    old = {"format": 1, "spec": {"workload": "cpu", "mode": "threads"},
           "interpreter": {"path": "/py", "version": "3.13.0"}, "wall_s": 1.0,
           "startup_s": 0.0, "cpu_s": 1.0}
    assert RunResult.from_dict(old).subinterpreters_api is None
    for bad in (3, "", None, ["x"]):
        assert RunResult.from_dict(dict(old, subinterpreters_api=bad)).subinterpreters_api is None


def test_the_api_for_people_says_when_it_is_private():
    from gil_tui.engine.run.results import api_private, api_text

    assert api_text("_interpreters (private, 3.13)") == \
        "_interpreters (private in 3.13: may change)"
    assert api_text("_xxsubinterpreters (private, 3.12)") == \
        "_xxsubinterpreters (private in 3.12: may change)"
    assert api_text("concurrent.interpreters") == "concurrent.interpreters"
    assert api_text(None) == "" and not api_private(None)
    assert api_private("_interpreters (private, 3.13)")
    assert not api_private("concurrent.interpreters")
