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

* An append is one ``os.write`` of one whole line on a descriptor opened with
  ``O_APPEND``, under an exclusive ``flock`` where the platform has it, so
  writers in several processes never interleave, and a crash loses at most the
  line being written. If the file does not end with a newline (a writer died
  mid-line), the new line starts on a line of its own.
* Reading skips a corrupt line with a warning (returned, never printed) and keeps
  every other line.
* A file that cannot be read at all (a directory, no permission, binary garbage
  throughout) is reported and moved aside to ``history.jsonl.broken-<timestamp>``,
  never deleted; a fresh history starts in its place.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from gil_tui.engine.run.results import RunResult

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
    "entry_from_dict",
    "machine_key",
    "machine_label",
    "parse_document",
]

SOURCES = ("live", "compare", "bench", "imported")
_RUN_KEYS = ("format", "spec", "interpreter", "wall_s", "cpu_s")


class HistoryError(RuntimeError):
    """The history (or a file to import) cannot be used; the message says why, in one line."""


def machine_key(machine: dict[str, Any] | None) -> tuple:
    """Runs with the same key were made on the same machine."""
    m = machine or {}
    return (m.get("hostname"), m.get("cpu_model"), m.get("cpu_count_logical"), m.get("platform"))


def machine_cores(machine: dict[str, Any] | None) -> int | None:
    m = machine or {}
    for name in ("cpu_count_usable", "cpu_count_logical", "cores"):
        value = m.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def machine_label(machine: dict[str, Any] | None) -> str:
    """``host (16 cores)``, or ``unknown machine``."""
    m = machine or {}
    host = m.get("hostname") or "unknown machine"
    cores = machine_cores(m)
    return f"{host} ({cores} core{'s' if cores != 1 else ''})" if cores else str(host)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history."""

    result: RunResult
    machine: dict[str, Any] = field(default_factory=dict)
    source: str = "live"
    matrix: str | None = None
    imported: bool = False
    #: for imported runs, the source they had on the machine they came from
    origin: str | None = None

    @property
    def machine_key(self) -> tuple:
        return machine_key(self.machine)

    @property
    def machine_label(self) -> str:
        return machine_label(self.machine)

    @property
    def cores(self) -> int | None:
        return machine_cores(self.machine) or self.result.interpreter.cpu_count

    def to_dict(self) -> dict[str, Any]:
        data = self.result.to_dict()
        data["machine"] = dict(self.machine)
        data["source"] = self.source
        data["matrix"] = self.matrix
        data["imported"] = self.imported
        if self.origin is not None:
            data["origin"] = self.origin
        return data

    def as_imported(self) -> "HistoryEntry":
        if self.imported:
            return self
        return HistoryEntry(self.result, self.machine, "imported", self.matrix, True,
                            origin=self.source)

    def identity(self) -> tuple:
        """Two entries with the same identity are the same run (used to skip re-imports)."""
        r = self.result
        return (machine_key(self.machine), round(r.started_at, 3), r.interpreter.path,
                r.spec.workload.value, r.spec.mode.value, r.spec.workers, round(r.wall_s, 6))


def entry_from_dict(data: Any, *, machine: dict[str, Any] | None = None) -> HistoryEntry:
    """Build an entry from one decoded line; raises ValueError when it is not one of ours."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in _RUN_KEYS if k not in data]
    if missing:
        raise ValueError(f"not a gil-tui run (missing {', '.join(missing)})")
    if data["format"] != 1:
        raise ValueError(f"run format {data['format']!r} is not one this gil-tui reads (1)")
    try:
        result = RunResult.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid run: {exc}") from None
    found = data.get("machine")
    if not isinstance(found, dict):
        found = machine or {}
    source = data.get("source")
    if source not in SOURCES:
        source = "live"
    matrix = data.get("matrix")
    origin = data.get("origin")
    return HistoryEntry(
        result=result,
        machine=dict(found),
        source=source,
        matrix=matrix if isinstance(matrix, str) else None,
        imported=data.get("imported") is True or source == "imported",
        origin=origin if isinstance(origin, str) else None,
    )


