"""What `gil-tui watch` concludes about a program: the figures and one plain sentence.

:class:`Summary` holds the figures of one watched run (wall time, CPU time,
cores used on average and at the peak, how many processes and threads) and
:meth:`Summary.verdict` says, from those numbers only, what they suggest:
about one core busy means one thread did the work at a time (the GIL or a
single thread); several cores mean processes, C code that releases the GIL, or
free-threaded threads; far below one core means the program mostly waited.  When other programs kept
:data:`~gil_tui.engine.run.share.SHARED` cores or more busy meanwhile, a figure
below one core may be theirs as much as the program's: the verdict then says the
figures are noisy rather than conclude from them.
Pure data: no processes, no psutil, so the shapes can be tested directly.
"""

from __future__ import annotations

import shlex
import signal
from dataclasses import asdict, dataclass
from typing import Any

from gil_tui.engine.run.share import SHARED
from gil_tui.engine.text import clean_line, plural, seconds

SUMMARY_VERSION = 1

#: Below this wall time nothing useful can be said about the cores.
SHORT_RUN_S = 0.2
#: below this many cores on average a program waited, however busy the machine: the
#: scheduler shares the cores, and 0.05 of one is what a computing program gets only
#: among some 40 others per core
BARELY = 0.05
#: average cores busy: below WAITING -> waiting; below ONE_CORE_LOW -> mixed;
#: up to ONE_CORE_HIGH -> one core; above -> several cores
WAITING = 0.2
ONE_CORE_LOW = 0.75
ONE_CORE_HIGH = 1.3
#: on a shared machine, "it mostly waited" still holds when at least this many cores
#: stayed idle on average meanwhile
MIN_IDLE = 0.1


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@dataclass(frozen=True)
class Summary:
    """The figures of one watched run (or of the part watched so far)."""

    command: tuple[str, ...] | None  # None when attached to a PID
    pid: int
    attached: bool
    started_at: str  # ISO 8601 (UTC): start, or the moment of attaching
    wall_s: float
    cpu_s: float
    avg_cores: float
    peak_cores: float
    max_processes: int
    max_threads: int
    processes_seen: int
    #: like ``Popen.returncode``: negative = killed by that signal; None = unknown
    #: (attached: the exit code of a process that is not our child cannot be read)
    exit_code: int | None
    #: stopped by gil-tui (Ctrl+C, stop()) or detached before the end
    interrupted: bool
    #: False while the program still runs (a provisional summary)
    finished: bool
    cpu_count: int
    samples: int
    #: where cpu_s comes from: "rusage" (the kernel's total for the reaped tree)
    #: or "samples" (the last CPU time seen of every process, attach mode)
    cpu_source: str
    #: processes left in the command's process group after it exited, then ended
    leftovers_ended: int = 0
    #: cores other programs kept busy on average meanwhile (None: not measured)
    others_cores: float | None = None

    @property
    def signal(self) -> str | None:
        if self.exit_code is not None and self.exit_code < 0:
            return signal_name(-self.exit_code)
        return None

    def exit_status(self) -> int:
        """The exit code a shell would give: 128 + N for a signal, 0 when unknown."""
        if self.exit_code is None:
            return 0
        if self.exit_code < 0:
            return 128 - self.exit_code
        return self.exit_code

    def describe_exit(self) -> str:
        if self.attached and self.interrupted:
            return "detached (gil-tui stopped watching; the process was left alone)"
        if not self.finished:
            return "still running" if not self.interrupted else "detached, still running"
        if self.exit_code is None:
            return "ended (exit code unknown: not started by gil-tui)"
        if self.exit_code < 0:
            how = "stopped by gil-tui with" if self.interrupted else "killed by"
            return f"{how} {self.signal}"
        return f"exit code {self.exit_code}"

    @property
    def shared(self) -> bool:
        """Other programs used enough of the machine to blur the figures."""
        return self.others_cores is not None and self.others_cores >= SHARED

    def _noisy(self) -> bool:
        """The machine was shared and the figures could be the neighbours' doing. Not
        when several cores were busy (neighbours only take cores away), nor when the
        program mostly waited while cores stayed idle (a program that computes takes
        every idle core it gets: the scheduler leaves none unused), nor when it used
        almost nothing (:data:`BARELY`: even on a full machine the scheduler gives a
        program that computes its share, far more than that)."""
        if not self.shared or self.avg_cores > ONE_CORE_HIGH or self.avg_cores < BARELY:
            return False
        idle = self.cpu_count - (self.others_cores or 0.0) - self.avg_cores
        return not (self.avg_cores < WAITING and idle >= MIN_IDLE)

    def verdict(self) -> str:
        """One plain sentence about what the numbers suggest (or why they cannot)."""
        avg = self.avg_cores
        if self.wall_s < SHORT_RUN_S:
            return (f"It ran for only {seconds(self.wall_s)}, too short to tell how it "
                    "uses the cores.")
        if self._noisy():
            return (f"Other programs used {self.others_cores:.1f} cores while it ran, so its "
                    f"{avg:.2f} cores busy on average are noisy: run it again on a quiet "
                    "machine before drawing a conclusion.")
        lead = f"It kept {avg:.2f} cores busy on average"
        if avg < WAITING:
            return (f"{lead}, far below one core: it mostly waited (for I/O, the network, "
                    "a sleep or a lock) rather than computed.")
        if avg < ONE_CORE_LOW:
            return f"{lead}: a mix, computing part of the time and waiting the rest."
        if avg <= ONE_CORE_HIGH:
            if self.max_threads <= 1 and self.max_processes <= 1:
                return f"{lead}: bound to one core, a single thread did the work."
            return (f"{lead}: bound to one core, so one thread ran at a time (the GIL, "
                    "or a single busy thread).")
        if self.max_processes > 1:
            return (f"{lead}: several cores at once, so more than one process worked in "
                    "parallel (or C code that releases the GIL).")
        return (f"{lead}: several cores at once from one process, so its threads ran in "
                "parallel: C code that releases the GIL, or a free-threaded build.")

    def command_text(self) -> str:
        """The command as a shell would read it, safe to print (control characters escaped)."""
        return clean_line(shlex.join(self.command or ()))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["v"] = SUMMARY_VERSION
        data["command"] = list(self.command) if self.command is not None else None
        data["signal"] = self.signal
        data["exit_status"] = self.exit_status()
        data["verdict"] = self.verdict()
        return data

    def format_text(self) -> str:
        if self.attached:
            what = f"process {self.pid} (attached; figures from the moment of attaching)"
        else:
            what = f"{self.command_text()} (pid {self.pid})"
        lines = [
            f"watched {what}: {self.describe_exit()}",
            f"  wall {seconds(self.wall_s)}   CPU {seconds(self.cpu_s)}   cores busy: "
            f"{self.avg_cores:.2f} on average, {self.peak_cores:.2f} at the peak "
            f"(of {self.cpu_count})",
            f"  processes: {self.max_processes} at once at most, {self.processes_seen} seen;"
            f"  threads: {self.max_threads} at once at most",
        ]
        if self.others_cores is not None:
            lines.append(f"  other programs: {self.others_cores:.2f} cores busy on average "
                         "meanwhile" + (" (a shared machine)" if self.shared else ""))
        if self.leftovers_ended:
            ended = plural(self.leftovers_ended, "process", "processes")
            lines.append(f"  {ended} it left running {'was' if self.leftovers_ended == 1 else 'were'}"
                         " ended")
        lines.append(f"  {self.verdict()}")
        return "\n".join(lines) + "\n"


__all__ = ["SUMMARY_VERSION", "Summary", "signal_name"]
