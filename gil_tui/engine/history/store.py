"""The results history: every finished run, one JSON object per line, append-only.

The file is ``gil_tui.paths.history_path()`` (``$GIL_TUI_HOME/data/history.jsonl``
when that variable is set). Each line is a ``RunResult.to_dict()`` with four more
keys: ``machine`` (:func:`gil_tui.engine.system.monitor.machine_info`: hostname, cores,
platform...), ``source`` (``live``, ``compare``, ``bench`` or ``imported``),
``matrix`` (the id of the compare matrix the run belongs to, or null) and
``imported`` (true for runs made on another machine and brought in with
:meth:`HistoryStore.import_file`; those keep their original ``machine`` and the
source they had there as ``origin``).

Safety:

* An append writes whole lines on a descriptor opened with ``O_APPEND``, under
  an exclusive ``flock`` where the platform has it (one ``os.write`` for a run;
  an import writes its lines under the same one lock), so writers in several
  processes never interleave, and a crash loses at most the line being written.
  If the file does not end with a newline (a writer died mid-line), the new
  line starts on a line of its own.
* A history that cannot be written (read-only file, full disk) is left exactly as
  it is: the append raises :class:`HistoryError` ("the run was not saved").
* Reading goes one line at a time (:meth:`HistoryStore.scan`: memory stays flat
  whatever the number of runs); every line is checked field by field
  (:mod:`gil_tui.engine.history.validate`) and a bad one is skipped with a
  warning (returned, never printed), whatever it holds.
* A file that cannot be read at all (a directory, no permission, binary garbage
  throughout) is reported and moved aside to ``history.jsonl.broken-<timestamp>``,
  never deleted; a fresh history starts in its place.
* :meth:`HistoryStore.clear` never parses the file.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

from gil_tui.engine.history.entry import (SOURCES, HistoryEntry, HistoryError, Warnings,
                                          machine_cores, machine_key, machine_label)
from gil_tui.engine.history.importing import ImportReport, NotAFileError, import_into
from gil_tui.engine.history.validate import (MAX_LINE, EntryError, NotText, entry_from_dict,
                                             parse_line, read_lines)
from gil_tui.engine.run.results import RunResult
from gil_tui.engine.text import bytes_text

try:  # not on Windows: appends there rely on O_APPEND alone
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "SOURCES",
    "HistoryEntry",
    "HistoryError",
    "HistoryStore",
    "ImportReport",
    "NotAFileError",
    "entry_from_dict",
    "machine_cores",
    "machine_key",
    "machine_label",
]


class HistoryStore:
    """The history file: append, scan, load, clear, import."""

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 machine: dict[str, Any] | None = None) -> None:
        if path is None:
            from gil_tui import paths

            path = paths.history_path()
        self.path = Path(path)
        self._machine = machine
        #: Where a broken history was moved to by the last scan() or append(), if anywhere.
        self.moved_aside: Path | None = None

    @property
    def machine(self) -> dict[str, Any]:
        """This machine's description (computed once)."""
        if self._machine is None:
            from gil_tui.engine.system.monitor import machine_info

            self._machine = machine_info()
        return self._machine

    # ------------------------------------------------------------- writing

    def entry(self, result: RunResult, *, source: str = "live",
              matrix: str | None = None) -> HistoryEntry:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")
        return HistoryEntry(result, self.machine, source, matrix, imported=source == "imported")

    def append(self, result: RunResult, *, source: str = "live",
               matrix: str | None = None) -> HistoryEntry:
        """Add one run; raises HistoryError when the file cannot be written (the run is not
        saved, and the history is left as it is)."""
        entry = self.entry(result, source=source, matrix=matrix)
        self.append_payload([self.encode(entry)])
        return entry

    def append_entries(self, entries: Iterable[HistoryEntry]) -> int:
        """Add entries as they are (one locked write for all of them)."""
        chunks = [self.encode(e) for e in entries]
        if chunks:
            self.append_payload(chunks)
        return len(chunks)

    @staticmethod
    def encode(entry: HistoryEntry) -> bytes:
        """The history line of an entry."""
        return json.dumps(entry.to_dict(), separators=(",", ":"),
                          allow_nan=False).encode("utf-8") + b"\n"

    def append_payload(self, chunks: Iterable[bytes]) -> None:
        """Append whole lines (made by :meth:`encode`), under one lock; raises HistoryError.
        ``chunks`` is iterated again if the first try found a directory in the way."""
        try:
            self._append_bytes(chunks)
            return
        except OSError as exc:
            if not self._unusable(exc):
                raise HistoryError(f"cannot write the history {self.path}: "
                                   f"{exc.strerror or exc}") from None
            self._move_aside(exc)  # a directory, or a file we can neither read nor write
        try:
            self._append_bytes(chunks)
        except OSError as again:
            raise HistoryError(f"cannot write the history {self.path}: "
                               f"{again.strerror or again}") from None

    def _unusable(self, exc: OSError) -> bool:
        """A directory in the file's place, or a file that cannot be read either.

        A history that can be read is never moved aside because it cannot be
        written: its runs would vanish from `results` and the Compare tab."""
        if isinstance(exc, IsADirectoryError):
            return True
        if not isinstance(exc, PermissionError) or not self.path.exists():
            return False
        return not os.access(self.path, os.R_OK)

    def _append_bytes(self, chunks: Iterable[bytes]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _lock(fd)
            size = os.fstat(fd).st_size
            if size and hasattr(os, "pread") and os.pread(fd, 1, size - 1) != b"\n":
                _write_all(fd, b"\n")  # a writer died mid-line: start a line of our own
            for chunk in chunks:
                _write_all(fd, chunk)
        finally:
            os.close(fd)  # closing releases the lock

    # ------------------------------------------------------------- reading

    def scan(self, warnings: list[str] | None = None) -> Iterator[HistoryEntry]:
        """Every readable entry, oldest first, one line at a time.

        What was skipped is added to ``warnings`` (at most about twenty lines,
        the rest counted) when the scan ends. A history that is binary garbage
        throughout is moved aside once the scan has read it all.
        """
        self.moved_aside = None
        notes = Warnings()
        try:
            yield from self._scan(notes)
        finally:
            if warnings is not None:
                warnings.extend(notes.lines())

    def _scan(self, notes: Warnings) -> Iterator[HistoryEntry]:
        try:
            mode = os.stat(self.path).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(21, "Is a directory")
            if not stat.S_ISREG(mode):
                notes.add(f"the history {self.path} is not a regular file; it was left as it is")
                return
            f = open(self.path, "rb")
        except FileNotFoundError:
            return
        except (IsADirectoryError, PermissionError) as exc:
            notes.add(self._move_aside(exc))
            return
        except OSError as exc:
            notes.add(f"cannot read the history {self.path}: {exc.strerror or exc}")
            return
        name = self.path.name
        lines = entries = 0
        braces = binary = False
        with f:
            try:
                for number, line in read_lines(f):
                    lines += 1
                    if line is None:
                        notes.add(f"{name}, line {number}: skipped (longer than "
                                  f"{bytes_text(MAX_LINE)})")
                        continue
                    braces = braces or line.lstrip().startswith(b"{")
                    binary = binary or b"\x00" in line
                    try:
                        entry = parse_line(line)
                    except EntryError as exc:
                        binary = binary or isinstance(exc, NotText)
                        notes.add(f"{name}, line {number}: skipped ({exc})")
                        continue
                    entries += 1
                    yield entry
            except OSError as exc:  # an I/O error halfway: what was read stays
                notes.add(f"cannot read the rest of the history {self.path}: "
                          f"{exc.strerror or exc}")
                return
        if not entries and lines and (binary or not braces):
            notes.items, notes.more = [], 0  # one line says it all
            notes.add(self._move_aside(None))

    def load(self) -> tuple[list[HistoryEntry], list[str]]:
        """Every readable entry, oldest first, and warnings for what was skipped."""
        warnings: list[str] = []
        entries = list(self.scan(warnings))
        return entries, warnings

    def _move_aside(self, exc: OSError | None) -> str:
        """Rename the unusable history; returns the warning that says so."""
        why = "it is not a gil-tui history"
        if isinstance(exc, IsADirectoryError):
            why = "it is a directory"
        elif isinstance(exc, PermissionError):
            why = "it cannot be read (permission denied)"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        n = 1
        while target.exists() or target.is_symlink():
            n += 1
            target = self.path.with_name(f"{self.path.name}.broken-{stamp}-{n}")
        try:
            os.rename(self.path, target)
        except OSError as err:
            return (f"the history {self.path} is unusable ({why}) and could not be moved aside "
                    f"({err.strerror or err}); it was left as it is")
        self.moved_aside = target
        return (f"the history {self.path} was unusable ({why}); it was moved aside to "
                f"{target} and a new history starts")

    # ------------------------------------------------------------- the rest

    def clear(self) -> int:
        """Empty the history; returns how many lines (runs) it held. Never parses them."""
        try:
            fd = os.open(self.path, os.O_RDWR | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise HistoryError(f"cannot clear the history {self.path}: {exc.strerror or exc}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise HistoryError(f"cannot clear the history {self.path}: not a regular file")
            _lock(fd)
            count = _count_lines(fd)
            os.ftruncate(fd, 0)
        except OSError as exc:
            raise HistoryError(f"cannot clear the history {self.path}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        return count

    def import_file(self, path: str | os.PathLike[str]) -> ImportReport:
        """Add the runs of a history or ``compare --json``/``results --json`` file made elsewhere.

        Imported runs keep the machine they came from and are labelled
        ``imported``; runs already in the history are skipped. The file is
        streamed (see :mod:`gil_tui.engine.history.importing`): a regular file of
        at most 50 MiB. A file that is not ours raises HistoryError and changes
        nothing; a FIFO, a device or a directory raises :class:`NotAFileError`.
        """
        return import_into(self, path)


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # one write in practice; a short write (disk full) goes on
        written = os.write(fd, view)
        view = view[written:]


def _count_lines(fd: int) -> int:
    """Non-blank lines of an open file, read in chunks (never parsed, never held whole)."""
    count, pending = 0, False
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return count + pending
        *whole, last = chunk.split(b"\n")
        for part in whole:
            count += pending or bool(part.strip())
            pending = False
        pending = pending or bool(last.strip())
