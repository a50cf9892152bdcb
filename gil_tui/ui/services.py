"""What the UI needs from the outside world, in one place, so tests can swap it.

The real app uses the engine; tests pass a replaying runner, fixed samplers, fixed
run results and a frozen clock, so that snapshots are the same on every run.

The defaults import the engine only when first called: the app builds its Services
before the first frame, and the engine's runner, monitor and stores are not needed
for it (they are imported with the tabs that use them, right after).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

if TYPE_CHECKING:
    from gil_tui.engine.history.store import HistoryStore
    from gil_tui.engine.run.calibration import CalibrationStore
    from gil_tui.engine.run.events import Event
    from gil_tui.engine.run.results import RunResult
    from gil_tui.engine.run.runner import RunnerLike
    from gil_tui.engine.run.spec import RunSpec
    from gil_tui.engine.system import interpreters, monitor

__all__ = ["CoreSamplerLike", "RunFn", "Services", "TreeSamplerLike", "WORKER_NICE", "app_run"]


class CoreSamplerLike(Protocol):
    def sample(self) -> monitor.CoreSample: ...


class TreeSamplerLike(Protocol):
    def sample(self) -> monitor.TreeSample: ...


class RunFn(Protocol):
    """Runs one spec to its end (the engine's :func:`~gil_tui.engine.run.runner.run`)."""

    def __call__(self, spec: RunSpec, *, latency_url: str | None = None,
                 on_event: Callable[[Event], Any] | None = None) -> Awaitable[RunResult]: ...


#: Runs started from the app can lower their CPU priority by this much (the worker's
#: ``--nice``). Measured on this 2-core VM: at nice 5 a key press during a Compare
#: matrix was answered about 10 ms sooner (62 vs 71 ms median), but a processes run
#: in the Live tab came out up to 20% slower than the same run from `gil-tui bench`
#: (best of 9: +21% at nice 5, +2.5% at nice 0), because the app's own drawing and
#: the terminal then always win the cores. The figures are the point of the app, so
#: the runs keep the normal priority.
WORKER_NICE = 0


def _runner(spec: RunSpec, latency_url: str | None) -> RunnerLike:
    from gil_tui.engine.run.runner import Runner

    return Runner(spec, latency_url=latency_url, nice=WORKER_NICE)


async def app_run(spec: RunSpec, *, latency_url: str | None = None,
                  on_event: Callable[[Event], Any] | None = None) -> RunResult:
    """One run to its end, for the Compare tab's matrices and sweeps, at the priority of
    every run started from the app (:data:`WORKER_NICE`: the normal one)."""
    from gil_tui.engine.run.runner import run

    return await run(spec, latency_url=latency_url, on_event=on_event, nice=WORKER_NICE)


def _tree(pid: int) -> TreeSamplerLike:
    from gil_tui.engine.system import monitor

    return monitor.TreeSampler(pid, include_root=True)


def _cores() -> CoreSamplerLike:
    from gil_tui.engine.system import monitor

    return monitor.CoreSampler()


def _discover() -> list[interpreters.Interpreter]:
    from gil_tui.engine.system import interpreters

    return interpreters.discover()


def _history() -> HistoryStore:
    from gil_tui.engine.history.store import HistoryStore

    return HistoryStore()


def _calibrations() -> CalibrationStore:
    from gil_tui.engine.run.calibration import CalibrationStore

    return CalibrationStore()


def _share_meter() -> Any:
    from gil_tui.engine.run.share import ShareMeter

    return ShareMeter()


@dataclass
class Services:
    """Factories the panes call; every field has a real default."""

    #: A runner for one Live run (the Live tab drives it with the engine's drive()).
    runner: Callable[[RunSpec, str | None], RunnerLike] = _runner
    core_sampler: Callable[[], CoreSamplerLike] = _cores
    tree_sampler: Callable[[int], TreeSamplerLike] = _tree
    discover: Callable[[], list[interpreters.Interpreter]] = _discover
    #: Start the latency server for io runs; returns its URL. None: the real one.
    latency_url: Callable[[], Awaitable[str]] | None = None
    #: The results history (every finished run is appended to it).
    history: Callable[[], HistoryStore] = _history
    #: Sampling rate of the Live tab, in Hz.
    sample_hz: float = 4.0
    #: One run to its end, for the Compare tab's matrices and sweeps.
    compare_run: RunFn = app_run
    #: The cores the Compare tab plans for (its default workers, the sweep's range);
    #: None: the cores this process may use.
    compare_cores: int | None = None
    #: Seconds, for the elapsed times the Compare tab shows (tests freeze it).
    compare_clock: Callable[[], float] = time.monotonic
    #: Where the Live tab keeps each interpreter's calibration, to size its default runs
    #: (about 5 s); None: runs are not sized (scale 1.0).
    calibrations: Callable[[], CalibrationStore] | None = _calibrations
    #: gil-tui's own CPU seconds: the Live tab's core bars count them with the run, not
    #: with other programs; None: not measured.
    own_cpu: Callable[[], float] | None = time.process_time
    #: Measures how much CPU other programs used during a Live run (the engine's drive()
    #: ``share``); None: not measured.
    share_meter: Callable[[], Any] | None = _share_meter
