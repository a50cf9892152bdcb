"""Typed events of the worker protocol (``gil_tui/worker/PROTOCOL.md``, v1).

:func:`parse_line` turns one line of the worker's stdout into one of the frozen
dataclasses below. Lines that are not protocol events (blank, not JSON, not an
object, an unknown event, missing fields) give ``None``: the runner counts and
skips them. A line from another protocol version gives an :class:`Error`, so
an old worker and a new gil-tui fail clearly instead of misreading each other.

Every event has ``t``: seconds since the worker process started (its own
clock), or ``None`` for errors the runner makes up itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Union

from gil_tui.engine.text import clean_line

__all__ = [
    "PROTOCOL_VERSION",
    "Hello",
    "WorkerStart",
    "Progress",
    "WorkerDone",
    "WorkerStat",
    "Result",
    "Error",
    "Event",
    "parse_line",
    "parse_event",
]

PROTOCOL_VERSION = 1
#: the longest label kept from a worker (``hello.subinterpreters_api``); longer ones are cut
MAX_LABEL = 64


@dataclass(frozen=True)
class Hello:
    """First line: who runs the work."""

    t: float
    version: str
    implementation: str
    executable: str
    gil_enabled: bool
    free_threaded: bool
    cpu_count: int | None
    pid: int
    start_method: str | None
    default_start_method: str | None
    aiohttp: bool
    io_client: str | None
    platform: str = ""
    version_info: tuple[int, ...] = ()
    total_steps: int = 0
    workers: int = 0
    tasks: int = 0
    #: subinterpreters mode: the API the worker used (``concurrent.interpreters``,
    #: ``_interpreters (private, 3.13)``, ``_xxsubinterpreters (private, 3.12)``); None
    #: in the other modes and from workers that predate it
    subinterpreters_api: str | None = None


@dataclass(frozen=True)
class WorkerStart:
    t: float
    index: int
    pid: int
    thread_id: int


@dataclass(frozen=True)
class Progress:
    """``done`` steps finished by worker ``index`` so far; ``total`` steps in the whole run."""

    t: float
    index: int
    done: int
    total: int


@dataclass(frozen=True)
class WorkerStat:
    """One worker's figures, as ``worker_done`` and ``result`` give them."""

    index: int
    pid: int
    thread_id: int
    seconds: float
    cpu_s: float | None = None
    tasks: int = 0
    done: int = 0
    start_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "pid": self.pid,
            "thread_id": self.thread_id,
            "seconds": self.seconds,
            "cpu_s": self.cpu_s,
            "tasks": self.tasks,
            "done": self.done,
            "start_s": self.start_s,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "WorkerStat":
        return cls(
            index=_int(d["index"]),
            pid=_int(d["pid"]),
            thread_id=_int(d["thread_id"]),
            seconds=_num(d["seconds"]),
            cpu_s=_opt_num(d.get("cpu_s")),
            tasks=_int(d.get("tasks", 0)),
            done=_int(d.get("done", 0)),
            start_s=_opt_num(d.get("start_s")),
        )


@dataclass(frozen=True)
class WorkerDone:
    t: float
    index: int
    pid: int
    thread_id: int
    seconds: float
    cpu_s: float | None = None
    tasks: int = 0
    done: int = 0

    @property
    def stat(self) -> WorkerStat:
        return WorkerStat(self.index, self.pid, self.thread_id, self.seconds, self.cpu_s,
                          self.tasks, self.done)


@dataclass(frozen=True)
class Result:
    """Last line of a successful run."""

    t: float
    wall_s: float
    startup_s: float
    first_start_s: float
    cpu_s: float
    workers: tuple[WorkerStat, ...]
    cpu_self_s: float | None = None
    cpu_children_s: float | None = None
    tasks: int = 0
    total_steps: int = 0


@dataclass(frozen=True)
class Error:
    """The run failed. ``kind``: ``worker`` (the worker said so), ``unsupported`` (the
    worker said this interpreter cannot run the mode at all, before any work:
    ``unsupported: true``, e.g. subinterpreters before CPython 3.12), ``crash`` (it
    died or its output stopped), ``protocol`` (it speaks another version),
    ``cancelled``, ``timeout`` or ``start`` (it could not be launched)."""

    message: str
    t: float | None = None
    kind: str = "worker"
    exit_code: int | None = None
    stderr_tail: str = ""

    @property
    def cancelled(self) -> bool:
        return self.kind == "cancelled"

    @property
    def unsupported(self) -> bool:
        """The interpreter cannot run the mode at all; nothing was run."""
        return self.kind == "unsupported"


Event = Union[Hello, WorkerStart, Progress, WorkerDone, Result, Error]


