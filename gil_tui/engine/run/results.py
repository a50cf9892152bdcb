"""The figures of one finished run, built from the worker's events.

:class:`RunResult` is what ``gil-tui bench --json`` prints and what the history
will store: the spec, the interpreter that ran it, wall time (create + run +
join of the workers), start-up time (until the last worker started), CPU
seconds (worker process and its children, during the run) and one entry per
worker. ``to_dict()`` / ``from_dict()`` round-trip through JSON.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from gil_tui.engine.run.events import Error, Event, Hello, Result, WorkerStat
from gil_tui.engine.run.spec import RunSpec

__all__ = ["InterpreterInfo", "RunResult", "RunError", "FORMAT_VERSION"]

FORMAT_VERSION = 1


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
        if self.free_threaded:
            gil = "free-threaded, GIL " + ("on" if self.gil_enabled else "off")
            return f"{self.version}t ({gil})"
        return f"{self.version} (GIL)"

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

    @property
    def busy_cores(self) -> float:
        """CPU seconds per wall second: about 1.0 when one core did all the work."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @classmethod
    def from_events(
        cls, spec: RunSpec, events: Iterable[Event], *, python: str | None = None
    ) -> "RunResult":
        """Build from a run's events; raises RunError if they hold an Error or no Result."""
        hello: Hello | None = None
        result: Result | None = None
        for event in events:
            if isinstance(event, Error):
                raise RunError(event)
            if isinstance(event, Hello):
                hello = event
            elif isinstance(event, Result):
                result = event
        if hello is None or result is None:
            missing = "hello" if hello is None else "result"
            raise RunError(Error(f"the run ended without a {missing} event", kind="crash"))
        return cls.from_hello_result(spec, hello, result, python=python)

    @classmethod
    def from_hello_result(
        cls,
        spec: RunSpec,
        hello: Hello,
        result: Result,
        *,
        python: str | None = None,
        started_at: float | None = None,
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
        )
