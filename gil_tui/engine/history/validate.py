"""From bytes to history entries: one line, one decoded object, every field checked.

A history line or an imported run comes from outside gil-tui (an old version, a
hand edit, another machine, an attacker), so nothing in it is trusted:

* every number is finite, of the right kind (whole or not) and in a sane range
  (a start time between 1970 and 9999, durations under 10 million seconds...);
* every string is a string (not a number, not a list), not absurdly long, and is
  cleaned with :func:`gil_tui.engine.text.clean_line` (escape sequences, CR/LF,
  bidi overrides never reach a terminal, a table or a notification);
* the machine description keeps its known fields (checked) and other scalar
  fields (cleaned); lists and objects inside it are dropped.

The one error is :class:`EntryError` (a ``ValueError``) with a short reason meant
for a person; :func:`parse_line` turns every failure of ``json`` on hostile input
(RecursionError, OverflowError, huge integers, NaN) into it as well.
"""

from __future__ import annotations

import json
import math
from typing import IO, Any, Iterator

from gil_tui.engine.history.entry import SOURCES, HistoryEntry
from gil_tui.engine.run.events import WorkerStat
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import (MAX_DELAY_MS, MAX_SCALE, MAX_TASKS, MAX_WORKERS, RunSpec,
                                     SpecError)
from gil_tui.engine.text import clean_line

__all__ = ["DECODER", "MAX_LINE", "EntryError", "NotText", "clean_machine", "decode",
           "entry_from_dict", "parse_line", "read_lines"]

#: the longest history line read (a run with 256 workers is about 40 KiB)
MAX_LINE = 1024 * 1024
#: the latest start time taken (the end of year 9999, as far as time.localtime goes)
MAX_TIMESTAMP = 253402300799.0
MAX_SECONDS = 1e7          # a run of 115 days
MAX_CPU_SECONDS = 1e9      # MAX_SECONDS on 100 cores
MAX_COUNT = 2 ** 53        # counts, pids, thread ids: exact in a float, far beyond any real one
MIN_WALL = 1e-6            # a run shorter than a microsecond is a wall time of 0 or a lie
MAX_CORES = 1 << 16        # busy cores (CPU seconds per wall second), cores of a machine
_PATH, _NAME, _WORD = 4096, 256, 64
_RUN_KEYS = ("format", "spec", "interpreter", "wall_s", "cpu_s")


class EntryError(ValueError):
    """A line or an object that is not a valid gil-tui run; the message says why, briefly."""


class NotText(EntryError):
    """A line that is not UTF-8 text at all (binary content)."""


