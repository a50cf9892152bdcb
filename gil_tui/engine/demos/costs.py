"""What a thread and a process cost here: run the costs worker, parse, compare.

:func:`run_costs` runs ``gil_tui/worker/costs_worker.py`` in the chosen
interpreter (default: the one running gil-tui; imported by a ``-c`` bootstrap,
see :data:`BOOTSTRAP`), in its own session with a lifeline on stdin, with a
timeout, and returns a :class:`CostsResult`: per kind
(``thread``, then one process per start method) the median, spread and memory,
and the ratio of each process median to the thread median.
:func:`markdown_table` gives the table the threads-vs-processes lesson shows
("measured on this machine, <date>, <interpreter>").  Blocking: the UI calls it
from a thread worker and may pass a ``threading.Event`` to cancel.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from gil_tui.worker import WORKER_DIR

WORKER_PATH = WORKER_DIR / "costs_worker.py"
#: Runs the worker as an imported module rather than as the main script: spawn
#: and forkserver children re-run the main script (compiling it from source
#: each time), which would add milliseconds of *this* file to every process
#: measured.  With a ``-c`` main they only import ``costs_worker`` (cached
#: bytecode), which is as close to a bare process as Python gets.
BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import costs_worker; "
             "sys.exit(costs_worker.main())")
WORKER_VERSION = 1
DEFAULT_REPEAT = 20
MAX_REPEAT = 1000


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

    @property
    def label(self) -> str:
        return "thread" if self.kind == "thread" else f"process ({self.method})"


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

    @property
    def kinds(self) -> tuple[KindCost, ...]:
        return (self.thread,) + self.processes

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
                f"{self.cpu_count} cores): these figures are higher than on a quiet machine.")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["v"] = WORKER_VERSION
        data["load_average"] = list(self.load_average)
        data["busy_note"] = self.busy_note()
        data["kind"] = "costs"
        data["thread"]["label"] = self.thread.label
        data["processes"] = [dict(asdict(p), label=p.label) for p in self.processes]
        data["interpreter_label"] = self.interpreter_label()
        return data


def _number(data: dict[str, Any], key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CostsError(f"the costs worker sent no number for {where}.{key}")
    return float(value)


def _optional(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _kind(data: Any, kind: str, method: str | None, thread_median: float | None) -> KindCost:
    where = kind if method is None else f"processes.{method}"
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
    )


def parse_worker_output(stdout: str, python: str, measured_at: str | None = None) -> CostsResult:
    """Turn the worker's JSON object into a :class:`CostsResult` (raises CostsError)."""
    data = None
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
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
    processes = tuple(
        _kind(raw[m], "process", m, thread.median_s) for m in methods if m in raw
    )
    errors = data.get("errors") if isinstance(data.get("errors"), dict) else {}
    cpus = info.get("cpu_count")
    idle = data.get("thread", {}).get("idle_threads")
    raw_load = data.get("load_average")
    load: tuple[float | None, float | None] = (None, None)
    if isinstance(raw_load, list) and len(raw_load) == 2:
        load = tuple(  # type: ignore[assignment]
            float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None
            for x in raw_load
        )
    return CostsResult(
        python=python,
        version=str(info.get("version", "?")),
        implementation=str(info.get("implementation", "cpython")),
        free_threaded=info.get("free_threaded") is True,
        gil_enabled=info.get("gil_enabled") is not False,
        cpu_count=cpus if isinstance(cpus, int) and not isinstance(cpus, bool) else None,
        platform=str(info.get("platform", sys.platform)),
        repeat=int(_number(data, "repeat", "result")),
        default_method=data.get("default_method") if isinstance(data.get("default_method"), str)
        else None,
        measured_at=measured_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        thread=thread,
        processes=processes,
        errors={str(k): str(v) for k, v in errors.items()},
        total_s=_optional(data, "total_s") or 0.0,
        idle_threads=idle if isinstance(idle, int) and not isinstance(idle, bool) else None,
        load_average=load,
    )


def default_timeout(repeat: int) -> float:
    """Generous: spawn costs ~0.1 s a run on a slow machine, x3 methods, plus memory runs."""
    return 30.0 + repeat * 1.0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _kill_group(proc: subprocess.Popen, linger: float = 0.0) -> None:
    """SIGKILL the worker's group, after giving it ``linger`` seconds to empty by itself."""
    deadline = time.monotonic() + linger
    while linger and _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _drain(stream, sink: bytearray) -> threading.Thread:
    def read() -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            sink.extend(chunk)
        stream.close()

    thread = threading.Thread(target=read, name="costs-reader", daemon=True)
    thread.start()
    return thread


def run_costs(
    python: str | None = None,
    repeat: int = DEFAULT_REPEAT,
    *,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    idle_threads: int | None = None,
    memory_rounds: int | None = None,
    on_start: Callable[[int], None] | None = None,
) -> CostsResult:
    """Measure in ``python`` (default ``sys.executable``); raises CostsError/CostsCancelled.

    ``on_start(pid)`` is called once the worker runs (its PID leads its own
    session and process group: a live view can watch it with a TreeSampler).
    """
    if not 1 <= repeat <= MAX_REPEAT:
        raise CostsError(f"repeat must be from 1 to {MAX_REPEAT}, got {repeat}")
    python = python or sys.executable
    timeout = default_timeout(repeat) if timeout is None else timeout
    cmd = [python, "-c", BOOTSTRAP, str(WORKER_PATH.parent), "--repeat", str(repeat), "--lifeline"]
    if idle_threads is not None:
        cmd += ["--idle-threads", str(idle_threads)]
    if memory_rounds is not None:
        cmd += ["--memory-rounds", str(memory_rounds)]
    measured_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise CostsError(f"could not start {python}: {exc.strerror or exc}") from None
    if on_start is not None:
        on_start(proc.pid)
    out, err = bytearray(), bytearray()
    readers = [_drain(proc.stdout, out), _drain(proc.stderr, err)]
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                proc.wait(timeout=max(0.0, min(0.2, left)))
                break
            except subprocess.TimeoutExpired:
                if cancel is not None and cancel.is_set():
                    raise CostsCancelled("the measurement was cancelled") from None
                if left <= 0:
                    raise CostsError(f"the costs worker did not finish within {timeout:g} s") from None
    finally:
        # on error the worker; otherwise what it left behind (the fork server ends
        # by itself a moment after the worker, when its pipe closes)
        _kill_group(proc, linger=0.0 if proc.returncode is None else 1.0)
        if proc.returncode is None:
            proc.wait()
        for reader in readers:
            reader.join(5.0)
        if proc.stdin is not None:
            proc.stdin.close()
    text = bytes(out).decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
        why = tail[-1].strip() if tail else f"exit code {proc.returncode}"
        raise CostsError(f"the costs worker failed in {python}: {why}")
    return parse_worker_output(text, python, measured_at)


