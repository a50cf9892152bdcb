"""Read-only views of the process table for :mod:`gil_tui.engine.system.processes`.

Zombie aware throughout: a process that has exited and waits to be reaped
(a worker's child reparented to init, or our own child before ``wait``)
counts as gone. That is why nothing here uses a signal 0 sent to the group, which calls
a group alive as long as a zombie member is not reaped, on some machines for a
second or more.

* :func:`snapshot` ``() -> {pid: Row}``: parent, group, zombie flag and start
  time of every process (one read of ``/proc/PID/stat`` each on Linux; psutil
  elsewhere);
* :func:`group_members` ``(pgid) -> [pid]`` and :func:`group_alive` ``(pgid)``;
* :func:`count_descendants` ``(pid)``: live processes below ``pid`` now;
* :func:`system_busy_seconds`: busy CPU seconds of the whole machine since boot;
* :class:`Tree` ``(pgid, root)``: the live processes of a group plus every
  descendant of ``root`` and of the group's members found by parentage,
  remembered by pid and start time, so that a child which left the group
  (``setsid``) and was then handed to init when its parent died is still known.

Nothing here sends a signal; :mod:`processes` does.
"""

from __future__ import annotations

import os
import time
from typing import NamedTuple

__all__ = ["Row", "Tree", "count_descendants", "group_alive", "group_members", "snapshot",
           "system_busy_seconds"]

_PROC = os.path.isdir("/proc/self")
POLL_S = 0.02


class Row(NamedTuple):
    ppid: int
    pgid: int
    zombie: bool
    #: when it started (clock ticks since boot on Linux): a pid with another start was reused
    start: float


def snapshot() -> dict[int, Row]:
    """Every process now (those that vanish while it is read are left out)."""
    table: dict[int, Row] = {}
    if _PROC:
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    data = handle.read()
                rest = data[data.rindex(b")") + 2:].split()  # the name may hold ")" and spaces
                table[int(name)] = Row(int(rest[1]), int(rest[2]), rest[0] in (b"Z", b"X"),
                                       float(rest[19]))
            except (OSError, ValueError, IndexError):
                continue
        return table
    import psutil  # pragma: no cover - macOS and the BSDs

    for proc in psutil.process_iter():  # pragma: no cover
        try:
            table[proc.pid] = Row(proc.ppid(), os.getpgid(proc.pid),
                                  proc.status() == psutil.STATUS_ZOMBIE, proc.create_time())
        except (OSError, psutil.Error):
            continue
    return table  # pragma: no cover


def group_members(pgid: int) -> list[int]:
    """Pids of the live (not zombie) processes of group ``pgid``."""
    return sorted(pid for pid, row in snapshot().items() if row.pgid == pgid and not row.zombie)


def group_alive(pgid: int) -> bool:
    """Whether group ``pgid`` has a live member."""
    return bool(group_members(pgid))


def _children(table: dict[int, Row]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, row in table.items():
        children.setdefault(row.ppid, []).append(pid)
    return children


def count_descendants(pid: int) -> int:
    """Live processes below ``pid`` now."""
    table = snapshot()
    children = _children(table)
    count, todo = 0, list(children.get(pid, ()))
    while todo:
        child = todo.pop()
        count += not table[child].zombie
        todo.extend(children.get(child, ()))
    return count


def system_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (every process)."""
    import psutil

    times = psutil.cpu_times()
    return sum(getattr(times, name) for name in times._fields
               if name not in ("idle", "iowait", "guest", "guest_nice"))  # guest is in user


class Tree:
    """Group ``pgid`` and, by parentage, every descendant of ``root`` and of its members."""

    def __init__(self, pgid: int, root: int | None = None) -> None:
        self.pgid = pgid
        self.known: dict[int, float] = {}
        self.roots = {root} if root else set()
        #: live pids from the last :meth:`scan`, and those of them outside the group
        self.live: list[int] = []
        self.outside: list[int] = []
        self.scan()

    def scan(self) -> list[int]:
        """Look again; returns the live pids (the group first walked, then the tree)."""
        table = snapshot()
        self.known = {pid: t for pid, t in self.known.items()
                      if pid in table and table[pid].start == t}
        ours = {pid for pid, row in table.items() if row.pgid == self.pgid}
        ours |= set(self.known) | {pid for pid in self.roots if pid in table}
        children = _children(table)
        todo = list(ours)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in ours:
                    ours.add(child)
                    todo.append(child)
        ours.discard(os.getpid())
        for pid in ours:
            self.known.setdefault(pid, table[pid].start)
        self.live = sorted(pid for pid in ours if not table[pid].zombie)
        self.outside = [pid for pid in self.live if table[pid].pgid != self.pgid]
        return self.live

    @property
    def group_has_members(self) -> bool:
        return len(self.live) > len(self.outside)

    def wait_empty(self, timeout: float) -> bool:
        """Scan until nothing is alive (True) or ``timeout`` s passed (False)."""
        deadline = time.monotonic() + timeout
        while self.scan():
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)
        return True