def _show(value: Any) -> str:
    """A short description of a bad value (never its whole text)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return "a huge whole number" if value.bit_length() > 60 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(clean_line(value, max_len=40))
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, type(value).__name__)


def _bound(value: float) -> str:
    """``0``, ``10000000``, ``253402300799``, ``1e-09``: a range limit as a person reads it."""
    return f"{value:.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _text(where: str, value: Any, max_len: int, *, optional: bool = False,
          empty: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise EntryError(f"{where} must be text, got {_show(value)}")
    text = _cleaned(value, max_len)
    if text is None:
        raise EntryError(f"{where} is longer than {max_len} characters")
    if not empty and not text.strip():
        raise EntryError(f"{where} is empty")
    return text


def _cleaned(value: str, max_len: int) -> str | None:
    """``clean_line(value)`` when it is at most ``max_len`` long, else None. The length is
    that of the cleaned text, so an entry read back from what it was cleaned to is the same."""
    if len(value) > 4 * max_len:  # never clean megabytes to find out
        return None
    text = value if value.isprintable() else clean_line(value)  # the same, sooner
    return text if len(text) <= max_len else None


def _number(where: str, value: Any, low: float, high: float, *, optional: bool = False
            ) -> float | None:
    if value is None and optional:
        return None
    kind = type(value)
    if kind is not float and kind is not int:  # bool is neither (nor are subclasses)
        raise EntryError(f"{where} must be a number, got {_show(value)}")
    if kind is float and not math.isfinite(value):
        raise EntryError(f"{where} must be a finite number, got {_show(value)}")
    if not low <= value <= high:  # compares big ints exactly, without float()
        raise EntryError(f"{where} must be from {_bound(low)} to {_bound(high)}, "
                         f"got {_show(value)}")
    return float(value)


def _whole(where: str, value: Any, low: int, high: int, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if type(value) is not int:  # not bool
        raise EntryError(f"{where} must be a whole number, got {_show(value)}")
    if not low <= value <= high:
        raise EntryError(f"{where} must be from {low} to {high}, got {_show(value)}")
    return value


def _flag(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise EntryError(f"{where} must be true or false, got {_show(value)}")
    return value


def _object(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EntryError(f"{where} must be an object, got {_show(value)}")
    return value


# ------------------------------------------------------------------ the parts


def _spec(data: Any) -> RunSpec:
    d = _object("spec", data)
    known = {"workload", "mode", "workers", "tasks", "scale", "delay_ms", "start_method", "python"}
    unknown = [k for k in d if k not in known]
    if unknown:
        raise EntryError(f"spec has unknown field {_show(unknown[0])}")
    for required in ("workload", "mode"):
        if required not in d:
            raise EntryError(f"spec has no {required}")
    fields: dict[str, Any] = {
        "workload": _text("spec.workload", d["workload"], 16),
        "mode": _text("spec.mode", d["mode"], 16),
    }
    if "workers" in d:
        fields["workers"] = _whole("spec.workers", d["workers"], 1, MAX_WORKERS)
    if "tasks" in d:
        fields["tasks"] = _whole("spec.tasks", d["tasks"], 1, MAX_TASKS, optional=True)
    if "scale" in d:
        fields["scale"] = _number("spec.scale", d["scale"], 1e-9, MAX_SCALE)
    if "delay_ms" in d:
        fields["delay_ms"] = _whole("spec.delay_ms", d["delay_ms"], 0, MAX_DELAY_MS)
    if "start_method" in d:
        fields["start_method"] = _text("spec.start_method", d["start_method"], 32, optional=True)
    if "python" in d:
        fields["python"] = _text("spec.python", d["python"], _PATH, optional=True, empty=False)
    try:
        return RunSpec(**fields)
    except SpecError as exc:
        raise EntryError(f"spec: {clean_line(str(exc), max_len=120)}") from None


def _interpreter(data: Any) -> InterpreterInfo:
    d = _object("interpreter", data)
    return InterpreterInfo(
        path=_text("interpreter.path", d.get("path"), _PATH, empty=False),
        version=_text("interpreter.version", d.get("version"), _WORD, empty=False),
        implementation=_text("interpreter.implementation", d.get("implementation", "cpython"),
                             _WORD),
        gil_enabled=_flag("interpreter.gil_enabled", d.get("gil_enabled", True)),
        free_threaded=_flag("interpreter.free_threaded", d.get("free_threaded", False)),
        cpu_count=_whole("interpreter.cpu_count", d.get("cpu_count"), 1, MAX_CORES,
                         optional=True),
        executable=_text("interpreter.executable", d.get("executable", ""), _PATH),
    )


def _worker(n: int, data: Any) -> WorkerStat:
    """One worker's figures. The common case (every field sane) is checked in one
    expression; anything else goes through :func:`_worker_checked` for its message."""
    if type(data) is dict:
        get = data.get
        index, pid, tid, secs = get("index"), get("pid"), get("thread_id"), get("seconds")
        cpu, tasks, done, start = get("cpu_s"), get("tasks", 0), get("done", 0), get("start_s")
        if (type(index) is int and 0 <= index <= MAX_WORKERS
                and type(pid) is int and 0 <= pid <= MAX_COUNT
                and type(tid) is int and 0 <= tid <= 2 ** 64
                and type(tasks) is int and 0 <= tasks <= MAX_COUNT
                and type(done) is int and 0 <= done <= MAX_COUNT
                and _sane(secs, MAX_SECONDS) and (cpu is None or _sane(cpu, MAX_CPU_SECONDS))
                and (start is None or _sane(start, MAX_SECONDS))):
            return WorkerStat(index, pid, tid, float(secs), None if cpu is None else float(cpu),
                              tasks, done, None if start is None else float(start))
    return _worker_checked(n, data)


def _sane(value: Any, high: float) -> bool:
    """A number (not bool) from 0 to ``high``; NaN and infinities fail the comparison."""
    kind = type(value)
    return (kind is float or kind is int) and 0 <= value <= high


def _worker_checked(n: int, data: Any) -> WorkerStat:
    where = f"workers[{n}]"
    d = _object(where, data)
    for required in ("index", "pid", "thread_id", "seconds"):
        if required not in d:
            raise EntryError(f"{where} has no {required}")
    return WorkerStat(
        index=_whole(f"{where}.index", d["index"], 0, MAX_WORKERS),
        pid=_whole(f"{where}.pid", d["pid"], 0, MAX_COUNT),
        thread_id=_whole(f"{where}.thread_id", d["thread_id"], 0, 2 ** 64),
        seconds=_number(f"{where}.seconds", d["seconds"], 0, MAX_SECONDS),
        cpu_s=_number(f"{where}.cpu_s", d.get("cpu_s"), 0, MAX_CPU_SECONDS, optional=True),
        tasks=_whole(f"{where}.tasks", d.get("tasks", 0), 0, MAX_COUNT),
        done=_whole(f"{where}.done", d.get("done", 0), 0, MAX_COUNT),
        start_s=_number(f"{where}.start_s", d.get("start_s"), 0, MAX_SECONDS, optional=True),
    )


def _result(d: dict[str, Any]) -> RunResult:
    workers = d.get("workers", [])
    if not isinstance(workers, list):
        raise EntryError(f"workers must be a list, got {_show(workers)}")
    if len(workers) > MAX_WORKERS:
        raise EntryError(f"workers lists more than {MAX_WORKERS} workers")
    if "startup_s" not in d:
        raise EntryError("it has no startup_s")
    wall = _number("wall_s", d["wall_s"], 0, MAX_SECONDS)
    cpu = _number("cpu_s", d["cpu_s"], 0, MAX_CPU_SECONDS)
    if 0 < wall < MIN_WALL:  # speedups and busy cores divide by it
        raise EntryError(f"wall_s must be 0 or at least {MIN_WALL:g}, got {_show(wall)}")
    if wall and cpu / wall > MAX_CORES:
        raise EntryError(f"cpu_s is {cpu / wall:.3g} busy cores for the whole run (at most "
                         f"{MAX_CORES})")
    return RunResult(
        spec=_spec(d["spec"]),
        interpreter=_interpreter(d["interpreter"]),
        wall_s=wall,
        startup_s=_number("startup_s", d["startup_s"], 0, MAX_SECONDS),
        first_start_s=_number("first_start_s", d.get("first_start_s", 0.0), 0, MAX_SECONDS),
        cpu_s=cpu,
        workers=tuple(_worker(n, w) for n, w in enumerate(workers)),
        start_method=_text("start_method", d.get("start_method"), 32, optional=True),
        io_client=_text("io_client", d.get("io_client"), _WORD, optional=True),
        subinterpreters_api=_text("subinterpreters_api", d.get("subinterpreters_api"), _WORD,
                                  optional=True),
        tasks=_whole("tasks", d.get("tasks", 0), 0, MAX_TASKS),
        started_at=_number("started_at", d.get("started_at", 0.0), 0, MAX_TIMESTAMP),
        others_cores=_number("others_cores", d.get("others_cores"), 0, MAX_CORES, optional=True),
    )


_MACHINE_TEXT = {"hostname": 255, "platform": _NAME, "system": _WORD, "machine": _WORD,
                 "cpu_model": _NAME}
_MACHINE_WHOLE = {"cpu_count_logical": 1 << 16, "cpu_count_physical": 1 << 16,
                  "cpu_count_usable": 1 << 16, "cores": 1 << 16, "memory_total": 1 << 62}


def clean_machine(data: Any, where: str = "machine") -> dict[str, Any]:
    """A machine description checked field by field (see the module docstring)."""
    d = _object(where, data)
    out: dict[str, Any] = {}
    for key, value in d.items():
        if key in _MACHINE_TEXT:
            out[key] = _text(f"{where}.{key}", value, _MACHINE_TEXT[key], optional=True)
        elif key in _MACHINE_WHOLE:
            low = 0 if key == "memory_total" else 1
            out[key] = _whole(f"{where}.{key}", value, low, _MACHINE_WHOLE[key], optional=True)
        elif len(out) < 32 and isinstance(key, str) and _cleaned(key, _WORD):
            extra = _extra(value)
            if extra is not _DROP:
                out[_cleaned(key, _WORD)] = extra
    return out


_DROP = object()


def _extra(value: Any) -> Any:
    """An unknown machine field: kept when it is a plain, sane scalar."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_COUNT else _DROP
    if isinstance(value, float):
        return value if math.isfinite(value) else _DROP
    if isinstance(value, str):
        text = _cleaned(value, _NAME)
        return _DROP if text is None else text
    return _DROP


