"""Reading a file to import: a history, or a ``results --json`` / ``compare --json`` output.

The file is read as it streams, never whole:

* only a regular file is opened (a FIFO, a device, a directory is refused with
  :class:`NotAFileError` before anything is read; opening never blocks), and
  one larger than :data:`MAX_IMPORT_BYTES` is refused;
* a history (one run per line) is read line by line; each line is at most
  :data:`~gil_tui.engine.history.validate.MAX_LINE` bytes;
* a JSON document (one object, possibly on one huge line) is walked member by
  member, and the runs in its list are decoded one at a time, so memory stays
  about one run whatever the file's size.

Every run goes through :func:`~gil_tui.engine.history.validate.entry_from_dict`;
a bad one is skipped with one warning naming its line (or its place in the list).
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Callable

from gil_tui.engine.history.entry import HistoryEntry, HistoryError, Warnings
from gil_tui.engine.history.jsonstream import JSONText, NotJSON
from gil_tui.engine.history.validate import (MAX_LINE, EntryError, clean_machine, entry_from_dict,
                                             parse_line, read_lines)
from gil_tui.engine.text import bytes_text, clean_line

__all__ = ["MAX_IMPORT_BYTES", "ImportReport", "NotAFileError", "import_into", "open_regular",
           "read_import"]

#: the largest file ``results --import`` takes
MAX_IMPORT_BYTES = 50 * 1024 * 1024
_CHUNK = 64 * 1024
_KINDS = {"gil-tui-compare": "runs", "gil-tui-results": "entries"}


class NotAFileError(HistoryError):
    """The path to import is not a regular file (a FIFO, a device, a directory): a usage error."""


def open_regular(path: str | os.PathLike[str], limit: int | None = None) -> IO[bytes]:
    """Open a regular file of at most ``limit`` bytes (:data:`MAX_IMPORT_BYTES`) for
    reading, without ever blocking; refuse anything else with one line."""
    limit = MAX_IMPORT_BYTES if limit is None else limit
    name = clean_line(os.fspath(path))
    try:
        before = os.stat(path)
    except OSError as exc:
        raise HistoryError(f"cannot read {name}: {exc.strerror or exc}") from None
    _check_kind(before.st_mode, name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise HistoryError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)  # what was opened, in case the path changed since the stat
        _check_kind(info.st_mode, name)
        if info.st_size > limit:
            raise HistoryError(f"{name} is {bytes_text(info.st_size)}; gil-tui imports files "
                               f"of up to {bytes_text(limit)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_kind(mode: int, name: str) -> None:
    if stat.S_ISREG(mode):
        return
    what = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise NotAFileError(f"{name} is {what}, not a file to import")


class _Capped(io.RawIOBase):
    """A file that raises HistoryError once more than ``limit`` bytes were read (it grew)."""

    def __init__(self, f: IO[bytes], name: str, limit: int) -> None:
        self._f, self._name, self._limit, self.count = f, name, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._f.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        if self.count > self._limit:
            raise HistoryError(f"{self._name} grew past {bytes_text(self._limit)} while it was "
                               "read; gil-tui imports files of up to that size")
        return n or 0


def _sniff(f: IO[bytes]) -> dict[str, Any] | None:
    """What the file is, from a walk of its first JSON value: ``kind``, ``machine``, ``spec``
    (whether there is one) and ``single`` (nothing follows), or None when it is not an object."""
    text = JSONText(f)
    found: dict[str, Any] = {"kind": None, "machine": None, "spec": False, "error": None}
    try:
        if text.peek() != "{":
            return None
        for key, value in text.members():
            if key == "kind" and isinstance(value, str):
                found["kind"] = value
            elif key == "machine":
                found["machine"] = value
            elif key == "spec":
                found["spec"] = True
        found["single"] = text.peek() == ""
    except NotJSON as exc:
        found["single"], found["error"] = False, str(exc)
    return found


Sink = Callable[[HistoryEntry], None]


def read_import(f: IO[bytes], name: str, on_entry: Sink, warnings: Warnings,
                limit: int | None = None) -> int:
    """Feed every valid run of an open file to ``on_entry``; return how many there were.

    Raises HistoryError (and nothing else) when the file holds nothing of ours or
    cannot be read to its end (then nothing must be kept of what ``on_entry`` got),
    or grows past ``limit`` bytes (:data:`MAX_IMPORT_BYTES`) while it is read.
    """
    limit = MAX_IMPORT_BYTES if limit is None else limit
    head = f.read(_CHUNK)
    if not head.strip():
        raise HistoryError(f"{name} is empty")
    if _mostly_binary(head):  # one bad line among good ones is skipped with a warning later
        raise HistoryError(f"{name} is not a gil-tui file (binary content)")
    f.seek(0)
    found = _sniff(_Capped(f, name, limit))  # type: ignore[arg-type]
    f.seek(0)
    if found is not None and found["kind"] in _KINDS:
        if found["error"]:
            raise HistoryError(f"{name}: a {found['kind']} file that is not valid JSON "
                               f"({found['error']}; cut short?)")
        if not found["single"]:
            raise HistoryError(f"{name} holds more than one JSON document; import them one "
                               "file at a time")
        return _read_document(io.BufferedReader(_Capped(f, name, limit)), name, found, on_entry,
                              warnings)
    if found is not None and found.get("single") and found["spec"] and found["machine"] is None:
        raise HistoryError(
            f"{name} is a single run without a machine description (a `bench --json` "
            "output?); import a `compare --json` or `results --json` file or a history file")
    return _read_history(io.BufferedReader(_Capped(f, name, limit)), name, on_entry, warnings)


def _broken_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a cut last character is fine
    except UnicodeDecodeError:
        return True
    return False


def _mostly_binary(head: bytes) -> bool:
    """True when most of the first chunk's bytes are in lines that are not text (a NUL, or
    not UTF-8): a binary file; a few such lines in a text file are not."""
    bad = sum(len(line) + 1 for line in head.split(b"\n")
              if b"\x00" in line or _broken_utf8(line))
    return bad * 2 > len(head)


def _read_document(f: IO[bytes], name: str, found: dict[str, Any], on_entry: Sink,
                   warnings: Warnings) -> int:
    kind = found["kind"]
    machine = None
    if found["machine"] is not None:
        try:
            machine = clean_machine(found["machine"])
        except EntryError as exc:
            raise HistoryError(f"{name}: {exc}") from None
    wanted, count, listed = _KINDS[kind], 0, False
    try:
        for key, value in JSONText(f).members():
            if key != wanted or not isinstance(value, Iterator):
                continue
            listed = True
            for n, item in enumerate(value, start=1):
                try:
                    entry = entry_from_dict(item, machine=machine)
                except EntryError as exc:
                    warnings.add(f"{name}, run {n}: skipped ({exc})")
                    continue
                on_entry(entry)
                count += 1
    except NotJSON as exc:  # the file changed between the two reads
        raise HistoryError(f"{name} changed while it was read ({exc})") from None
    if not listed:
        raise HistoryError(f"{name}: a {kind} file without its list of runs")
    if not count:
        raise HistoryError(f"{name} holds no run gil-tui can read")
    return count


def _read_history(f: IO[bytes], name: str, on_entry: Sink, warnings: Warnings) -> int:
    count = lines = 0
    for number, line in read_lines(f):
        lines += 1
        if line is None:
            warnings.add(f"{name}, line {number}: skipped (longer than {bytes_text(MAX_LINE)})")
            continue
        try:
            entry = parse_line(line)
        except EntryError as exc:
            warnings.add(f"{name}, line {number}: skipped ({exc})")
            continue
        on_entry(entry)
        count += 1
    if not lines:
        raise HistoryError(f"{name} is empty")
    if not count:
        raise HistoryError(
            f"{name} is not a gil-tui history or `compare --json`/`results --json` file "
            f"(none of its {lines} line(s) is a gil-tui run)")
    return count


# ------------------------------------------------------------------ the import


_MAX_MACHINES = 5


@dataclass(frozen=True)
class ImportReport:
    added: int
    duplicates: int
    machines: tuple[str, ...]
    warnings: tuple[str, ...]
    #: machines beyond the ones named in ``machines``
    more_machines: int = 0

    def summary(self) -> str:
        where = ", ".join(self.machines) or "an unknown machine"
        if self.more_machines:
            where += f" and {self.more_machines} more machine(s)"
        text = f"imported {self.added} run{'s' if self.added != 1 else ''} from {where}"
        if self.duplicates:
            text += f" ({self.duplicates} already in the history, skipped)"
        return clean_line(text)


class _Machines:
    """Machine labels in order of appearance: the first few by name, the rest counted."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.others: set[int] = set()

    def add(self, label: str) -> None:
        if label in self.names:
            return
        if len(self.names) < _MAX_MACHINES:
            self.names[label] = None
        elif len(self.others) < 100_000:
            self.others.add(hash(label))


