"""One line of the results history, the machine it was measured on, and the history's error.

A :class:`HistoryEntry` is a :class:`~gil_tui.engine.run.results.RunResult` plus
where it comes from: the ``machine`` (hostname, cores, platform...), the
``source`` (``live``, ``compare``, ``bench`` or ``imported``), the compare
``matrix`` id, and for runs imported from another machine the ``origin`` (the
source they had there). Entries read from a file are built by
:func:`gil_tui.engine.history.validate.entry_from_dict`, which checks and cleans
every field first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gil_tui.engine.run.results import RunResult
from gil_tui.engine.text import clean_line, plural

__all__ = [
    "MAX_WARNINGS",
    "SOURCES",
    "HistoryEntry",
    "HistoryError",
    "Warnings",
    "machine_cores",
    "machine_key",
    "machine_label",
]

SOURCES = ("live", "compare", "bench", "imported")

#: warnings kept word for word per read; the rest are counted in one last line
MAX_WARNINGS = 20


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
    host = clean_line(m.get("hostname") or "unknown machine")
    cores = machine_cores(m)
    return f"{host} ({cores} core{'s' if cores != 1 else ''})" if cores else host


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


class Warnings:
    """What a read skipped: the first :data:`MAX_WARNINGS` lines word for word, then a count.

    A file with a million bad lines gives twenty-one lines of warnings, not a million.
    Every warning is cleaned (it may quote a file name or a value from outside).
    """

    def __init__(self, limit: int = MAX_WARNINGS) -> None:
        self.limit = limit
        self.items: list[str] = []
        self.more = 0

    def add(self, text: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(clean_line(text, max_len=300))
        else:
            self.more += 1

    def __len__(self) -> int:
        return len(self.items) + self.more

    def lines(self) -> list[str]:
        if not self.more:
            return list(self.items)
        return self.items + [f"... and {plural(self.more, 'more warning')} like these"]