# ------------------------------------------------------------------ the entry


def entry_from_dict(data: Any, *, machine: dict[str, Any] | None = None) -> HistoryEntry:
    """Build an entry from one decoded line or exported run; raises EntryError when it is
    not a valid gil-tui run. ``machine`` (already checked) is used when the run has none."""
    if not isinstance(data, dict):
        raise EntryError(f"expected a JSON object, got {_show(data)}")
    missing = [k for k in _RUN_KEYS if k not in data]
    if missing:
        raise EntryError(f"not a gil-tui run (missing {', '.join(missing)})")
    fmt = data["format"]
    if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt != 1:
        raise EntryError(f"run format {_show(fmt)} is not one this gil-tui reads (1)")
    try:
        result = _result(data)
    except EntryError as exc:
        raise EntryError(f"not a valid run: {exc}") from None
    found = data.get("machine")
    try:
        place = clean_machine(found) if found is not None else dict(machine or {})
        source = _text("source", data.get("source"), _WORD, optional=True)
        matrix = _text("matrix", data.get("matrix"), _NAME, optional=True)
        origin = _text("origin", data.get("origin"), _WORD, optional=True)
        imported = data.get("imported", False)
        imported = False if imported is None else _flag("imported", imported)
    except EntryError as exc:
        raise EntryError(f"not a valid run: {exc}") from None
    if source not in SOURCES:
        source = "live"
    return HistoryEntry(result=result, machine=place, source=source, matrix=matrix,
                        imported=imported or source == "imported", origin=origin)


