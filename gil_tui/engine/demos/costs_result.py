"""The costs worker's answer as data: :class:`CostsResult`, one :class:`KindCost` per kind.

Besides the thread and the processes started from ``-c``: the processes started
from a script with a realistic import (:class:`ScriptStart`), one subinterpreter
(:class:`SubinterpreterCost`, or the reason there is none) and 1 MB / 10 MB sent
to a process and back (:class:`Transfer`); each is None when the worker skipped it.

:func:`parse_worker_output` reads the worker's JSON object (the last line of
its output starting with ``{``) and raises :class:`CostsError`, one line for a
person, when it is not a costs result of this version. Running the worker and
showing the figures is :mod:`gil_tui.engine.demos.costs`.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from gil_tui.engine.text import clean_line, plural

__all__ = ["WORKER_VERSION", "CostsCancelled", "CostsError", "CostsResult", "KindCost",
           "ScriptStart", "SubinterpreterCost", "Transfer", "TransferCost", "parse_worker_output"]

WORKER_VERSION = 1
#: longest message kept from the worker (an error, a reason)
MAX_TEXT = 400


class CostsError(RuntimeError):
    """The measurement could not be made; the message is one line for a person."""


class CostsCancelled(CostsError):
    pass


@dataclass(frozen=True)
class KindCost:
    """Create + start + join of one thread, or of one process under ``method``."""

    kind: str  # "thread" or "process"
    method: str | None  # start method for processes
    n: int
    median_s: float
    min_s: float
    max_s: float
    p10_s: float
    p90_s: float
    first_s: float | None  # the first, untimed-in-the-stats run (one-off costs)
    #: process median / thread median (None for the thread itself)
    ratio: float | None
    #: RSS per thread (delta over idle threads) or the child's own RSS
    rss_bytes: float | None
    #: a child's private memory (Linux smaps_rollup); None for threads or elsewhere
    private_bytes: float | None
    #: virtual memory reserved per thread (mostly its stack); None for processes
    vm_bytes: float | None
    memory_method: str | None
    #: how the process's parent was started: "-c" or "script" (None for a thread)
    start: str | None = None

    @property
    def label(self) -> str:
        if self.kind != "process":
            return self.kind
        return f"process ({self.method}{', script' if self.start == 'script' else ''})"


@dataclass(frozen=True)
class ScriptStart:
    """Processes started from a ``.py`` script whose top imports :attr:`imports`."""

    imports: str  # "json, decimal, asyncio"
    repeat: int
    processes: tuple[KindCost, ...]
    #: start method -> why it failed (from the script)
    errors: dict[str, str]


@dataclass(frozen=True)
class SubinterpreterCost:
    """Create + run ``pass`` + destroy of one subinterpreter (own GIL), or why not."""

    #: the figures; None when there are none (see ``reason``)
    cost: KindCost | None
    #: the API used: "concurrent.interpreters", "_interpreters (private, 3.13)", ...
    api: str | None
    private: bool | None
    #: "needs 3.12+", "not in this build" or "failed: ..." (None with figures)
    reason: str | None
    #: the worker's sentence about what is missing, if any
    message: str | None = None


@dataclass(frozen=True)
class TransferCost:
    """``size_bytes`` sent to a process and back: seconds per round trip."""

    size_bytes: int
    n: int
    median_s: float
    min_s: float
    max_s: float
    p10_s: float
    p90_s: float
    first_s: float | None

    @property
    def label(self) -> str:
        return f"{self.size_bytes / 1e6:g} MB"


@dataclass(frozen=True)
class Transfer:
    """A ``bytes`` object sent to a child process and back through a ``Pipe``."""

    method: str | None  # the start method of the echoing child
    channel: str  # "Pipe"
    payload: str  # "bytes"
    rounds: int
    sizes: tuple[TransferCost, ...]
    error: str | None = None


@dataclass(frozen=True)
class CostsResult:
    python: str  # the interpreter's path as given
    version: str
    implementation: str
    free_threaded: bool
    gil_enabled: bool
    cpu_count: int | None
    platform: str
    repeat: int
    default_method: str | None
    measured_at: str  # ISO 8601, UTC
    thread: KindCost
    processes: tuple[KindCost, ...]
    errors: dict[str, str]
    total_s: float
    idle_threads: int | None = None
    #: the 1-minute load average before and after (None where unknown)
    load_average: tuple[float | None, float | None] = (None, None)
    script: ScriptStart | None = None
    subinterpreter: SubinterpreterCost | None = None
    transfer: Transfer | None = None

    @property
    def kinds(self) -> tuple[KindCost, ...]:
        """The thread and the processes started from ``-c`` (as before the other rows)."""
        return (self.thread,) + self.processes

    @property
    def every_kind(self) -> tuple[KindCost, ...]:
        """Every creation measured: thread, subinterpreter, processes from -c, from a script."""
        sub = (self.subinterpreter.cost,) if self.subinterpreter and self.subinterpreter.cost \
            else ()
        script = self.script.processes if self.script else ()
        return (self.thread,) + sub + self.processes + script

    def interpreter_label(self) -> str:
        name = "CPython" if self.implementation == "cpython" else self.implementation
        text = f"{name} {self.version}{'t' if self.free_threaded else ''}"
        if self.free_threaded:
            return f"{text} (free-threaded, GIL {'on' if self.gil_enabled else 'off'})"
        return f"{text} (GIL)"

    def busy_note(self) -> str | None:
        """A warning when other programs competed for the cores during the measurement."""
        loads = [x for x in self.load_average if x is not None]
        if not loads or not self.cpu_count:
            return None
        # the measurement itself keeps about one core busy
        if max(loads) <= self.cpu_count + 0.5:
            return None
        return (f"The machine was busy (load average up to {max(loads):.1f} on "
                f"{plural(self.cpu_count, 'core')}): these figures are higher than on a quiet "
                "machine.")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["v"] = WORKER_VERSION
        data["load_average"] = list(self.load_average)
        data["busy_note"] = self.busy_note()
        data["kind"] = "costs"
        data["thread"]["label"] = self.thread.label
        data["processes"] = [dict(asdict(p), label=p.label) for p in self.processes]
        if self.script is not None:
            data["script"]["processes"] = [dict(asdict(p), label=p.label)
                                           for p in self.script.processes]
        if self.subinterpreter is not None and self.subinterpreter.cost is not None:
            data["subinterpreter"]["cost"]["label"] = self.subinterpreter.cost.label
        if self.transfer is not None:
            data["transfer"]["sizes"] = [dict(asdict(t), label=t.label)
                                         for t in self.transfer.sizes]
        data["interpreter_label"] = self.interpreter_label()
        return data


def _finite(value: Any) -> float | None:
    """A finite float from a JSON number, else None (bools, NaN, infinities, huge ints)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number(data: dict[str, Any], key: str, where: str) -> float:
    value = _finite(data.get(key))
    if value is None:
        raise CostsError(f"the costs worker sent no number for {where}.{key}")
    return value


