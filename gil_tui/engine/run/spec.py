"""What to run: a workload, a mode, how many workers, how much work.

A :class:`RunSpec` is immutable and validated when it is made, so a spec that
exists is a spec the worker can run; the errors are :class:`SpecError`
(a ``ValueError``) with a message meant for a person.

Strong scaling: the total amount of work depends only on the workload, the
scale and the task count, never on the mode or the number of workers, so runs
that differ only in mode or workers compare on the same work:

* ``cpu``: ``scale`` x 15 million iterations of a pure-Python integer loop,
  split into ``tasks`` equal tasks (default 8).
* ``hash``: ``scale`` x 1024 MiB of sha256 in 1 MiB buffers, split into
  ``tasks`` tasks (default 8); hashlib releases the GIL for such buffers.
* ``io``: ``tasks`` HTTP GETs (default 16) of ``delay_ms`` each against the
  latency server; ``scale`` does not apply.
* ``sleep``: ``tasks`` sleeps (default 16) of ``delay_ms`` each; ``scale`` does
  not apply.

How long a cpu or hash scale takes depends on the machine and the interpreter
(scale 1.0: about 1 s on a fast core, 3 s or more on a slow one);
:mod:`gil_tui.engine.run.calibration` measures it and picks the scale of a
sequential run of about 5 s (``--scale auto``, the app's default).

``workers`` is how many run at once: threads, processes, coroutines or
subinterpreters (each run by a thread of its own) pulling from one shared task
queue. ``sequential`` always has exactly one worker (any
other value is normalised to 1, so a form can keep its workers setting when the
mode changes). ``start_method`` only means something for ``processes`` and is
normalised to ``None`` for the other modes.

Which modes fit which workload: :func:`modes_for` (``asyncio`` for io and
sleep only, ``subinterpreters`` for cpu, hash and sleep). Which modes an
interpreter can run: :func:`mode_unavailable` (``subinterpreters`` need CPython
3.12 or later, the first with a GIL per interpreter, PEP 684).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = [
    "Workload",
    "Mode",
    "RunSpec",
    "SpecError",
    "START_METHODS",
    "MAX_WORKERS",
    "MAX_TASKS",
    "MAX_SCALE",
    "MAX_DELAY_MS",
    "DEFAULT_TASKS",
    "SUBINTERPRETERS_MIN_VERSION",
    "modes_for",
    "mode_unavailable",
]

START_METHODS = ("fork", "spawn", "forkserver")
MAX_WORKERS = 256
MAX_TASKS = 10_000
MAX_SCALE = 100.0
MAX_DELAY_MS = 10_000
#: The first CPython whose subinterpreters can each have a GIL of their own (PEP 684);
#: 3.11 has the private module too, but all its interpreters share one GIL.
SUBINTERPRETERS_MIN_VERSION = (3, 12)


class SpecError(ValueError):
    """A spec that cannot run; the message says why, in one line."""


class Workload(str, Enum):
    CPU = "cpu"
    IO = "io"
    SLEEP = "sleep"
    HASH = "hash"

    def __str__(self) -> str:
        return self.value

    @property
    def io_bound(self) -> bool:
        return self in (Workload.IO, Workload.SLEEP)


class Mode(str, Enum):
    SEQUENTIAL = "sequential"
    THREADS = "threads"
    PROCESSES = "processes"
    ASYNCIO = "asyncio"
    SUBINTERPRETERS = "subinterpreters"

    def __str__(self) -> str:
        return self.value


def modes_for(workload: Workload | str) -> tuple[Mode, ...]:
    """The modes that can run ``workload``, in :class:`Mode` order."""
    workload = Workload(workload)
    return tuple(
        mode for mode in Mode
        if not (mode is Mode.ASYNCIO and not workload.io_bound)
        and not (mode is Mode.SUBINTERPRETERS and workload is Workload.IO)
    )


def mode_unavailable(
    mode: Mode | str, version_info: tuple[int, ...] | list[int], implementation: str = "cpython"
) -> str | None:
    """Why ``mode`` cannot run on an interpreter of that version, in a few words; None if it can.

    Only the version is checked: a 3.12+ build without the subinterpreters module
    is refused by the worker itself (one ``error`` event with ``unsupported``).
    """
    if Mode(mode) is not Mode.SUBINTERPRETERS:
        return None
    if implementation != "cpython" or tuple(version_info[:2]) < SUBINTERPRETERS_MIN_VERSION:
        return "needs CPython 3.12+"
    return None


DEFAULT_TASKS = {Workload.CPU: 8, Workload.HASH: 8, Workload.IO: 16, Workload.SLEEP: 16}


def _choices(enum: type[Enum]) -> str:
    return ", ".join(member.value for member in enum)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise SpecError(f"{name} must be from {low} to {high}, got {value}")
    return value


@dataclass(frozen=True)
class RunSpec:
    """One benchmark run. See the module docstring for what each field means."""

    workload: Workload
    mode: Mode
    workers: int = 2
    tasks: int | None = None
    scale: float = 1.0
    delay_ms: int = 100
    start_method: str | None = None
    python: str | None = None

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        try:
            put("workload", Workload(self.workload))
        except ValueError:
            raise SpecError(
                f"unknown workload {self.workload!r}; choose from {_choices(Workload)}"
            ) from None
        try:
            put("mode", Mode(self.mode))
        except ValueError:
            raise SpecError(f"unknown mode {self.mode!r}; choose from {_choices(Mode)}") from None
        _whole("workers", self.workers, 1, MAX_WORKERS)
        if self.mode is Mode.SEQUENTIAL:
            put("workers", 1)
        if self.tasks is not None:
            _whole("tasks", self.tasks, 1, MAX_TASKS)
        scale = self.scale
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale):
            raise SpecError(f"scale must be a number above 0, got {scale!r}")
        if not 0 < scale <= MAX_SCALE:
            raise SpecError(f"scale must be above 0 and at most {MAX_SCALE:g}, got {scale:g}")
        put("scale", float(scale))
        _whole("delay_ms", self.delay_ms, 0, MAX_DELAY_MS)
        if self.start_method is not None and self.start_method not in START_METHODS:
            raise SpecError(
                f"unknown start method {self.start_method!r}; choose from {', '.join(START_METHODS)}"
            )
        if self.mode is not Mode.PROCESSES:
            put("start_method", None)
        if self.python is not None and (not isinstance(self.python, str) or not self.python.strip()):
            raise SpecError(f"python must be a path to an interpreter, got {self.python!r}")
        if self.mode is Mode.ASYNCIO and not self.workload.io_bound:
            raise SpecError(
                f"asyncio mode runs the I/O workloads only (io, sleep): {self.workload.value} "
                "work would block the event loop; use threads or processes"
            )
        if self.mode is Mode.SUBINTERPRETERS and self.workload is Workload.IO:
            raise SpecError(
                "subinterpreters mode runs the cpu, hash and sleep workloads only: io needs "
                "the latency server's HTTP client in every subinterpreter; use threads or asyncio"
            )

    @property
    def effective_tasks(self) -> int:
        """The task count the worker uses (``tasks`` or the workload's default)."""
        return self.tasks if self.tasks is not None else DEFAULT_TASKS[self.workload]

    def label(self) -> str:
        """Short human label, e.g. ``cpu, threads x2`` or ``io, processes x4 (spawn)``."""
        text = f"{self.workload.value}, {self.mode.value}"
        if self.mode is not Mode.SEQUENTIAL:
            text += f" x{self.workers}"
        if self.start_method:
            text += f" ({self.start_method})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload.value,
            "mode": self.mode.value,
            "workers": self.workers,
            "tasks": self.tasks,
            "scale": self.scale,
            "delay_ms": self.delay_ms,
            "start_method": self.start_method,
            "python": self.python,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunSpec":
        if not isinstance(data, dict):
            raise SpecError(f"a run spec must be an object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise SpecError(f"unknown run spec field(s): {', '.join(unknown)}")
        for required in ("workload", "mode"):
            if required not in data:
                raise SpecError(f"a run spec needs a {required}")
        return cls(**data)

    def replace(self, **changes: Any) -> "RunSpec":
        return dataclasses.replace(self, **changes)

    def worker_payload(self, url: str | None = None) -> dict[str, Any]:
        """The JSON object the worker receives with ``--spec`` (protocol v1)."""
        return {
            "v": 1,
            "workload": self.workload.value,
            "mode": self.mode.value,
            "workers": self.workers,
            "tasks": self.effective_tasks,
            "scale": self.scale,
            "delay_ms": self.delay_ms,
            "start_method": self.start_method,
            "url": url,
        }
