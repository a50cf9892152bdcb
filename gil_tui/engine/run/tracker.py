"""Follow one run's event stream: who started, how far each worker got, how it ended.

Pure data for the Live tab's status line and workers table; also joins the
run's workers with a :class:`~gil_tui.engine.system.monitor.TreeSample` so each worker
row carries the CPU % of its own thread or process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gil_tui.engine.run.events import Error, Event, Hello, Progress, Result, WorkerDone, WorkerStart
from gil_tui.engine.system.monitor import TreeSample
from gil_tui.engine.run.spec import Mode, RunSpec


def progress_fraction(done: float, total: float) -> float:
    """How far something got, from 0 to 1: ``done`` out of ``total`` (0 while the total is unknown).

    The one rule for a run's progress (steps done out of the run's steps) and for a
    job of several runs (runs done, plus the current run's fraction, out of all runs).
    """
    return min(1.0, max(0.0, done / total)) if total > 0 else 0.0


@dataclass
class WorkerState:
    index: int
    pid: int = 0
    thread_id: int = 0
    done: int = 0
    total: int = 0
    finished: bool = False
    seconds: float | None = None
    tasks: int = 0


@dataclass(frozen=True)
class WorkerRow:
    """One line of the workers table."""

    key: str
    label: str
    pid: int
    tid: int | None
    cpu_percent: float | None
    done: int     # steps this worker finished
    total: int    # steps in the whole run
    rss: int | None
    finished: bool = False
    tasks: int = 0


@dataclass
class RunTracker:
    spec: RunSpec
    hello: Hello | None = None
    result: Result | None = None
    error: Error | None = None
    workers: dict[int, WorkerState] = field(default_factory=dict)

    @property
    def state(self) -> str:
        if self.error is not None:
            return "cancelled" if self.error.cancelled else "failed"
        if self.result is not None:
            return "done"
        return "running" if self.hello is not None else "starting"

    @property
    def total_tasks(self) -> int:
        return (self.hello.tasks if self.hello and self.hello.tasks
                else self.spec.effective_tasks)

    @property
    def total_steps(self) -> int:
        """Steps in the whole run (progress is counted in steps, finer than tasks)."""
        if self.hello is not None and self.hello.total_steps:
            return self.hello.total_steps
        return max((worker.total for worker in self.workers.values()), default=0)

    @property
    def done_steps(self) -> int:
        return sum(worker.done for worker in self.workers.values())

    @property
    def fraction(self) -> float:
        if self.result is not None:
            return 1.0
        return progress_fraction(self.done_steps, self.total_steps)

    def feed(self, event: Event) -> None:
        if isinstance(event, Hello):
            self.hello = event
        elif isinstance(event, WorkerStart):
            worker = self.workers.setdefault(event.index, WorkerState(event.index))
            worker.pid, worker.thread_id = event.pid, event.thread_id
        elif isinstance(event, Progress):
            worker = self.workers.setdefault(event.index, WorkerState(event.index))
            worker.done, worker.total = event.done, event.total
        elif isinstance(event, WorkerDone):
            worker = self.workers.setdefault(event.index, WorkerState(event.index))
            worker.pid, worker.thread_id = event.pid, event.thread_id
            worker.finished, worker.seconds = True, event.seconds
            worker.tasks = event.tasks
            if event.done:
                worker.done = event.done
        elif isinstance(event, Result):
            self.result = event
        elif isinstance(event, Error):
            self.error = event

    def rows(self, tree: TreeSample | None, root_pid: int | None = None) -> list[WorkerRow]:
        """Worker rows joined with the latest sample, then the other processes of the tree."""
        procs = {p.pid: p for p in tree.processes} if tree else {}
        thread_cpu = {t.tid: t.cpu_percent for p in procs.values() for t in p.threads}
        per_thread = self.spec.mode is not Mode.PROCESSES
        rows: list[WorkerRow] = []
        claimed: set[int] = set()
        for index in sorted(self.workers):
            worker = self.workers[index]
            proc = procs.get(worker.pid)
            if per_thread:
                cpu = thread_cpu.get(worker.thread_id)
                rss = None
            else:
                cpu = proc.cpu_percent if proc else None
                rss = proc.rss if proc else None
                claimed.add(worker.pid)
            if worker.finished:
                cpu = 0.0 if cpu is None else cpu
            rows.append(WorkerRow(
                key=f"w{index}", label=f"worker {index}", pid=worker.pid,
                tid=worker.thread_id if per_thread else None, cpu_percent=cpu,
                done=worker.done, total=worker.total or self.total_steps, rss=rss,
                finished=worker.finished, tasks=worker.tasks,
            ))
        for proc in sorted(procs.values(), key=lambda p: p.pid):
            if proc.pid in claimed:
                continue
            if proc.pid == root_pid:
                label = "all threads" if per_thread else "main"
            else:
                label = (proc.name or "process")[:14]
            rows.append(WorkerRow(
                key=f"p{proc.pid}", label=label, pid=proc.pid, tid=None,
                cpu_percent=proc.cpu_percent, done=0, total=0, rss=proc.rss,
            ))
        return rows

    def final_rows(self) -> list[WorkerRow]:
        """Rows from the result alone: each worker's average CPU % over its own run."""
        if self.result is None:
            return self.rows(None)
        per_thread = self.spec.mode is not Mode.PROCESSES
        total = self.total_steps
        rows = []
        for stat in sorted(self.result.workers, key=lambda w: w.index):
            cpu = None
            if stat.cpu_s is not None and stat.seconds > 0:
                cpu = 100.0 * stat.cpu_s / stat.seconds
            rows.append(WorkerRow(
                key=f"w{stat.index}", label=f"worker {stat.index}", pid=stat.pid,
                tid=stat.thread_id if per_thread else None, cpu_percent=cpu,
                done=stat.done, total=total, rss=None, finished=True, tasks=stat.tasks,
            ))
        return rows