def _optional(data: dict[str, Any], key: str) -> float | None:
    return _finite(data.get(key))


def _kind(data: Any, kind: str, method: str | None, thread_median: float | None,
          start: str | None = None, where: str | None = None) -> KindCost:
    where = where or (kind if method is None else f"processes.{method}")
    if not isinstance(data, dict):
        raise CostsError(f"the costs worker sent no figures for {where}")
    median = _number(data, "median_s", where)
    ratio = None
    if thread_median is not None and thread_median > 0:
        ratio = median / thread_median
    return KindCost(
        kind=kind,
        method=method,
        n=int(_number(data, "n", where)),
        median_s=median,
        min_s=_number(data, "min_s", where),
        max_s=_number(data, "max_s", where),
        p10_s=_number(data, "p10_s", where),
        p90_s=_number(data, "p90_s", where),
        first_s=_optional(data, "first_s"),
        ratio=ratio,
        rss_bytes=_optional(data, "rss_bytes"),
        private_bytes=_optional(data, "private_bytes"),
        vm_bytes=_optional(data, "vm_bytes"),
        memory_method=data.get("memory_method") if isinstance(data.get("memory_method"), str)
        else None,
        start=start,
    )


def _text(value: Any) -> str | None:
    """A string the worker sent, safe for a terminal (None for anything else)."""
    return clean_line(value, max_len=MAX_TEXT) if isinstance(value, str) else None


