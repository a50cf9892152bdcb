"""What the UI needs from the outside world, in one place, so tests can swap it.

The real app uses the engine; tests pass a replaying runner and fixed samplers so
that snapshots are the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from gil_tui.engine import interpreters, monitor
from gil_tui.engine.history import HistoryStore
from gil_tui.engine.runner import Runner
from gil_tui.engine.spec import RunSpec


class RunnerLike(Protocol):
    pid: int | None

    def events(self) -> Any: ...

    async def cancel(self, grace: float = 0.5) -> None: ...


class CoreSamplerLike(Protocol):
    def sample(self) -> monitor.CoreSample: ...


class TreeSamplerLike(Protocol):
    def sample(self) -> monitor.TreeSample: ...


#: Runs started from the app lower their CPU priority by this much (the worker's
#: ``--nice``), so that drawing and keys stay quick while a run keeps every core
#: busy. Measured here during a Compare matrix: a key press answered in about
#: 200 ms at equal priority, under 100 ms with the workers at nice 5.
WORKER_NICE = 5


def _runner(spec: RunSpec, latency_url: str | None) -> RunnerLike:
    return Runner(spec, latency_url=latency_url, nice=WORKER_NICE)


async def app_run(spec: RunSpec, *, latency_url: str | None = None,
                  on_event: Callable[[Any], Any] | None = None) -> Any:
    """One run to its end, for the Compare tab's matrices and sweeps (lower priority)."""
    from gil_tui.engine.runner import run

    return await run(spec, latency_url=latency_url, on_event=on_event, nice=WORKER_NICE)


def _tree(pid: int) -> TreeSamplerLike:
    return monitor.TreeSampler(pid, include_root=True)


@dataclass
class Services:
    """Factories the panes call; every field has a real default."""

    runner: Callable[[RunSpec, str | None], RunnerLike] = _runner
    core_sampler: Callable[[], CoreSamplerLike] = monitor.CoreSampler
    tree_sampler: Callable[[int], TreeSamplerLike] = _tree
    discover: Callable[[], list[interpreters.Interpreter]] = interpreters.discover
    #: Start the latency server for io runs; returns its URL. None: the real one.
    latency_url: Callable[[], Any] | None = None
    #: The results history (every finished run is appended to it).
    history: Callable[[], HistoryStore] = HistoryStore
    #: Sampling rate of the Live tab, in Hz.
    sample_hz: float = 4.0
    extra: dict[str, Any] = field(default_factory=dict)
