"""Properties of the worker event parser (hypothesis): any line, text or bytes, gives an event,
``None`` (not an event) or, for another protocol version, an ``Error`` of kind ``protocol``;
it never raises, and an event it gives holds only finite numbers of the documented types.

Deep nesting, integers beyond any float, NaN/Infinity and non-string event names once made
the parser raise or keep a non-finite number; these properties keep them out.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gil_tui.engine.run.events import (
    Error,
    Hello,
    Progress,
    Result,
    WorkerDone,
    WorkerStart,
    WorkerStat,
    parse_line,
)
from gil_tui.engine.text import clean_line

EVENTS = (Hello, WorkerStart, Progress, WorkerDone, Result, Error)
#: max_examples comes from the profile tests/conftest.py loads (fewer in the default run)
SETTINGS = settings(deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.integers(min_value=-(10 ** 400), max_value=10 ** 400)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)
#: one good line of each kind: the base the field values are drawn over
GOOD = {
    "hello": {"version": "3.12.1", "version_info": [3, 12, 1], "implementation": "cpython",
              "executable": "/x/python3", "gil_enabled": True, "free_threaded": False,
              "cpu_count": 2, "pid": 42, "start_method": None, "default_start_method": "fork",
              "aiohttp": False, "io_client": None, "platform": "linux", "workers": 2,
              "tasks": 2, "total_steps": 10},
    "worker_start": {"index": 0, "pid": 42, "thread_id": 7},
    "progress": {"index": 0, "done": 1, "total": 10},
    "worker_done": {"index": 0, "pid": 42, "thread_id": 7, "seconds": 0.5, "cpu_s": 0.4,
                    "tasks": 1, "done": 5},
    "result": {"wall_s": 1.0, "startup_s": 0.01, "first_start_s": 0.005, "cpu_s": 0.9,
               "workers": [{"index": 0, "pid": 42, "thread_id": 7, "seconds": 0.5}],
               "tasks": 2, "total_steps": 10},
    "error": {"message": "boom", "exit_code": 1},
}
NESTED = '{"a":' * 100_000 + "1" + "}" * 100_000


def line(kind: str, /, **fields) -> str:
    """One line of event ``kind``, with ``fields`` over the good ones (even ``v``, ``event``)."""
    return json.dumps({"v": 1, "event": kind, "t": 0.25, **GOOD[kind], **fields},
                      allow_nan=True)


def numbers_in(value):
    """Every number inside an event (dataclasses, tuples), for the finiteness check."""
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from numbers_in(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from numbers_in(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def check(event) -> None:
    assert event is None or isinstance(event, EVENTS), event
    if event is None:
        return
    for number in numbers_in(event):  # what a table or a division can take
        if isinstance(number, int):
            assert abs(number) <= 2 ** 64, event
        else:
            assert math.isfinite(number), event
    if isinstance(event, Error) and event.kind == "protocol":
        assert clean_line(event.message) == event.message  # one line, no control character


# ------------------------------------------------------------------ properties


@SETTINGS
@given(text=st.text())
def test_any_text_is_an_event_or_none(text):
    check(parse_line(text))


@SETTINGS
@given(data=st.binary())
def test_any_bytes_are_an_event_or_none(data):
    check(parse_line(data))
    check(parse_line(b"{" + data))


@SETTINGS
@given(value=json_values)
def test_any_json_value_is_an_event_or_none(value):
    check(parse_line(json.dumps(value, allow_nan=True)))


@SETTINGS
@given(kind=st.sampled_from(sorted(GOOD)),
       fields=st.dictionaries(st.sampled_from(["v", "event", "t", "index", "pid", "done",
                                               "total", "wall_s", "seconds", "workers",
                                               "message", "version_info", "exit_code"]),
                              json_values, max_size=4))
@example(kind="progress", fields={"event": ["progress"]})
@example(kind="progress", fields={"t": 10 ** 400})
@example(kind="result", fields={"wall_s": float("inf")})
@example(kind="worker_done", fields={"done": 10 ** 300})
@example(kind="hello", fields={"version_info": [3, 10 ** 300]})
def test_event_shaped_lines_with_any_field_values(kind, fields):
    check(parse_line(line(kind, **fields)))


# ------------------------------------------------------------------ the cases found


def test_good_lines_still_parse():
    assert isinstance(parse_line(line("hello")), Hello)
    assert parse_line(line("progress")) == Progress(0.25, 0, 1, 10)
    assert parse_line(line("progress").encode()) == Progress(0.25, 0, 1, 10)
    result = parse_line(line("result"))
    assert isinstance(result, Result)
    assert result.workers == (WorkerStat(0, 42, 7, 0.5),)


@pytest.mark.parametrize("text", [
    "[" * 100_000,          # not an object: never decoded
    "",
    "   ",
    b"\xff\xfe{",
    '{"v": 1}',
    '{"v": 1, "event": "nope"}',
])
def test_not_events_are_none(text):
    assert parse_line(text) is None


@pytest.mark.parametrize("text", [
    NESTED,                                              # RecursionError from json.loads
    '{"v": 1, "event": ["progress"]}',                   # TypeError: unhashable list
    '{"v": 1, "event": {"a": 1}}',                       # TypeError: unhashable dict
    line("progress", t=10 ** 400),                       # OverflowError: int too large
    line("worker_done", seconds=10 ** 400),
    line("progress", t=float("nan")),                    # NaN kept in the event
    line("result", wall_s=float("inf")),                 # inf kept in the event
    line("progress", done=10 ** 300),                    # done / total: OverflowError later
    line("hello", version_info=[3, 10 ** 300]),
], ids=["nested", "event-list", "event-dict", "t-huge-int", "seconds-huge-int", "t-nan",
        "wall-inf", "done-huge-int", "version-huge-int"])
def test_hostile_lines_are_none(text):
    assert parse_line(text) is None


def test_another_version_is_a_clean_protocol_error():
    event = parse_line('{"v": "\\u001b]0;owned\\u0007\\n2", "event": "hello"}')
    assert isinstance(event, Error) and event.kind == "protocol"
    assert "\x1b" not in event.message and "\n" not in event.message
    long = parse_line(json.dumps({"v": "9" * 10_000, "event": "hello"}))
    assert isinstance(long, Error) and len(long.message) < 300
    assert parse_line(json.dumps({"v": 2, "event": "hello"})).message.startswith(
        "the worker speaks protocol v2 ")
    assert "protocol v? " in parse_line(json.dumps({"v": [[2]], "event": "hello"})).message
