"""What the UI needs from the outside world, in one place, so tests can swap it.

The real app uses the engine; tests pass a replaying runner and fixed samplers so
that snapshots are the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from gil_tui.engine.system import interpreters

from gil_tui.engine.system import monitor
from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.run.runner import Runner
from gil_tui.engine.run.spec import RunSpec


class RunnerLike(Protocol):
    pid: int | None

    def events(self) -> Any: ...

    async def cancel(self, grace: float = 0.5) -> None: ...


class CoreSamplerLike(Protocol):
    def sample(self) -> monitor.CoreSample: ...


class TreeSamplerLike(Protocol):
    def sample(self) -> monitor.TreeSample: ...


#: Runs started from the app can lower their CPU priority by this much (the worker's
#: ``--nice``). Measured on this 2-core VM: at nice 5 a key press during a Compare
#: matrix was answered about 10 ms sooner (62 vs 71 ms median), but a processes run
#: in the Live tab came out up to 20% slower than the same run from `gil-tui bench`
#: (best of 9: +21% at nice 5, +2.5% at nice 0), because the app's own drawing and
#: the terminal then always win the cores. The figures are the point of the app, so
#: the runs keep the normal priority.
WORKER_NICE = 0


def _runner(spec: RunSpec, latency_url: str | None) -> RunnerLike:
    return Runner(spec, latency_url=latency_url, nice=WORKER_NICE)


async def app_run(spec: RunSpec, *, latency_url: str | None = None,
                  on_event: Callable[[Any], Any] | None = None) -> Any:
    """One run to its end, for the Compare tab's matrices and sweeps (lower priority)."""
    from gil_tui.engine.run.runner import run

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
