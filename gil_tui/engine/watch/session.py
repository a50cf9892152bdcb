"""Watch any program: start a command (or attach to a PID) and measure its process tree.

A :class:`WatchSession` either starts ``argv`` in its own session and process
group (``start_new_session=True``; stdin from /dev/null; stdout and stderr read
line by line, handed to ``on_line`` and optionally appended to a log file) or
attaches read-only to an existing PID (figures start at the moment of
attaching, and gil-tui never signals it).

The caller drives the sampling: the UI calls :meth:`WatchSession.sample` from a
thread at about 4 Hz; the CLI calls :meth:`WatchSession.run_headless`, which
loops until the program ends.  Each sample gives a :class:`WatchSnapshot`:
per-core load, cores used now, on average and at the peak, CPU time so far,
per-process and per-thread rows (at most ``max_rows`` of each; the counts go on).

CPU time is the sum over the tree.  While it runs it is estimated two ways and
the larger kept (both only ever count a CPU second once): the last CPU time
seen of every process ever seen, and the live processes' own time plus the
root's ``children_*`` times (the children it has reaped, even those that lived
between two samples).  When the program was started here the final figure comes
from ``os.wait4``: the kernel's total for the root and every descendant reaped
inside the tree, so a program that exits in 10 ms still gets a true summary.

Callbacks (``on_line(stream, text)``, ``on_exit(summary)``) run on the
session's own threads: a UI turns them into messages.  When the command exits,
whatever it left in its process group is ended, and :meth:`stop` ends the whole
tree (SIGINT, then SIGTERM, then SIGKILL to the group, then any descendant that
left the group).  A SIGKILL of gil-tui itself leaves the command running:
there is no lifeline for a program that is not ours.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence

import psutil

from gil_tui.engine.system.monitor import CoreSample, CoreSampler, ProcessSample, TreeSampler, TreeSample
from gil_tui.engine.watch.process import (
    EXIT_NOT_EXECUTABLE,
    EXIT_NOT_FOUND,
    WatchError,
    check_command,
    check_pid,
    end_group,
    parse_argv,
    wait_gone,
)
from gil_tui.engine.watch.summary import Summary

MAX_ROWS = 200
LINE_LIMIT = 65536
#: intervals shorter than this give no "cores now" figure (too noisy)
MIN_RATE_INTERVAL = 0.05

LineCallback = Callable[[str, str], None]


@dataclass(frozen=True)
class ThreadRow:
    pid: int
    tid: int
    cpu_percent: float  # of one core, over the last interval
    cpu_s: float


@dataclass(frozen=True)
class WatchSnapshot:
    """One sample of the watched tree, ready to draw."""

    elapsed_s: float
    cores: CoreSample  # busy % of every logical CPU of the machine
    cores_now: float  # cores the tree kept busy over the last interval
    avg_cores: float  # CPU seconds / wall seconds since start (or attach)
    peak_cores: float
    cpu_s: float
    processes: tuple[ProcessSample, ...]  # at most max_rows, tree order (root first)
    threads: tuple[ThreadRow, ...]  # at most max_rows, busiest first
    process_count: int  # processes in the tree now, shown or not
    thread_count: int  # threads of the processes shown
    hidden_processes: int  # process_count - len(processes)
    processes_seen: int
    running: bool
    exit_code: int | None


class _TreeSampler(TreeSampler):
    """TreeSampler that also remembers every member it found, shown or not."""

    def __init__(self, root_pid: int, max_processes: int) -> None:
        super().__init__(root_pid, include_root=True, max_processes=max_processes)
        self.members: dict[int, float] = {}  # pid -> create time, of the last sample

    def _members(self):  # noqa: ANN202 - the base class's private hook
        members, extra = super()._members()
        found: dict[int, float] = {}
        every = members
        if extra and self._root is not None:
            try:
                every = [self._root] + self._root.children(recursive=True)
            except psutil.Error:
                every = members
        for proc in every:
            try:
                found[proc.pid] = proc.create_time()
            except psutil.Error:
                pass
        self.members = found
        return members, extra


class WatchSession:
    """One watched program. Construct, :meth:`start`, sample, read :meth:`summary`."""

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        pid: int | None = None,
        on_line: LineCallback | None = None,
        on_exit: Callable[[Summary], None] | None = None,
        log_path: str | os.PathLike | None = None,
        max_rows: int = MAX_ROWS,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        unbuffered: bool = True,
    ) -> None:
        if (argv is None) == (pid is None):
            raise ValueError("give either argv or pid")
        self.argv = parse_argv(argv) if argv is not None else None
        self.attached = pid is not None
        self.pid: int = pid if pid is not None else 0
        self.on_line = on_line
        self.on_exit = on_exit
        self.log_path = log_path
        self.max_rows = max_rows
        self._env, self._cwd, self._unbuffered = env, cwd, unbuffered
        self.cpu_count = psutil.cpu_count() or 1
        self._proc: subprocess.Popen | None = None
        self._root: psutil.Process | None = None
        self._log = None
        self._log_lock = threading.Lock()
        self._lock = threading.Lock()  # accounting
        self._exited = threading.Event()
        self._finished = threading.Event()
        self._readers: list[threading.Thread] = []
        self._t0 = self._wall0 = 0.0
        self._started_at = ""
        self._end_t: float | None = None
        self._exit_code: int | None = None
        self._rusage_cpu: float | None = None
        self._interrupted = False
        self._leftovers = 0
        # accounting
        self._base: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], float] = {}
        self._seen_keys: set[tuple[int, float]] = set()
        self._seen_sum = 0.0
        self._children_base: float | None = None
        self._estimate = 0.0
        self._rate_t: float | None = None
        self._rate_cpu = 0.0
        self._cores_now = 0.0
        self._peak = 0.0
        self._max_procs = 0
        self._max_threads = 0
        self._samples = 0
        self._cores = CoreSampler()
        self._tree: _TreeSampler | None = None

    # ------------------------------------------------------------ start

    def start(self) -> WatchSession:
        """Start the command or attach to the PID; raises WatchError."""
        if self._tree is not None:
            raise RuntimeError("this session has already started")
        if self.log_path is not None:
            try:
                self._log = open(self.log_path, "a", encoding="utf-8", buffering=1)
            except OSError as exc:
                raise WatchError(f"cannot write the log {self.log_path}: "
                                 f"{exc.strerror or exc}") from None
        try:
            if self.attached:
                self._attach()
            else:
                self._launch()
        except BaseException:
            self._close_log()
            raise
        self._started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._cores.sample()  # primes: the first real sample covers [start, now]
        return self

    def _launch(self) -> None:
        assert self.argv is not None
        check_command(self.argv, self._cwd)
        env = dict(os.environ if self._env is None else self._env)
        if self._unbuffered:
            env.setdefault("PYTHONUNBUFFERED", "1")  # Python programs: lines as they come
        self._t0 = time.monotonic()
        self._wall0 = time.time()
        try:
            self._proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True, env=env, cwd=self._cwd,
            )
        except FileNotFoundError as exc:
            raise WatchError(f"{self.argv[0]}: cannot run it ({exc.strerror})",
                             EXIT_NOT_FOUND) from None
        except OSError as exc:
            raise WatchError(f"{self.argv[0]}: cannot run it ({exc.strerror or exc})",
                             EXIT_NOT_EXECUTABLE) from None
        self.pid = self._proc.pid
        try:
            self._root = psutil.Process(self.pid)
        except psutil.Error:
            self._root = None
        self._tree = _TreeSampler(self.pid, self.max_rows)
        for name, stream in (("stdout", self._proc.stdout), ("stderr", self._proc.stderr)):
            reader = threading.Thread(target=self._read, args=(stream, name),
                                      name=f"watch-{name}", daemon=True)
            reader.start()
            self._readers.append(reader)
        threading.Thread(target=self._wait_child, name="watch-wait", daemon=True).start()

    def _attach(self) -> None:
        self._root = check_pid(self.pid)
        self._t0 = time.monotonic()
        self._wall0 = time.time()
        self._tree = _TreeSampler(self.pid, self.max_rows)
        self._children_base = self._children_cpu()
        with self._lock:
            self._account(self._tree.sample(), time.monotonic(), baseline=True)
        threading.Thread(target=self._poll_attached, name="watch-poll", daemon=True).start()

    # ------------------------------------------------------------ threads

    def _read(self, stream, name: str) -> None:
        try:
            for raw in iter(lambda: stream.readline(LINE_LIMIT), b""):
                text = raw.decode("utf-8", "replace")
                if text.endswith("\n"):
                    text = text[:-1]
                if text.endswith("\r"):
                    text = text[:-1]
                self._emit(name, text)
        except (OSError, ValueError):
            pass

    def _emit(self, name: str, text: str) -> None:
        if self._log is not None:
            with self._log_lock:
                try:
                    if self._log is not None:
                        self._log.write(text + "\n")
                except (OSError, ValueError):
                    pass
        if self.on_line is not None:
            try:
                self.on_line(name, text)
            except Exception:  # noqa: BLE001 - a failing callback must not block the pipe
                pass

    def _wait_child(self) -> None:
        assert self._proc is not None
        try:
            _, status, usage = os.wait4(self.pid, 0)
            code: int | None = os.waitstatus_to_exitcode(status)
            cpu: float | None = usage.ru_utime + usage.ru_stime
        except ChildProcessError:  # reaped elsewhere: no figures from the kernel
            code, cpu = None, None
        end = time.monotonic()
        self._proc.returncode = code if code is not None else -1
        with self._lock:
            self._end_t = end
            self._exit_code = code
            self._rusage_cpu = cpu
        self._exited.set()
        self._finish()

    def _poll_attached(self) -> None:
        root = self._root
        while not self._exited.is_set():
            try:
                gone = root is None or root.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                gone = True
            except psutil.AccessDenied:
                gone = False
            if gone:
                with self._lock:
                    self._end_t = time.monotonic()
                self._exited.set()
                break
            time.sleep(0.05)
        self._finish()

    def _finish(self) -> None:
        """After the root exited: drain output, end leftovers, close the log, tell."""
        if not self.attached:
            for reader in self._readers:
                reader.join(0.5)
            left = self._end_group(grace=0.5, first=signal.SIGTERM)
            self._leftovers = 0 if self._interrupted else left
            for reader in self._readers:
                reader.join(1.0)
            for stream in (self._proc.stdout, self._proc.stderr) if self._proc else ():
                if stream is not None and not any(r.is_alive() for r in self._readers):
                    stream.close()
        self._close_log()
        self._finished.set()
        if self.on_exit is not None:
            try:
                self.on_exit(self.summary())
            except Exception:  # noqa: BLE001 - the callback is the caller's business
                pass

    def _close_log(self) -> None:
        with self._log_lock:
            if self._log is not None:
                try:
                    self._log.close()
                except OSError:
                    pass
                self._log = None

    # ------------------------------------------------------------ group

    def _end_group(self, grace: float, first: int) -> int:
        """End the command's process group; returns how many members there were."""
        if self.attached:
            return 0
        return end_group(self.pid, grace, first)

    def stop(self, grace: float = 1.0) -> None:
        """End the whole tree (attached: only stop watching); waits until it has ended."""
        self._interrupted = True
        if self.attached:
            with self._lock:
                if self._end_t is None:
                    self._end_t = time.monotonic()
            self._exited.set()
            self._finished.wait(2.0)
            return
        if self._proc is None or self._finished.is_set():
            return
        try:
            descendants = self._root.children(recursive=True) if self._root else []
        except psutil.Error:
            descendants = []
        self._end_group(grace, first=signal.SIGINT)
        left = []
        for proc in descendants:  # those that left the group (a new session of their own)
            try:
                proc.kill()
                left.append(proc)
            except psutil.Error:
                pass
        wait_gone(left, timeout=2.0)  # a SIGKILL takes a moment to land
        self._finished.wait(grace + 5.0)

    # ------------------------------------------------------------ sampling

    def _children_cpu(self) -> float | None:
        if self._root is None:
            return None
        try:
            times = self._root.cpu_times()
        except psutil.Error:
            return None
        return getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)

    def _account(self, tree: TreeSample, t: float, baseline: bool = False) -> None:
        """Update CPU accounting from one tree sample (caller holds the lock)."""
        assert self._tree is not None
        created = self._tree.members
        live = 0.0
        for proc in tree.processes:
            key = (proc.pid, created.get(proc.pid, 0.0))
            if key not in self._base:
                old = self.attached and (baseline or key[1] < self._wall0)
                self._base[key] = proc.cpu_s if old else 0.0
                self._last[key] = self._base[key]
            self._seen_sum += max(0.0, proc.cpu_s - self._last[key])
            self._last[key] = max(self._last[key], proc.cpu_s)
            live += max(0.0, proc.cpu_s - self._base[key])
        self._seen_keys.update((pid, c) for pid, c in created.items())
        children = self._children_cpu()
        if children is not None and self._children_base is None:
            # started here: every reaped child counts; attached: from now on
            self._children_base = children if self.attached else 0.0
        reaped = live + (max(0.0, children - self._children_base)
                         if children is not None and self._children_base is not None else 0.0)
        self._estimate = max(self._estimate, self._seen_sum, reaped)
        self._max_procs = max(self._max_procs, len(tree.processes) + tree.truncated)
        self._max_threads = max(self._max_threads, sum(p.num_threads for p in tree.processes))
        if baseline:
            self._rate_t, self._rate_cpu = t, self._estimate
            return
        self._samples += 1
        last_t = self._rate_t if self._rate_t is not None else self._t0
        if t - last_t >= MIN_RATE_INTERVAL:
            rate = (self._estimate - self._rate_cpu) / (t - last_t)
            self._cores_now = min(float(self.cpu_count), max(0.0, rate))
            self._peak = max(self._peak, self._cores_now)
            self._rate_t, self._rate_cpu = t, self._estimate

    def sample(self) -> WatchSnapshot:
        """Sample the tree now (blocks a few ms; call it from a thread, not an event loop)."""
        if self._tree is None:
            raise RuntimeError("start() the session first")
        cores = self._cores.sample()
        if self._exited.is_set():
            tree = TreeSample(time.monotonic(), (), 0.0, 0)
        else:
            t_start = time.monotonic()
            tree = self._tree.sample()
            t = (t_start + time.monotonic()) / 2
            with self._lock:
                if not self._exited.is_set():
                    self._account(tree, t)
        rows = sorted(
            (ThreadRow(p.pid, th.tid, th.cpu_percent, th.cpu_s)
             for p in tree.processes for th in p.threads),
            key=lambda row: -row.cpu_percent,
        )[: self.max_rows]
        summary = self.summary()
        count = len(tree.processes) + tree.truncated
        return WatchSnapshot(
            elapsed_s=summary.wall_s,
            cores=cores,
            cores_now=0.0 if self._exited.is_set() else round(self._cores_now, 2),
            avg_cores=summary.avg_cores,
            peak_cores=summary.peak_cores,
            cpu_s=summary.cpu_s,
            processes=tree.processes,
            threads=tuple(rows),
            process_count=count,
            thread_count=sum(p.num_threads for p in tree.processes),
            hidden_processes=tree.truncated,
            processes_seen=summary.processes_seen,
            running=not self._exited.is_set(),
            exit_code=self._exit_code,
        )

    # ------------------------------------------------------------ results

    @property
    def running(self) -> bool:
        return self._tree is not None and not self._exited.is_set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def can_stop(self) -> bool:
        """False when attached: gil-tui only watches a process it did not start."""
        return not self.attached and self.running

    @property
    def exit_code(self) -> int | None:
        return self._exit_code

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the program ended and its output was read; True when it has."""
        return self._finished.wait(timeout)

    def run_headless(self, hz: float = 4.0, on_sample: Callable[[WatchSnapshot], None] | None = None
                     ) -> Summary:
        """Sample at ``hz`` until the program ends; returns the final summary."""
        period = 1.0 / hz
        while not self._exited.wait(period):
            snapshot = self.sample()
            if on_sample is not None:
                on_sample(snapshot)
        self._finished.wait()
        return self.summary()

    def summary(self) -> Summary:
        """The figures so far (``finished`` False while it runs), or the final ones."""
        with self._lock:
            end = self._end_t if self._end_t is not None else time.monotonic()
            wall = max(0.0, end - self._t0)
            cpu = self._estimate
            source = "samples"
            if self._rusage_cpu is not None:
                cpu, source = max(cpu, self._rusage_cpu), "rusage"
            avg = cpu / wall if wall > 0 else 0.0
            peak = min(float(self.cpu_count), max(self._peak, avg))
            started = not self.attached
            return Summary(
                command=tuple(self.argv) if self.argv is not None else None,
                pid=self.pid,
                attached=self.attached,
                started_at=self._started_at,
                wall_s=round(wall, 4),
                cpu_s=round(cpu, 4),
                avg_cores=round(avg, 3),
                peak_cores=round(peak, 3),
                max_processes=max(self._max_procs, 1 if started else 0),
                max_threads=max(self._max_threads, 1 if started else 0),
                processes_seen=max(len(self._seen_keys), 1 if started else 0),
                exit_code=self._exit_code,
                interrupted=self._interrupted,
                finished=self._finished.is_set(),
                cpu_count=self.cpu_count,
                samples=self._samples,
                cpu_source=source,
                leftovers_ended=self._leftovers,
            )

    def close(self) -> None:
        """Stop the program if it still runs, and release everything."""
        if self._tree is not None and not self._finished.is_set():
            self.stop()
        self._close_log()

    def __enter__(self) -> WatchSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "MAX_ROWS",
    "Summary",
    "ThreadRow",
    "WatchError",
    "WatchSession",
    "WatchSnapshot",
    "check_command",
    "check_pid",
]