class _Constant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Constant(name)


#: ``json``'s decoder without NaN and Infinity (not JSON, and never a valid figure)
DECODER = json.JSONDecoder(parse_constant=_no_constant)


def decode(text: str) -> Any:
    """``json.loads`` without NaN/Infinity; raises EntryError for anything it cannot take."""
    try:
        return DECODER.decode(text)
    except _Constant as exc:
        raise EntryError(f"not valid JSON ({exc} is not a number)") from None
    except RecursionError:
        raise EntryError("not valid JSON (nested too deeply)") from None
    except (ValueError, OverflowError, TypeError):  # JSONDecodeError, a 5000-digit integer...
        raise EntryError("not valid JSON") from None


def parse_line(line: bytes, *, machine: dict[str, Any] | None = None) -> HistoryEntry:
    """One history line as an entry; raises EntryError (and nothing else) when it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise NotText("not UTF-8 text") from None
    data = decode(text)
    try:
        return entry_from_dict(data, machine=machine)
    except EntryError:
        raise
    except (RecursionError, OverflowError, TypeError, ValueError) as exc:  # pragma: no cover
        raise EntryError(f"not a valid run ({type(exc).__name__})") from None


def read_lines(f: IO[bytes], limit: int = MAX_LINE) -> Iterator[tuple[int, bytes | None]]:
    """``(number, line)`` for each non-blank line of a binary file, read one at a time;
    a line longer than ``limit`` bytes gives ``(number, None)`` and is never held whole."""
    number = 0
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of that line
                rest = f.readline(64 * 1024)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
        elif line.strip():
            yield number, line