class _Spool:
    """The new history lines, kept in a temporary file until the whole import was read
    (nothing is written to the history before that); iterating re-reads it in blocks."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.count = 0

    def add(self, line: bytes) -> None:
        self.file.write(line)
        self.count += 1

    def __iter__(self) -> Iterator[bytes]:
        self.file.seek(0)
        return iter(lambda: self.file.read(1 << 20), b"")

    def __enter__(self) -> "_Spool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


def import_into(store: Any, path: str | os.PathLike[str]) -> ImportReport:
    """The import behind :meth:`HistoryStore.import_file` (see there)."""
    name = clean_line(os.path.basename(os.fspath(path)) or os.fspath(path))
    seen = {hash(e.identity()) for e in store.scan()}  # an int a run, not a whole entry
    try:
        return _import(store, path, name, seen)
    except OSError as exc:  # an I/O error while reading, no room for the spool...
        raise HistoryError(f"cannot import {name}: {exc.strerror or exc}") from None


def _import(store: Any, path: str | os.PathLike[str], name: str, seen: set[int]) -> ImportReport:
    duplicates = 0
    added_from, found_from = _Machines(), _Machines()
    warnings = Warnings()
    with open_regular(path) as f, _Spool() as fresh:

        def take(entry: HistoryEntry) -> None:
            nonlocal duplicates
            found_from.add(entry.machine_label)
            key = hash(entry.identity())
            if key in seen:
                duplicates += 1
                return
            seen.add(key)
            fresh.add(store.encode(entry.as_imported()))
            added_from.add(entry.machine_label)

        read_import(f, name, take, warnings)
        if fresh.count:
            store.append_payload(fresh)
    machines = added_from if fresh.count else found_from
    return ImportReport(fresh.count, duplicates, tuple(machines.names),
                        tuple(warnings.lines()), len(machines.others))
