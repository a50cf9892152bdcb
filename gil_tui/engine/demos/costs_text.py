"""The costs as people read them: one table (text, Markdown, or rows for a UI), notes, a summary.

One table for every front end: :func:`table` gives its columns and rows as
strings (:class:`CostsTable`), :func:`text_table` lays it out as plain text under
80 columns (``gil-tui costs``, ``gil-tui demo costs``, the lesson's demo panel),
:func:`markdown_table` gives the threads-vs-processes lesson its "On this
machine" table, and :func:`notes` say what each figure timed. Durations and
sizes go through :func:`gil_tui.engine.text.seconds` and ``bytes_text`` only.
"""

from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass, field
from typing import Any

from gil_tui.engine.demos.costs_result import CostsResult, KindCost, TransferCost
from gil_tui.engine.demos.main_guard_analysis import forkserver_preloads_main, version_tuple
from gil_tui.engine.text import bytes_text, join_words, plural, seconds

__all__ = ["COLUMNS", "WIDTH", "CostsTable", "Row", "format_text", "markdown_table",
           "memory_note", "memory_text", "notes", "ratio_text", "summary", "table",
           "text_table"]

#: the columns after the row's label
COLUMNS = ("median", "p90", "first", "x thread", "RSS each", "private")
#: width of each column of the text table, the label's first
_WIDTHS = (16, 7, 7, 7, 8, 9, 8)
_GAP = "  "
#: the widest line of the text form (the table is 74; the demo command indents by 2)
WIDTH = 74
FROM_C = "process, from -c (nothing for a child to import again)"
FROM_SCRIPT = "process, from a script importing {imports}"
TRANSFER = "a bytes object sent to a process and back (Pipe)"


@dataclass(frozen=True)
class Row:
    """One line of the table: figures (``cells``, one per column), a ``text`` in their
    place ("needs 3.12+"), or a ``heading`` for the rows under it (``indent``)."""

    label: str
    cells: tuple[str, ...] = ()
    text: str | None = None
    heading: bool = False
    indent: bool = False


@dataclass(frozen=True)
class CostsTable:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    #: what each figure timed, one paragraph each
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns),
                "rows": [dict(asdict(row), cells=list(row.cells)) for row in self.rows],
                "notes": list(self.notes)}


# ---------------------------------------------------------------- cells


def ratio_text(cost: KindCost) -> str:
    """``1x`` for the thread, ``163x`` for a process (its median over the thread's)."""
    if cost.ratio is None:
        return "1x"
    return f"{cost.ratio:.1f}x" if cost.ratio < 10 else f"{cost.ratio:.0f}x"


def memory_text(cost: KindCost) -> str:
    """``+15.8 KiB RSS (25.6 MiB reserved)`` for a thread, ``11.2 MiB RSS (1.7 MiB private)``."""
    if cost.kind != "process":
        text = f"+{bytes_text(cost.rss_bytes)} RSS"
        if cost.vm_bytes:
            text += f" ({bytes_text(cost.vm_bytes)} reserved)"
        return text
    text = f"{bytes_text(cost.rss_bytes)} RSS"
    if cost.private_bytes is not None:
        text += f" ({bytes_text(cost.private_bytes)} private)"
    return text


def _cells(cost: KindCost) -> tuple[str, ...]:
    rss = bytes_text(cost.rss_bytes)
    if cost.kind != "process" and cost.rss_bytes is not None:
        rss = "+" + rss  # what one more of them adds to this process
    private = bytes_text(cost.private_bytes) if cost.private_bytes is not None else "-"
    return (seconds(cost.median_s), seconds(cost.p90_s), seconds(cost.first_s),
            ratio_text(cost), rss, private)


def _transfer_cells(cost: TransferCost) -> tuple[str, ...]:
    return (seconds(cost.median_s), seconds(cost.p90_s), seconds(cost.first_s), "", "", "")


def _method_rows(result: CostsResult, costs: tuple[KindCost, ...],
                 errors: dict[str, str], methods: list[str]) -> list[Row]:
    by_method = {cost.method: cost for cost in costs}
    rows = []
    for method in methods:
        name = method + (" *" if method == result.default_method else "")
        if method in by_method:
            rows.append(Row(name, _cells(by_method[method]), indent=True))
        elif method in errors:
            rows.append(Row(name, text="failed (see below)", indent=True))
    return rows


def _methods(result: CostsResult) -> list[str]:
    seen = [p.method for p in result.processes] + list(result.errors)
    if result.script is not None:
        seen += [p.method for p in result.script.processes] + list(result.script.errors)
    return list(dict.fromkeys(m for m in seen if m))


# ---------------------------------------------------------------- the table


