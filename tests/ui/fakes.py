"""Deterministic stand-ins for the engine, so UI tests and snapshots repeat exactly."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Callable

from gil_tui.engine.run.events import Error, parse_line
from gil_tui.engine.system.monitor import CoreSample, ProcessSample, ThreadSample, TreeSample
from gil_tui.engine.run.runner import RunnerLike
from gil_tui.engine.run.spec import RunSpec
from gil_tui.ui.services import Services

DATA = Path(__file__).parent / "data"
FAKE_PID = 4242
#: When every replayed run starts (2023-11-14 22:13:20 UTC): long before it ends.
FAKE_STARTED_AT = 1_700_000_000.0


class ReplayRunner:
    """Replays a recorded worker event stream (tests/ui/data/cpu_<mode>.jsonl), as a
    :class:`~gil_tui.engine.run.runner.RunnerLike`."""

    def __init__(self, spec: RunSpec, latency_url: str | None = None, delay: float = 0.0,
                 started_at: float = FAKE_STARTED_AT):
        self.spec = spec
        self.pid: int | None = None
        self.python = spec.python or sys.executable
        self.started_at: float | None = None
        self.delay = delay
        self.cancelled = False
        self._start = started_at
        self.lines = (DATA / f"cpu_{spec.mode.value}.jsonl").read_text().splitlines()

    async def events(self):
        self.pid = FAKE_PID
        self.started_at = self._start
        for line in self.lines:
            if self.cancelled:
                yield Error("cancelled", kind="cancelled")
                return
            event = parse_line(line)
            if event is not None:
                yield event
            await asyncio.sleep(self.delay)

    async def cancel(self, grace: float = 0.5) -> None:
        self.cancelled = True


class FixedCores:
    def __init__(self, percents=(97.0, 12.0)) -> None:
        self.percents = tuple(percents)

    def sample(self) -> CoreSample:
        return CoreSample(self.percents, 0.0)


class FixedTree:
    def __init__(self, pid: int) -> None:
        self.pid = pid

    def sample(self) -> TreeSample:
        threads = (ThreadSample(self.pid, 1.0, 0.1),)
        proc = ProcessSample(self.pid, 1, "python", 99.0, 20 * 2**20, 3, threads, 1.0)
        return TreeSample(0.0, (proc,), 99.0)


def _replay(delay: float) -> Callable[[RunSpec, str | None], RunnerLike]:
    def make(spec: RunSpec, url: str | None) -> RunnerLike:
        return ReplayRunner(spec, url, delay)

    return make


def fake_services(delay: float = 0.0, cores=(97.0, 12.0), **fields) -> Services:
    fields.setdefault("calibrations", None)  # runs are not sized from this machine's speed
    fields.setdefault("own_cpu", None)  # the core bars: the same split every time
    fields.setdefault("share_meter", None)  # no other programs: the same sentence every time
    return Services(
        runner=_replay(delay),
        core_sampler=lambda: FixedCores(cores),
        tree_sampler=FixedTree,
        discover=lambda: [],
        sample_hz=10.0,
        **fields,
    )
