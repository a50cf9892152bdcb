"""The matrix view's tables, without Textual: the matrices run here, the tables reloaded from
the results history (matrices and sweeps), and the one on show (paged with ``[`` and ``]``).

The tables of this sitting and those of the history are two lists: the history is
a place the view goes to (``h``) and comes back from (``h`` or ``escape``, or a
change of what `r` runs), back to the current matrix. Each table from the history
is one machine's, so imported runs never mix with this machine's speedups
(:func:`gil_tui.engine.history.regroup.tables_from_history`); a scaling sweep stays
a sweep there.
"""

from __future__ import annotations

from typing import Any

from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.engine.history.regroup import tables_from_history
from gil_tui.engine.history.store import machine_label
from gil_tui.engine.text import plural

#: At most this many tables are kept (newest first).
MAX_TABLES = 50

#: What a table holds: a matrix, or (from the history) a scaling sweep.
Result = MatrixResult | SweepResult

#: A table, and whether it comes from the history.
Table = tuple[Result, bool]


def load_tables(store: Any) -> tuple[list[Result], list[str]]:
    """Every matrix and sweep of the history, oldest first, and the warnings of the reading
    (blocking: it reads the file; call it from a thread)."""
    entries, warnings = store.load()
    return tables_from_history(entries), warnings


def has_runs(result: Result) -> bool:
    """True when the table has at least one measured run (something to copy)."""
    if isinstance(result, SweepResult):
        return bool(result.points)
    return bool(result.runs)


def history_note(tables: list[Result]) -> str:
    """What a history reload found, in one notification."""
    if not tables:
        return ("The history is empty: matrices, sweeps and runs made here (and imported "
                "ones) show up there.")
    imported = sorted({machine_label(t.machine) for t in tables if t.imported})
    sweeps = sum(1 for t in tables if isinstance(t, SweepResult))
    text = f"{plural(len(tables), 'table')} from the history"
    if sweeps:
        text += f" ({plural(sweeps, 'scaling sweep')})"
    if imported:
        text += f", imported from {', '.join(imported)}"
    return text + ". [ and ] page through them; h or escape comes back."


class TableBook:
    """The tables of the matrix view and the one on show."""

    def __init__(self) -> None:
        #: This sitting's matrices, newest first.
        self.session: list[Table] = []
        #: The history's tables on show (newest first), or None outside the history.
        self.history: list[Table] | None = None
        self.index = 0

    @property
    def in_history(self) -> bool:
        """True while the tables of the history are on show."""
        return self.history is not None

    @property
    def tables(self) -> list[Table]:
        """The tables that ``[`` and ``]`` page through now."""
        return self.history if self.history is not None else self.session

    def __len__(self) -> int:
        return len(self.tables)

    @property
    def shown(self) -> Table | None:
        tables = self.tables
        return tables[self.index] if tables else None

    @property
    def position(self) -> tuple[int, int]:
        """(the table on show, counted from 1; how many there are)."""
        return self.index + 1, len(self.tables)

    def add(self, result: MatrixResult) -> None:
        """A matrix started here: it goes first, and on show (out of the history)."""
        self.session.insert(0, (result, False))
        del self.session[MAX_TABLES:]
        self.history = None
        self.index = 0

    def reload(self, history: list[Result], keep: MatrixResult | None = None) -> list[Result]:
        """Show the tables of the history (oldest first), ``keep`` (a matrix still running)
        first; returns the history's tables kept, newest first."""
        newest = list(reversed(history))[:MAX_TABLES]
        self.history = ([(keep, False)] if keep is not None else []) + [(t, True) for t in newest]
        self.index = 0
        return newest

    def leave_history(self) -> bool:
        """Back to this sitting's newest matrix; False when the history was not on show."""
        if self.history is None:
            return False
        self.history = None
        self.index = 0
        return True

    def page(self, step: int) -> bool:
        """Show a newer (``-1``) or an older (``1``) table; False when there is only one."""
        if len(self.tables) < 2:
            return False
        self.index = max(0, min(len(self.tables) - 1, self.index + step))
        return True