def table(result: CostsResult) -> CostsTable:
    """Every row measured, in the order the lesson discusses them, with the notes."""
    methods = _methods(result)
    rows = [Row("thread", _cells(result.thread))]
    sub = result.subinterpreter
    if sub is not None and sub.cost is not None:
        rows.append(Row("subinterpreter", _cells(sub.cost)))
    elif sub is not None:
        reason = sub.reason or "no figures"
        rows.append(Row("subinterpreter", text="failed (see below)"
                        if reason.startswith("failed") else reason))
    rows.append(Row(FROM_C, heading=True))
    rows += _method_rows(result, result.processes, result.errors, methods)
    if result.script is not None:
        rows.append(Row(FROM_SCRIPT.format(imports=result.script.imports), heading=True))
        rows += _method_rows(result, result.script.processes, result.script.errors, methods)
    transfer = result.transfer
    if transfer is not None and (transfer.sizes or transfer.error):
        rows.append(Row(TRANSFER, heading=True))
        rows += [Row(cost.label, _transfer_cells(cost), indent=True) for cost in transfer.sizes]
        if transfer.error and not transfer.sizes:
            rows.append(Row("1 MB", text="failed (see below)", indent=True))
    return CostsTable(COLUMNS, tuple(rows), tuple(notes(result)))


def _line(label: str, cells: tuple[str, ...]) -> str:
    parts = [label.ljust(_WIDTHS[0])]
    parts += [cell.rjust(width) for cell, width in zip(cells, _WIDTHS[1:])]
    return _GAP.join(parts).rstrip()


def text_table(result: CostsResult) -> list[str]:
    """The table as lines of at most :data:`WIDTH` characters."""
    shown = table(result)
    lines = [_line("", shown.columns)]
    for row in shown.rows:
        label = ("  " if row.indent else "") + row.label
        if row.heading:
            lines.append(label)
        elif row.text is not None:
            lines.append(label.ljust(_WIDTHS[0]) + _GAP + row.text)
        else:
            lines.append(_line(label, row.cells))
    return lines


def _wrap(paragraphs: list[str], width: int = WIDTH) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(textwrap.wrap(paragraph, width, subsequent_indent="  ",
                                   break_on_hyphens=False) or [""])
    return lines


def heading(result: CostsResult) -> list[str]:
    """Where and when: the interpreter, the machine, how many runs."""
    runs = f"median, 90th percentile and first of {plural(result.repeat, 'run')} each"
    if result.script is not None and result.script.repeat != result.repeat:
        runs += f" ({result.script.repeat} from the script)"
    return _wrap([
        f"{result.interpreter_label()}, {result.python}",
        f"measured {result.measured_at}, {result.cpu_count or '?'} usable cores",
        f"Create + start + join: {runs}.",
    ])


def format_text(result: CostsResult) -> str:
    """The plain-text report of ``gil-tui costs``: heading, table, notes (under 80 columns)."""
    lines = heading(result) + [""] + text_table(result) + [""] + _wrap(notes(result))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- notes


def memory_note(result: CostsResult) -> str:
    how = result.thread.memory_method
    if how == "proc":
        source = "RSS read from /proc/self/status"
    elif how == "ru_maxrss":
        source = "peak RSS from resource.getrusage (no /proc here)"
    else:
        source = "RSS"
    idle = result.idle_threads or "some"
    note = (f"Memory ({source}): per thread, the growth of this process with {idle} idle "
            f"threads alive, divided by {idle}; per subinterpreter, the same with a few alive; "
            "per process, the child's own RSS")
    if any(p.private_bytes is not None for p in result.processes):
        note += "; private: the pages it shares with no other process"
    if result.thread.vm_bytes:
        note += (f". A thread also reserves {bytes_text(result.thread.vm_bytes)} of address "
                 "space (its stack; the C library may add a memory arena), little of it "
                 "ever used")
    return note + "."


def _script_note(result: CostsResult) -> str:
    imports = result.script.imports if result.script else "json, decimal, asyncio"
    version = version_tuple(result.version)
    if version is None:
        forkserver = ("forkserver ones too before 3.13.8 and 3.14.1 (from those releases "
                      "the fork server imports it once)")
    elif forkserver_preloads_main(version):
        forkserver = (f"not the forkserver ones on {result.version}: its fork server imports "
                      "it once")
    else:
        forkserver = f"forkserver ones too on {result.version} (fixed in 3.13.8 and 3.14.1)"
    return (f"From a script: a .py file whose top is `import {imports}`, the way a program "
            f"starts; spawn children import it again, and {forkserver}.")


