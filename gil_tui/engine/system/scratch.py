"""Temp folders of our own for what gil-tui starts, and the sweep of stale ones.

Every child that :mod:`gil_tui.engine.system.processes` starts gets ``TMPDIR``
pointed at a fresh folder made here, so whatever it leaves in "the temp dir"
(multiprocessing's ``pymp-*`` folders and the fork server's socket, which a
killed run never removes) lands in a folder that is ours to remove:

* :func:`make` creates ``<system temp>/gil-tui-<uid>-<pid>-<random>``
  (mode 0700; ``pid`` is gil-tui's own) and remembers it. The name is short
  because the fork server's socket ends up three levels below it
  (``pymp-*/listener-*``) and an AF_UNIX path holds ~104 bytes (macOS; 108 on
  Linux): when the system temp dir is too long for that (macOS's own TMPDIR is
  49 characters), the folder goes in ``/tmp`` instead;
* :func:`remove` removes one (``processes.end_group`` calls it once the group
  is gone); :func:`remove_all` removes every folder this process still holds
  (``processes`` calls it at exit and on SIGTERM/SIGHUP);
* :func:`sweep_stale` removes what a gil-tui that could not clean up (SIGKILL,
  a power cut) left behind: only folders named ``gil-tui-<our uid>-<pid>-...``
  whose ``pid`` is not running, owned by our uid, not symbolic links, and older
  than an hour; plus folders of the older ``gil-tui-main-guard-`` scheme (same
  owner and age rules). Nothing else is touched, never another program's
  folder. :func:`make` runs it once per process, the first time it is called.

Standard library only; never raises for a folder it cannot remove.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time

__all__ = ["PREFIX", "STALE_AFTER_S", "held", "make", "remove", "remove_all", "sweep_stale"]

PREFIX = "gil-tui-"
#: names gil-tui used for its own temp folders before they carried uid and pid
LEGACY_PREFIXES = ("gil-tui-main-guard-",)
STALE_AFTER_S = 3600.0
#: the longest socket path every platform takes (macOS: 104 bytes with the final NUL)
SOCKET_PATH_MAX = 100
#: what multiprocessing nests under our folder: ``/pymp-XXXXXXXX/listener-XXXXXXXX``
NESTED = len("/pymp-xxxxxxxx/listener-xxxxxxxx")
#: where a folder goes when the system temp dir is too long for a socket path
SHORT_BASE = "/tmp"

_held: set[str] = set()
_swept = False


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def _mine() -> str:
    return f"{PREFIX}{_uid()}-"


def base_for_sockets(where: str | None = None) -> str:
    """``where`` (default: the system temp dir), or /tmp when a socket nested in a folder of
    ours there would pass :data:`SOCKET_PATH_MAX` bytes and /tmp is a usable folder."""
    where = where or tempfile.gettempdir()
    name = len(f"/{_mine()}{os.getpid()}-xxxxxxxx")
    if len(os.fsencode(where)) + name + NESTED <= SOCKET_PATH_MAX:
        return where
    if os.path.isdir(SHORT_BASE) and os.access(SHORT_BASE, os.W_OK | os.X_OK):
        return SHORT_BASE
    return where  # nothing shorter: the fork server may refuse, the other methods work


def make(label: str = "run") -> str:
    """A new empty folder of ours in the system temp dir, or in /tmp when that is too long
    for a socket path (see :func:`base_for_sockets`); sweeps stale ones the first time.
    ``label`` is not part of the name any more (kept for the callers; names stay short)."""
    global _swept
    base = base_for_sockets()
    if not _swept:
        _swept = True
        sweep_stale()
        if base != tempfile.gettempdir():
            sweep_stale(where=base)
    path = tempfile.mkdtemp(prefix=f"{_mine()}{os.getpid()}-", dir=base)
    _held.add(path)
    return path


def held() -> list[str]:
    """The folders this process made and has not removed yet."""
    return sorted(_held)


def remove(path: str | None) -> None:
    """Remove a folder :func:`make` returned (and everything in it); quiet on errors."""
    if not path:
        return
    _held.discard(path)
    shutil.rmtree(path, ignore_errors=True)


def remove_all() -> None:
    """Remove every folder this process made and still holds."""
    for path in list(_held):
        remove(path)


def forget_all() -> None:
    """Forget the folders without removing them (a forked child: they are its parent's)."""
    _held.clear()


def _pid_in(rest: str) -> int | None:
    head = rest.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _running(pid: int) -> bool:
    if pid <= 0:
        return True  # not a name we made: keep it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def sweep_stale(max_age: float = STALE_AFTER_S, *, where: str | None = None,
                now: float | None = None) -> list[str]:
    """Remove stale temp folders of ours (see the module docstring); returns their paths."""
    where = where or tempfile.gettempdir()
    now = time.time() if now is None else now
    uid, mine = _uid(), _mine()
    removed: list[str] = []
    try:
        entries = list(os.scandir(where))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if name.startswith(mine):
            pid = _pid_in(name[len(mine):])
            if pid is None or pid == os.getpid() or _running(pid):
                continue
        elif not name.startswith(LEGACY_PREFIXES):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
            continue
        if now - info.st_mtime < max_age:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(entry.path)
    return removed
