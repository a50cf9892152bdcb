"""The figures of one finished run, built from the worker's events.

:class:`RunResult` is what ``gil-tui bench --json`` prints and what the history
will store: the spec, the interpreter that ran it, wall time (create + run +
join of the workers), start-up time (until the last worker started), CPU
seconds (worker process and its children, during the run), one entry per
worker, and how many cores *other* programs kept busy meanwhile
(``others_cores``, :mod:`gil_tui.engine.run.share`; None when not measured, as
in runs recorded before it was) and, in subinterpreters mode, the API the
worker used (``subinterpreters_api``; :func:`api_text` says it for people, and
whether it is private). ``to_dict()`` / ``from_dict()`` round-trip through JSON.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from gil_tui.engine.run.events import Error, Hello, Result, WorkerStat
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.text import gil_label

__all__ = ["InterpreterInfo", "RunResult", "RunError", "FORMAT_VERSION", "api_private",
           "api_text"]

FORMAT_VERSION = 1


def api_private(api: str | None) -> bool:
    """Whether the worker's ``subinterpreters_api`` is a private module (3.12, 3.13)."""
    return bool(api) and "(private" in str(api)


def api_text(api: str | None) -> str:
    """The subinterpreters API for people: ``concurrent.interpreters``, or
    ``_interpreters (private in 3.13: may change)``; "" without one."""
    if not api:
        return ""
    name, _, rest = str(api).partition(" (")
    if not api_private(api):
        return str(api)
    version = rest.rstrip(")").partition(",")[2].strip()
    where = f" in {version}" if version else ""
    return f"{name} (private{where}: may change)"


class RunError(RuntimeError):
    """A run ended with an :class:`~gil_tui.engine.run.events.Error` event."""

    def __init__(self, error: Error) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class InterpreterInfo:
    """The interpreter as the worker saw itself (from its ``hello``)."""

    path: str
    version: str
    implementation: str = "cpython"
    gil_enabled: bool = True
    free_threaded: bool = False
    cpu_count: int | None = None
    executable: str = ""

    def label(self) -> str:
        """``3.13.1 (GIL)``, ``3.14.0t (free-threaded, GIL off)``."""
        return gil_label(self.version, self.free_threaded, self.gil_enabled, long=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "version": self.version,
            "implementation": self.implementation,
            "gil_enabled": self.gil_enabled,
            "free_threaded": self.free_threaded,
            "cpu_count": self.cpu_count,
            "executable": self.executable,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "InterpreterInfo":
        return cls(
            path=d["path"],
            version=d["version"],
            implementation=d.get("implementation", "cpython"),
            gil_enabled=d.get("gil_enabled", True),
            free_threaded=d.get("free_threaded", False),
            cpu_count=d.get("cpu_count"),
            executable=d.get("executable", ""),
        )

    @classmethod
    def from_hello(cls, hello: Hello, path: str | None = None) -> "InterpreterInfo":
        return cls(
            path=path or hello.executable,
            version=hello.version,
            implementation=hello.implementation,
            gil_enabled=hello.gil_enabled,
            free_threaded=hello.free_threaded,
            cpu_count=hello.cpu_count,
            executable=hello.executable,
        )


@dataclass(frozen=True)
class RunResult:
    spec: RunSpec
    interpreter: InterpreterInfo
    wall_s: float
    startup_s: float
    cpu_s: float
    workers: tuple[WorkerStat, ...]
    first_start_s: float = 0.0
    start_method: str | None = None
    io_client: str | None = None
    tasks: int = 0
    started_at: float = field(default_factory=time.time)
    #: cores other programs kept busy on average during the run; None: not measured
    others_cores: float | None = None
    #: subinterpreters mode: the API the worker used (``hello.subinterpreters_api``)
    subinterpreters_api: str | None = None

    @property
    def busy_cores(self) -> float:
        """CPU seconds per wall second: about 1.0 when one core did all the work."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @classmethod
    def from_hello_result(
        cls,
        spec: RunSpec,
        hello: Hello,
        result: Result,
        *,
        python: str | None = None,
        started_at: float | None = None,
        others_cores: float | None = None,
    ) -> "RunResult":
        return cls(
            spec=spec,
            interpreter=InterpreterInfo.from_hello(hello, python or spec.python),
            wall_s=result.wall_s,
            startup_s=result.startup_s,
            first_start_s=result.first_start_s,
            cpu_s=result.cpu_s,
            workers=result.workers,
            start_method=hello.start_method,
            io_client=hello.io_client,
            tasks=result.tasks or spec.effective_tasks,
            started_at=started_at if started_at is not None else time.time(),
            others_cores=others_cores,
            subinterpreters_api=hello.subinterpreters_api,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "spec": self.spec.to_dict(),
            "interpreter": self.interpreter.to_dict(),
            "wall_s": self.wall_s,
            "startup_s": self.startup_s,
            "first_start_s": self.first_start_s,
            "cpu_s": self.cpu_s,
            "busy_cores": round(self.busy_cores, 3),
            "start_method": self.start_method,
            "io_client": self.io_client,
            "tasks": self.tasks,
            "started_at": self.started_at,
            "others_cores": self.others_cores,
            "subinterpreters_api": self.subinterpreters_api,
            "workers": [w.to_dict() for w in self.workers],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunResult":
        return cls(
            spec=RunSpec.from_dict(d["spec"]),
            interpreter=InterpreterInfo.from_dict(d["interpreter"]),
            wall_s=float(d["wall_s"]),
            startup_s=float(d["startup_s"]),
            first_start_s=float(d.get("first_start_s", 0.0)),
            cpu_s=float(d["cpu_s"]),
            workers=tuple(WorkerStat.from_dict(w) for w in d.get("workers", [])),
            start_method=d.get("start_method"),
            io_client=d.get("io_client"),
            tasks=int(d.get("tasks", 0)),
            started_at=float(d.get("started_at", 0.0)),
            others_cores=_optional_float(d.get("others_cores")),
            subinterpreters_api=_optional_text(d.get("subinterpreters_api")),
        )


def _optional_text(value: Any) -> str | None:
    """A label that old lines do not have (None), or that is not a string (None)."""
    return value if isinstance(value, str) and value else None


def _optional_float(value: Any) -> float | None:
    """A figure that old lines do not have (None), or that is not a finite number (None)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None
