"""The Interpreters tab's table and words, without Textual: each interpreter's cells, the
columns' widths, the summary and detail lines, and how an added path joins the list."""

from __future__ import annotations

from typing import Sequence

from gil_tui.engine.system.interpreters import MIN_VERSION, Interpreter, InterpreterError
from gil_tui.engine.text import clean_line, plural
from gil_tui.ui.text import shorten_path

#: (key, header) of the table's columns; the path comes last and takes what is left.
COLUMNS = (
    ("version", "Version"),
    ("build", "Build"),
    ("gil", "GIL now"),
    ("aiohttp", "aiohttp"),
    ("source", "Source"),
    ("supported", "Supported"),
    ("path", "Path"),
)
SUPPORTED_WIDTH = 14  # longer reasons are cut; the line under the table has them in full
MIN_PATH_WIDTH = 12


def support_text(interp: Interpreter) -> str:
    """``ok``, or why gil-tui cannot run benchmarks with this interpreter, briefly."""
    if interp.supported:
        return "ok"
    if interp.version is not None:
        if interp.implementation not in (None, "cpython"):
            return "not CPython"
        return f"needs {MIN_VERSION[0]}.{MIN_VERSION[1]}+"
    reason = interp.reason or "unknown problem"
    if interp.path:
        reason = reason.replace(interp.path, "")
    return clean_line(" ".join(reason.split()).strip(" :")) or "unknown problem"


def row_cells(interp: Interpreter) -> list[str]:
    """The table's cells for one interpreter, path excluded (it is shortened to fit); what
    the interpreter said of itself is cleaned (:func:`gil_tui.engine.text.clean_line`)."""
    if interp.version is None:
        version = build = gil = "?"
    else:
        version = clean_line(interp.version) + ("t" if interp.free_threaded else "")
        if interp.implementation and interp.implementation != "cpython":
            version = f"{clean_line(interp.implementation)} {version}"
        build = "free-threaded" if interp.free_threaded else "GIL"
        gil = {True: "on", False: "off", None: "?"}[interp.gil_enabled]
    aiohttp = "yes" if interp.has_aiohttp else ("no" if interp.version else "?")
    return [version, build, gil, aiohttp, clean_line(interp.source), support_text(interp)]


def column_widths(rows: list[list[str]], paths: Sequence[str], table_width: int) -> list[int]:
    """Widths of every column: the reasons get what the paths leave; the path the rest."""
    widths = [max([len(header)] + [len(row[col]) for row in rows])
              for col, (_, header) in enumerate(COLUMNS[:-1])]
    # one space before each column, one column for the vertical scrollbar
    room = (table_width or 80) - len(COLUMNS) - 1
    supported = widths[-1]
    widths[-1] = min(supported, SUPPORTED_WIDTH)
    longest = max([len("Path")] + [len(shorten_path(path, 999)) for path in paths])
    spare = room - sum(widths) - longest
    if spare > 0:
        widths[-1] += min(spare, supported - widths[-1])
    widths.append(max(MIN_PATH_WIDTH, room - sum(widths)))
    return widths


def has_free_threaded(interps: Sequence[Interpreter]) -> bool:
    return any(i.free_threaded and i.supported for i in interps)


def same(a: Interpreter, b: Interpreter) -> bool:
    """The test :func:`gil_tui.engine.system.interpreters.discover` uses to merge duplicates."""
    return a.realpath == b.realpath and a.prefix == b.prefix


def row_of(interps: Sequence[Interpreter], wanted: Interpreter) -> int | None:
    """The row of ``wanted`` (the same path first, else the same interpreter), if listed."""
    for row, interp in enumerate(interps):
        if same(interp, wanted) and interp.path == wanted.path:
            return row
    return next((row for row, interp in enumerate(interps) if same(interp, wanted)), None)


def with_added(interps: Sequence[Interpreter], added: Interpreter
               ) -> tuple[list[Interpreter], Interpreter, str, Interpreter | None]:
    """The list once ``added`` joined it, the row to put the cursor on, what to say, and
    the interpreter it replaced in the list (to put back when it is removed).

    A path to an interpreter already listed replaces it, unless that one is the
    current interpreter (its better name stays)."""
    held = next((i for i in interps if same(i, added)), None)
    path = clean_line(added.path)
    if held is not None and held.source == "current":
        return (list(interps), held, f"Added {path}; it is also the current interpreter.",
                None)
    listed = [added if i is held else i for i in interps]
    if held is None:
        listed.append(added)
    return listed, added, f"Added {path}: {clean_line(added.label())}", held


def without(interps: Sequence[Interpreter], removed: Interpreter,
            replaced: Interpreter | None = None) -> list[Interpreter]:
    """The list once ``removed`` (an added path) left it: the interpreter it had replaced
    (the same one, found by a scan) comes back in its row."""
    if replaced is not None and not any(same(i, replaced) for i in interps if i is not removed):
        return [replaced if i is removed else i for i in interps]
    return [i for i in interps if i is not removed]


def remove_text(interp: Interpreter, removed: bool | None) -> str:
    """What removing ``interp`` did: ``removed`` is None when it was not added by the user
    (only added paths can be removed), False when it was not in the list."""
    path = clean_line(interp.path)
    if removed is None:
        return (f"Not removable: {path} was found by a scan ({clean_line(interp.source)}), "
                "not added with a.")
    return f"Removed {path}." if removed else f"{path} was not in the list of added paths."


def add_error_text(error: BaseException | None) -> str:
    """Why a path could not be added, for the line under the path box."""
    if isinstance(error, InterpreterError):
        return str(error)
    if isinstance(error, OSError):
        return f"could not save the list of interpreters: {error}"
    return f"could not add it: {error}"


def summary_text(interps: Sequence[Interpreter]) -> str:
    """``4 interpreters · 1 free-threaded · 1 unsupported``."""
    if not interps:
        return "No Python interpreter found · press a to add one by path"
    parts = [plural(len(interps), "interpreter"),
             f"{sum(1 for i in interps if i.free_threaded and i.supported)} free-threaded"]
    bad = sum(1 for i in interps if not i.supported)
    if bad:
        parts.append(f"{bad} unsupported")
    return " · ".join(parts)


def detail_text(interp: Interpreter | None) -> str:
    """The line under the table: the whole label and path, or why it is not supported."""
    if interp is None:
        return ""
    if interp.supported:
        cpus = f" · {interp.cpu_count} CPUs" if interp.cpu_count else ""
        return f"{clean_line(interp.label())}{cpus} · {clean_line(interp.path)}"
    return clean_line(interp.reason or f"{interp.path}: unknown problem")