def _looks_binary(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _parse_lines(raw: bytes, name: str) -> tuple[list[HistoryEntry], list[str], int]:
    """Entries, warnings and how many non-blank lines there were."""
    entries: list[HistoryEntry] = []
    warnings: list[str] = []
    lines = 0
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        lines += 1
        try:
            data = json.loads(line.decode("utf-8"))
            entries.append(entry_from_dict(data))
        except (UnicodeDecodeError, ValueError) as exc:
            reason = "not valid JSON" if isinstance(exc, json.JSONDecodeError) else str(exc)
            if isinstance(exc, UnicodeDecodeError):
                reason = "not UTF-8 text"
            warnings.append(f"{name}, line {number}: skipped ({reason})")
    return entries, warnings, lines


def parse_document(raw: bytes, name: str) -> tuple[list[HistoryEntry], list[str]]:
    """Entries from a history file, a ``results --json`` or a ``compare --json`` output.

    Raises :class:`HistoryError` when the file holds nothing of ours.
    """
    text = raw.strip()
    if not text:
        raise HistoryError(f"{name} is empty")
    if text.startswith(b"{"):
        try:
            whole = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            whole = None  # several lines: a history file
        if isinstance(whole, dict) and whole.get("kind") in ("gil-tui-compare", "gil-tui-results"):
            return _parse_export(whole, name)
        if isinstance(whole, dict) and "spec" in whole and "machine" not in whole:
            raise HistoryError(
                f"{name} is a single run without a machine description (a `bench --json` "
                "output?); import a `compare --json` or `results --json` file or a history file")
    entries, warnings, lines = _parse_lines(raw, name)
    if not entries:
        raise HistoryError(
            f"{name} is not a gil-tui history or `compare --json`/`results --json` file "
            f"(none of its {lines} line(s) is a gil-tui run)")
    return entries, warnings


def _parse_export(whole: dict[str, Any], name: str) -> tuple[list[HistoryEntry], list[str]]:
    items = whole.get("runs") if whole.get("kind") == "gil-tui-compare" else whole.get("entries")
    if not isinstance(items, list):
        raise HistoryError(f"{name}: a {whole.get('kind')} file without its list of runs")
    machine = whole.get("machine") if isinstance(whole.get("machine"), dict) else None
    entries, warnings = [], []
    for n, item in enumerate(items, start=1):
        try:
            entries.append(entry_from_dict(item, machine=machine))
        except ValueError as exc:
            warnings.append(f"{name}, run {n}: skipped ({exc})")
    if not entries:
        raise HistoryError(f"{name} holds no run gil-tui can read")
    return entries, warnings


@dataclass(frozen=True)
class ImportReport:
    added: int
    duplicates: int
    machines: tuple[str, ...]
    warnings: tuple[str, ...]

    def summary(self) -> str:
        where = ", ".join(self.machines) or "an unknown machine"
        text = f"imported {self.added} run{'s' if self.added != 1 else ''} from {where}"
        if self.duplicates:
            text += f" ({self.duplicates} already in the history, skipped)"
        return text


class HistoryStore:
    """The history file: append, load, clear, import."""

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 machine: dict[str, Any] | None = None) -> None:
        if path is None:
            from gil_tui import paths

            path = paths.history_path()
        self.path = Path(path)
        self._machine = machine
        #: Where a broken history was moved to by the last load() or append(), if anywhere.
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
        """Add one run; raises HistoryError when the file cannot be written."""
        entry = self.entry(result, source=source, matrix=matrix)
        self._write_lines([entry])
        return entry

    def append_entries(self, entries: Iterable[HistoryEntry]) -> int:
        """Add entries as they are (one write for all of them)."""
        items = list(entries)
        if items:
            self._write_lines(items)
        return len(items)

    def _write_lines(self, entries: list[HistoryEntry]) -> None:
        payload = b"".join(
            json.dumps(e.to_dict(), separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"
            for e in entries)
        try:
            self._append_bytes(payload)
        except (IsADirectoryError, PermissionError) as exc:
            # cannot be written as it is: keep it, start afresh next to it
            self._move_aside(exc)
            try:
                self._append_bytes(payload)
            except OSError as again:
                raise HistoryError(f"cannot write the history {self.path}: "
                                   f"{again.strerror or again}") from None
        except OSError as exc:
            raise HistoryError(f"cannot write the history {self.path}: {exc.strerror or exc}") from None

    def _append_bytes(self, payload: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _lock(fd)
            size = os.fstat(fd).st_size
            if size and hasattr(os, "pread") and os.pread(fd, 1, size - 1) != b"\n":
                payload = b"\n" + payload  # a writer died mid-line: start a line of our own
            view = memoryview(payload)
            while view:  # one write in practice; a short write (disk full) goes on
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)  # closing releases the lock

    # ------------------------------------------------------------- reading

    def load(self) -> tuple[list[HistoryEntry], list[str]]:
        """Every readable entry, oldest first, and warnings for what was skipped."""
        self.moved_aside = None
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return [], []
        except (IsADirectoryError, PermissionError) as exc:
            return [], [self._move_aside(exc)]
        except OSError as exc:
            return [], [f"cannot read the history {self.path}: {exc.strerror or exc}"]
        entries, warnings, lines = _parse_lines(raw, self.path.name)
        if not entries and lines and (_looks_binary(raw) or not any(
                line.lstrip().startswith(b"{") for line in raw.split(b"\n"))):
            return [], [self._move_aside(None)]
        return entries, warnings

    def _move_aside(self, exc: OSError | None) -> str:
        """Rename the unusable history; returns the warning that says so."""
        why = "it is not a gil-tui history"
        if isinstance(exc, IsADirectoryError):
            why = "it is a directory"
        elif isinstance(exc, PermissionError):
            why = "it cannot be read or written (permission denied)"
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
        """Empty the history; returns how many runs it held."""
        entries, _ = self.load()
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise HistoryError(f"cannot clear the history {self.path}: {exc.strerror or exc}") from None
        try:
            _lock(fd)
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)
        return len(entries)

    def import_file(self, path: str | os.PathLike[str]) -> ImportReport:
        """Add the runs of a history or ``compare --json``/``results --json`` file made elsewhere.

        Imported runs keep the machine they came from and are labelled
        ``imported``; runs already in the history are skipped. A file that is not
        ours raises HistoryError and changes nothing.
        """
        source = Path(path)
        try:
            raw = source.read_bytes()
        except IsADirectoryError:
            raise HistoryError(f"{source} is a directory, not a file to import") from None
        except OSError as exc:
            raise HistoryError(f"cannot read {source}: {exc.strerror or exc}") from None
        if _looks_binary(raw):
            raise HistoryError(f"{source} is not a gil-tui file (binary content)")
        found, warnings = parse_document(raw, source.name)
        current, _ = self.load()
        seen = {e.identity() for e in current}
        fresh, duplicates = [], 0
        for entry in found:
            key = entry.identity()
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            fresh.append(entry.as_imported())
        self.append_entries(fresh)
        machines = tuple(dict.fromkeys(e.machine_label for e in fresh or found))
        return ImportReport(len(fresh), duplicates, machines, tuple(warnings))


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