# ---------------------------------------------------------------- formatting


def format_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def format_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1024:
        return f"{value:.0f} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KiB"
    return f"{value / (1024 * 1024):.1f} MiB"


def memory_text(cost: KindCost) -> str:
    if cost.kind == "thread":
        text = f"+{format_bytes(cost.rss_bytes)} RSS"
        if cost.vm_bytes:
            text += f" ({format_bytes(cost.vm_bytes)} reserved)"
        return text
    text = f"{format_bytes(cost.rss_bytes)} RSS"
    if cost.private_bytes is not None:
        text += f" ({format_bytes(cost.private_bytes)} private)"
    return text


def ratio_text(cost: KindCost) -> str:
    return "1x" if cost.ratio is None else f"{cost.ratio:.0f}x"


def _date(result: CostsResult) -> str:
    return result.measured_at[:10]


def memory_note(result: CostsResult) -> str:
    how = result.thread.memory_method
    if how == "proc":
        source = "RSS read from /proc/self/status"
    elif how == "ru_maxrss":
        source = "peak RSS from resource.getrusage (no /proc here)"
    else:
        source = "RSS"
    note = (f"Memory: {source}; per thread, the growth of the process with "
            f"{result.idle_threads or 'some'} idle threads alive, divided by their number; "
            "per process, the child's own RSS")
    if any(p.private_bytes is not None for p in result.processes):
        note += " and its private memory (pages it shares with no other process)"
    return note + "."


def markdown_table(result: CostsResult) -> str:
    """The lesson's table, headed by where and when it was measured."""
    lines = [
        f"Measured on this machine, {_date(result)}, {result.interpreter_label()} "
        f"({result.python}), median of {result.repeat} runs of create + start + join:",
        "",
        "| what | median | p10 - p90 | vs a thread | memory each |",
        "|---|---|---|---|---|",
    ]
    for cost in result.kinds:
        name = cost.label
        if cost.method and cost.method == result.default_method:
            name += ", the default"
        lines.append(
            f"| {name} | {format_seconds(cost.median_s)} | {format_seconds(cost.p10_s)} - "
            f"{format_seconds(cost.p90_s)} | {ratio_text(cost)} | {memory_text(cost)} |"
        )
    lines.append("")
    lines.append(memory_note(result))
    if result.busy_note():
        lines.append(result.busy_note())
    for method, message in result.errors.items():
        lines.append(f"Start method {method} failed here: {message}")
    return "\n".join(lines) + "\n"


def format_text(result: CostsResult) -> str:
    """The plain-text report of ``gil-tui costs``."""
    lines = [
        f"Create + start + join, {result.repeat} runs each, {result.interpreter_label()} "
        f"{result.python}",
        f"measured {result.measured_at}, {result.cpu_count or '?'} usable cores, "
        f"default start method {result.default_method or '?'}",
        "",
        f"  {'what':<22} {'median':>9} {'p10':>9} {'p90':>9} {'first':>9} {'vs thread':>9}  memory each",
    ]
    for cost in result.kinds:
        lines.append(
            f"  {cost.label:<22} {format_seconds(cost.median_s):>9} "
            f"{format_seconds(cost.p10_s):>9} {format_seconds(cost.p90_s):>9} "
            f"{format_seconds(cost.first_s):>9} {ratio_text(cost):>9}  {memory_text(cost)}"
        )
    lines.append("")
    lines.append(memory_note(result))
    lines.append("'first' is the first run, left out of the statistics: it pays one-off "
                 "costs (thread machinery, starting the fork server).")
    if result.busy_note():
        lines.append(result.busy_note())
    for method, message in result.errors.items():
        lines.append(f"start method {method} failed: {message}")
    return "\n".join(lines) + "\n"


__all__ = [
    "CostsCancelled",
    "CostsError",
    "CostsResult",
    "KindCost",
    "WORKER_PATH",
    "format_text",
    "markdown_table",
    "parse_worker_output",
    "run_costs",
]


#: Where the last costs measured on this machine are kept (as the lesson's table).
LAST_TABLE = "costs-last.md"


def remember(result: CostsResult) -> None:
    """Keep this measurement's table for the threads-vs-processes lesson (best effort)."""
    from gil_tui.paths import data_dir

    try:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (LAST_TABLE + ".tmp")
        tmp.write_text(markdown_table(result), encoding="utf-8")
        tmp.replace(folder / LAST_TABLE)
    except OSError:
        pass


def last_table() -> str | None:
    """The table of the last measurement made on this machine, if any."""
    from gil_tui.paths import data_dir

    try:
        return (data_dir() / LAST_TABLE).read_text(encoding="utf-8")
    except OSError:
        return None