class _Bad(Exception):
    pass


#: the largest whole number believed (a pid, a thread id, a count): any more is not a worker's
MAX_INT = 2 ** 64


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
        raise _Bad
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        raise _Bad from None
    if not math.isfinite(number):  # NaN, Infinity
        raise _Bad
    return number


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _label(value: Any) -> str | None:
    """A short label for people (an API name): None unless a non-empty string; cleaned."""
    if not isinstance(value, str) or not value.strip():
        return None
    return clean_line(value.strip(), max_len=MAX_LABEL)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad
    return value


def _hello(d: dict[str, Any], t: float) -> Hello:
    info = d.get("version_info") or []
    if not isinstance(info, list):
        raise _Bad
    return Hello(
        t=t,
        version=_str(d["version"]),
        implementation=_str(d["implementation"]),
        executable=_str(d.get("executable", "")),
        gil_enabled=_bool(d["gil_enabled"]),
        free_threaded=_bool(d["free_threaded"]),
        cpu_count=_opt_int(d.get("cpu_count")),
        pid=_int(d["pid"]),
        start_method=_opt_str(d.get("start_method")),
        default_start_method=_opt_str(d.get("default_start_method")),
        aiohttp=_bool(d.get("aiohttp", False)),
        io_client=_opt_str(d.get("io_client")),
        platform=_str(d.get("platform", "")),
        version_info=tuple(_int(x) for x in info),
        total_steps=_int(d.get("total_steps", 0)),
        workers=_int(d.get("workers", 0)),
        tasks=_int(d.get("tasks", 0)),
        subinterpreters_api=_label(d.get("subinterpreters_api")),
    )


def _result(d: dict[str, Any], t: float) -> Result:
    workers = d.get("workers", [])
    if not isinstance(workers, list):
        raise _Bad
    return Result(
        t=t,
        wall_s=_num(d["wall_s"]),
        startup_s=_num(d["startup_s"]),
        first_start_s=_num(d.get("first_start_s", d["startup_s"])),
        cpu_s=_num(d["cpu_s"]),
        workers=tuple(WorkerStat.from_dict(w) for w in workers),
        cpu_self_s=_opt_num(d.get("cpu_self_s")),
        cpu_children_s=_opt_num(d.get("cpu_children_s")),
        tasks=_int(d.get("tasks", 0)),
        total_steps=_int(d.get("total_steps", 0)),
    )


def _error(d: dict[str, Any], t: float) -> Error:
    if d.get("cancelled") is True:
        kind = "cancelled"
    elif d.get("unsupported") is True:
        kind = "unsupported"
    else:
        kind = "worker"
    return Error(
        message=_str(d["message"]),
        t=t,
        kind=kind,
        exit_code=_opt_int(d.get("exit_code")),
    )


def _fields(stat: WorkerStat, *drop: str) -> dict[str, Any]:
    d = stat.to_dict()
    for name in drop:
        d.pop(name)
    return d


_BUILDERS = {
    "hello": _hello,
    "worker_start": lambda d, t: WorkerStart(
        t, _int(d["index"]), _int(d["pid"]), _int(d["thread_id"])
    ),
    "progress": lambda d, t: Progress(t, _int(d["index"]), _int(d["done"]), _int(d["total"])),
    "worker_done": lambda d, t: WorkerDone(t, **_fields(WorkerStat.from_dict(d), "start_s")),
    "result": _result,
    "error": _error,
}


def parse_event(obj: Any) -> Event | None:
    """Turn one decoded JSON value into an event (see :func:`parse_line`)."""
    if not isinstance(obj, dict) or "event" not in obj or "v" not in obj:
        return None
    version = obj.get("v")
    if version != PROTOCOL_VERSION:
        # a scalar as it reads (v2, vNone), cleaned and short; a list or an object: v?
        shown = "?" if isinstance(version, (list, dict)) else clean_line(str(version), max_len=20)
        return Error(
            message=(
                f"the worker speaks protocol v{shown} but this gil-tui reads v{PROTOCOL_VERSION}; "
                "use the worker that ships with this gil-tui"
            ),
            kind="protocol",
        )
    event = obj.get("event")
    builder = _BUILDERS.get(event) if isinstance(event, str) else None
    if builder is None:
        return None
    try:
        t = _num(obj.get("t", 0.0))
        return builder(obj, t)
    except (_Bad, KeyError, TypeError, ValueError, OverflowError, RecursionError):
        return None


def parse_line(line: str | bytes) -> Event | None:
    """Parse one line of worker output; ``None`` for anything that is not an event."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # not JSON, a number too long, nested too deeply
        return None
    return parse_event(obj)
