"""Deterministic stand-ins for the engine, so UI tests and snapshots repeat exactly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gil_tui.engine.run.events import Error, parse_line
from gil_tui.engine.system.monitor import CoreSample, ProcessSample, ThreadSample, TreeSample
from gil_tui.engine.run.spec import RunSpec
from gil_tui.ui.services import Services

DATA = Path(__file__).parent / "data"
FAKE_PID = 4242


class ReplayRunner:
    """Replays a recorded worker event stream (tests/ui/data/cpu_<mode>.jsonl)."""

    def __init__(self, spec: RunSpec, latency_url: str | None = None, delay: float = 0.0):
        self.spec = spec
        self.pid: int | None = None
        self.delay = delay
        self.cancelled = False
        self.lines = (DATA / f"cpu_{spec.mode.value}.jsonl").read_text().splitlines()

    async def events(self):
        self.pid = FAKE_PID
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


def fake_services(delay: float = 0.0, cores=(97.0, 12.0)) -> Services:
    return Services(
        runner=lambda spec, url: ReplayRunner(spec, url, delay),
        core_sampler=lambda: FixedCores(cores),
        tree_sampler=FixedTree,
        discover=lambda: [],
        sample_hz=10.0,
    )