def _errors(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {clean_line(k, max_len=40): clean_line(v, max_len=MAX_TEXT) for k, v in value.items()}


def _script(data: Any, methods: list[str], thread_median: float,
            repeat: int) -> ScriptStart | None:
    if not isinstance(data, dict):
        return None
    raw = data.get("processes") if isinstance(data.get("processes"), dict) else {}
    processes = tuple(_kind(raw[m], "process", m, thread_median, start="script",
                            where=f"script.processes.{m}") for m in methods
                      if isinstance(m, str) and m in raw)
    script_repeat = data.get("repeat")
    return ScriptStart(
        imports=_text(data.get("imports")) or "?",
        repeat=script_repeat if isinstance(script_repeat, int) and script_repeat > 0 else repeat,
        processes=processes, errors=_errors(data.get("errors")))


def _subinterpreter(data: Any, thread_median: float) -> SubinterpreterCost | None:
    if not isinstance(data, dict):
        return None
    private = data.get("private")
    cost = None
    if "median_s" in data:
        cost = _kind(data, "subinterpreter", None, thread_median, where="subinterpreter")
    reason = _text(data.get("reason"))
    if cost is None and reason is None:
        reason = "no figures"
    return SubinterpreterCost(cost=cost, api=_text(data.get("api")),
                              private=private if isinstance(private, bool) else None,
                              reason=reason, message=_text(data.get("message")))


def _transfer(data: Any) -> Transfer | None:
    if not isinstance(data, dict):
        return None
    sizes = []
    for index, raw in enumerate(data.get("sizes") or []):
        where = f"transfer.sizes[{index}]"
        if not isinstance(raw, dict):
            raise CostsError(f"the costs worker sent no figures for {where}")
        sizes.append(TransferCost(
            size_bytes=int(_number(raw, "bytes", where)), n=int(_number(raw, "n", where)),
            median_s=_number(raw, "median_s", where), min_s=_number(raw, "min_s", where),
            max_s=_number(raw, "max_s", where), p10_s=_number(raw, "p10_s", where),
            p90_s=_number(raw, "p90_s", where), first_s=_optional(raw, "first_s")))
    rounds = data.get("rounds")
    return Transfer(method=_text(data.get("method")), channel=_text(data.get("channel")) or "?",
                    payload=_text(data.get("payload")) or "?",
                    rounds=rounds if isinstance(rounds, int) else (sizes[0].n if sizes else 0),
                    sizes=tuple(sizes), error=_text(data.get("error")))


def parse_worker_output(stdout: str, python: str, measured_at: str | None = None) -> CostsResult:
    """Turn the worker's JSON object into a :class:`CostsResult` (raises CostsError)."""
    data = None
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except (ValueError, RecursionError):  # not JSON, a huge number, too deep
                continue
            break
    if not isinstance(data, dict) or data.get("kind") != "costs":
        raise CostsError("the costs worker did not print its result")
    if data.get("v") != WORKER_VERSION:
        raise CostsError(f"the costs worker speaks version {data.get('v')!r}, not {WORKER_VERSION}")
    info = data.get("python") if isinstance(data.get("python"), dict) else {}
    thread = _kind(data.get("thread"), "thread", None, None)
    raw = data.get("processes") if isinstance(data.get("processes"), dict) else {}
    methods = data.get("methods") if isinstance(data.get("methods"), list) else list(raw)
    start = None if data.get("main_is_script") is True else "-c"
    processes = tuple(
        _kind(raw[m], "process", m, thread.median_s, start=start) for m in methods
        if isinstance(m, str) and m in raw
    )
    errors = data.get("errors") if isinstance(data.get("errors"), dict) else {}
    cpus = info.get("cpu_count")
    idle = data.get("thread", {}).get("idle_threads")
    raw_load = data.get("load_average")
    load: tuple[float | None, float | None] = (None, None)
    if isinstance(raw_load, list) and len(raw_load) == 2:
        load = tuple(  # type: ignore[assignment]
            _finite(x) for x in raw_load
        )
    repeat = int(_number(data, "repeat", "result"))
    return CostsResult(
        python=python,
        version=str(info.get("version", "?")),
        implementation=str(info.get("implementation", "cpython")),
        free_threaded=info.get("free_threaded") is True,
        gil_enabled=info.get("gil_enabled") is not False,
        cpu_count=cpus if isinstance(cpus, int) and not isinstance(cpus, bool) else None,
        platform=str(info.get("platform", sys.platform)),
        repeat=repeat,
        default_method=data.get("default_method") if isinstance(data.get("default_method"), str)
        else None,
        measured_at=measured_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        thread=thread,
        processes=processes,
        errors=_errors(errors),
        total_s=_optional(data, "total_s") or 0.0,
        idle_threads=idle if isinstance(idle, int) and not isinstance(idle, bool) else None,
        load_average=load,
        script=_script(data.get("script"), methods, thread.median_s, repeat),
        subinterpreter=_subinterpreter(data.get("subinterpreter"), thread.median_s),
        transfer=_transfer(data.get("transfer")),
    )