def notes(result: CostsResult, *, marker: bool = True, first: bool = True) -> list[str]:
    """What each figure timed, one paragraph each (the errors and a busy machine last);
    ``marker``: say what the ``*`` after a start method means; ``first``: what the
    "first" column is (the Markdown table has none)."""
    out = []
    if marker and result.default_method:
        out.append(f"* the default start method here ({result.default_method}).")
    out.append("From -c: the main module is a `python -c` string, so there is nothing for a "
               "child to import again.")
    if result.script is not None:
        out.append(_script_note(result))
    sub = result.subinterpreter
    if sub is not None and sub.cost is not None:
        public = "; the public API, concurrent.interpreters, comes with 3.14" \
            if sub.private else ""
        out.append(f"Subinterpreter: create + run `pass` + close one with a GIL of its own, "
                   f"through {sub.api or '?'}{public}.")
    elif sub is not None and sub.reason == "needs 3.12+":
        out.append(f"Subinterpreter: needs 3.12+, the first CPython with a GIL per "
                   f"interpreter (this is {result.version}).")
    elif sub is not None:
        out.append(f"Subinterpreter: {sub.message or sub.reason}.")
    transfer = result.transfer
    if transfer is not None and transfer.sizes:
        out.append(f"To a process and back: a bytes object through a multiprocessing Pipe to "
                   f"a child ({transfer.method or '?'}) that sends it back, pickled both ways, "
                   f"median of {transfer.rounds}; bytes are the cheapest to pickle, a list of "
                   "the same size costs more.")
    if first:
        out.append("First: the first run, left out of the statistics; it pays one-off costs "
                   "(thread machinery, starting the fork server).")
    out.append(memory_note(result))
    busy = result.busy_note()
    if busy:
        out.append(busy)
    for method, message in result.errors.items():
        out.append(f"Start method {method} failed here (from -c): {message}")
    if result.script is not None:
        for method, message in result.script.errors.items():
            out.append(f"Start method {method} failed here (from a script): {message}")
    if transfer is not None and transfer.error:
        out.append(f"Sending to a process and back failed: {transfer.error}")
    if sub is not None and sub.cost is None and sub.reason and sub.reason.startswith("failed"):
        out.append(f"Subinterpreter {sub.reason}")
    return out


def summary(result: CostsResult) -> str:
    """The figures that matter most, in one or two sentences."""
    parts = [f"a thread took {seconds(result.thread.median_s)}"]
    sub = result.subinterpreter
    if sub is not None and sub.cost is not None:
        parts.append(f"a subinterpreter {seconds(sub.cost.median_s)}")

    def span(costs: tuple[KindCost, ...], where: str) -> None:
        if costs:
            low = min(costs, key=lambda c: c.median_s)
            high = max(costs, key=lambda c: c.median_s)
            if low is high:
                parts.append(f"a process {seconds(low.median_s)} ({low.method}) {where}")
            else:
                parts.append(f"a process {seconds(low.median_s)} ({low.method}) to "
                             f"{seconds(high.median_s)} ({high.method}) {where}")

    span(result.processes, "from -c")
    if result.script is not None:
        span(result.script.processes, f"from a script importing {result.script.imports}")
    text = "Here " + join_words(parts) + "."
    if result.transfer is not None and result.transfer.sizes:
        biggest = result.transfer.sizes[-1]
        text += (f" Sending {biggest.label} to a process and back took "
                 f"{seconds(biggest.median_s)}.")
    return text


# ---------------------------------------------------------------- the lesson's table


def _markdown_row(name: str, median: float, p10: float, p90: float, ratio: str,
                  memory: str) -> str:
    return f"| {name} | {seconds(median)} | {seconds(p10)} - {seconds(p90)} | {ratio} | {memory} |"


def markdown_table(result: CostsResult) -> str:
    """The lesson's table, headed by where and when it was measured, with its notes."""
    runs = f"median of {plural(result.repeat, 'run')}"
    if result.script is not None and result.script.repeat != result.repeat:
        runs += f" ({result.script.repeat} from a script)"
    lines = [
        f"Measured on this machine, {result.measured_at[:10]}, {result.interpreter_label()} "
        f"({result.python}), {runs} of create + start + join:",
        "",
        "| what | median | p10 - p90 | vs a thread | memory each |",
        "|---|---|---|---|---|",
    ]
    kinds = [(result.thread.label, result.thread)]
    sub = result.subinterpreter
    if sub is not None and sub.cost is not None:
        kinds.append(("subinterpreter", sub.cost))
    for costs, where in ((result.processes, "from `-c`"),
                         (result.script.processes if result.script else (), "from a script")):
        for cost in costs:
            name = f"{cost.method}, {where}"
            if cost.method == result.default_method:
                name += ", the default"
            kinds.append((name, cost))
    for name, cost in kinds:
        lines.append(_markdown_row(name, cost.median_s, cost.p10_s, cost.p90_s,
                                   ratio_text(cost), memory_text(cost)))
    if sub is not None and sub.cost is None:
        lines.append(f"| subinterpreter | {sub.reason or '-'} | | | |")
    if result.transfer is not None:
        for size in result.transfer.sizes:
            lines.append(_markdown_row(f"{size.label} to a process and back", size.median_s,
                                       size.p10_s, size.p90_s, "-", "-"))
    for note in notes(result, marker=False, first=False):
        lines += ["", note]
    return "\n".join(lines) + "\n"
