"""The Compare tab's table cells and captions, from the engine's matrices and sweeps.

No Textual here (rich text only), so the formats are tested on their own. Durations,
speedups and GIL states come from :mod:`gil_tui.engine.text` and their colours from
:mod:`gil_tui.ui.text`; here are the min-max span (``2.38-2.45``), the cells'
statuses, and the captions that say where a table's runs were made (this machine,
or an imported one, by its :func:`gil_tui.engine.history.store.machine_label`).
"""

from __future__ import annotations

from typing import Sequence

from rich.cells import cell_len
from rich.text import Text

from gil_tui.engine.compare.model import Cell, MatrixResult, Target, unavailable
from gil_tui.engine.compare.noise import Noise, matrix_noise
from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.engine.history.export import date_text, grouped, workers_text
from gil_tui.engine.history.store import machine_label
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.text import clean_line, join_words, plural, seconds, speedup
from gil_tui.ui.text import python_gil, speedup_cell

#: (key, header) of the matrix table
MATRIX_COLUMNS = (("python", "python"), ("mode", "mode"), ("workers", "wkr"),
                  ("wall", "wall"), ("range", "min-max"), ("speedup", "speedup"),
                  ("busy", "busy"), ("status", "status"))
POINT_COLUMNS = (("workers", "workers"), ("wall", "wall"), ("speedup", "speedup"),
                 ("ideal", "ideal"), ("fit", "Amdahl"), ("busy", "busy cores"))
STATUS_WIDTH = 60
#: Modes whose name is too long for the table's and the chart's mode column.
MODE_LABELS = {Mode.SUBINTERPRETERS: "subinterp."}


def mode_label(mode: Mode) -> str:
    """The mode as the table and the chart show it (``subinterp.`` for subinterpreters)."""
    return MODE_LABELS.get(mode, mode.value)


def clean_labels(result: MatrixResult) -> dict[str, str]:
    """path -> the interpreter's short label, made safe to draw (a version or a path read
    from the history is not gil-tui's text)."""
    return {path: clean_line(label) for path, label in result.labels().items()}


def span(low: float | None, high: float | None, runs: int) -> str:
    """Min-max of a cell's runs in one unit: ``2.38-2.45`` (s) or ``380-412 ms``."""
    if low is None or high is None or runs < 2:
        return "-"
    if high >= 1:
        return f"{low:.2f}-{high:.2f}"
    return f"{low * 1000:.0f}-{high * 1000:.0f} ms"


def speedup_text(cell: Cell) -> Text:
    """The cell's speedup in the colour of its level (dim for sequential: 1x by definition)."""
    return speedup_cell(cell.speedup, style="dim" if cell.mode is Mode.SEQUENTIAL else None)


def column_widths(columns: Sequence[tuple[str, str]], rows: list[list[str | Text]]) -> list[int]:
    """Each column's width: its widest cell or header."""
    return [max([cell_len(header), *(cell_len(str(row[n])) for row in rows)])
            for n, (_, header) in enumerate(columns)]


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` cells: runs of spaces and line breaks become one space."""
    return clean_line(" ".join(text.split()), max_len=width)


def failure_text(cell: Cell) -> str:
    """Why a cell failed, without the interpreter's path (the row already says which)."""
    reason = (cell.error or "unknown reason").replace(cell.target.path, "")
    reason = " ".join(reason.split()).strip(" :") or "unknown reason"
    reason = reason.replace(": :", ":")
    return reason if reason.startswith(("failed", "not run")) else f"failed: {reason}"


def status_text(cell: Cell, repeat: int, noise: Noise | None = None) -> Text:
    """The status column; ``noise``: why the cell's figures are noise
    (:mod:`gil_tui.engine.compare.noise`), shown instead of ``ok``."""
    if cell.running:
        return Text(f"running ({len(cell.runs) + 1} of {repeat})", style="bold yellow")
    if cell.status == "failed":
        return Text(clip(failure_text(cell), STATUS_WIDTH), style="bold red")
    if cell.status == "cancelled":
        return Text("cancelled", style="yellow")
    if cell.status == "skipped":
        return Text(clip(f"skipped: {cell.error or 'not available'}", STATUS_WIDTH), style="dim")
    if cell.status == "pending":
        return Text("waiting", style="dim")
    if cell.error:  # ok, but some runs are missing
        return Text(clip(cell.error, STATUS_WIDTH), style="yellow")
    if noise is not None:
        return Text(clip(f"noisy: {noise.short}", STATUS_WIDTH), style="bold yellow")
    runs = len(cell.runs)
    if cell.run_speedups is not None:  # grouped from separate runs: as many as were made
        return Text("ok" if runs == 1 else f"ok ({runs} runs)", style="green")
    if runs < repeat:
        return Text(f"{runs}/{repeat} runs", style="dim")
    return Text("ok", style="green")


def matrix_row(cell: Cell, label: str, *, first: bool, repeat: int,
               noise: Noise | None = None) -> list[str | Text]:
    """The table cells of one interpreter x mode (the label only on its first row)."""
    python = Text(python_gil(label, cell.free_threaded, cell.gil_enabled) if first else "",
                  style="bold" if not cell.free_threaded else "bold green")
    return [python, mode_label(cell.mode), str(cell.workers), seconds(cell.median_s),
            span(cell.min_s, cell.max_s, len(cell.runs)), speedup_text(cell),
            "-" if cell.busy_cores is None else f"{cell.busy_cores:.2f}",
            status_text(cell, repeat, noise)]


def shown_cells(result: MatrixResult, target: Target | None = None) -> list[Cell]:
    """The cells the table and the chart draw (of one interpreter): not the modes an
    interpreter cannot run (``skipped``), which :func:`missing_modes_note` names once."""
    cells = result.cells if target is None else result.cells_of(target)
    return [c for c in cells if c.status != "skipped"]


def matrix_rows(result: MatrixResult) -> list[list[str | Text]]:
    labels = clean_labels(result)
    noise = matrix_noise(result)
    rows, seen = [], set()
    for cell in shown_cells(result):
        path = cell.target.path
        rows.append(matrix_row(cell, labels[path], first=path not in seen,
                               repeat=result.plan.repeat, noise=noise.get(cell.key)))
        seen.add(path)
    return rows


def work_text(result: MatrixResult) -> str:
    """``cpu · 2 workers · 8 tasks · scale 1 · median of 3 runs``; a table grouped from
    separate runs says so (``grouped from 5 separate runs, 1-3 per row``), and rows
    with different worker counts say theirs (``4/16 workers``)."""
    plan = result.plan
    parts = [plan.workload.value, workers_text(result), plural(plan.tasks, "task")]
    if plan.workload.io_bound:
        parts.append(f"{plan.delay_ms} ms each")
    else:
        parts.append(f"scale {plan.scale:g}")
    if grouped(result):
        made = [len(c.runs) for c in result.cells if c.runs]
        low, high = min(made, default=0), max(made, default=0)
        per = f"{low} per row" if low == high else f"{low}-{high} per row, median shown"
        parts.append(f"grouped from {plural(sum(made), 'separate run')}, {per}")
    else:
        parts.append("1 run per cell" if plan.repeat == 1 else f"median of {plan.repeat} runs")
    return " · ".join(parts)


def _origin(text: Text, result: MatrixResult | SweepResult, *, from_history: bool,
            position: tuple[int, int], name: str) -> None:
    """``History 2/5 (live, bench)`` or ``This matrix 1/2``."""
    n, total = position
    if from_history:
        text.append(f"History {n}/{total}", style="bold")
        origin = ", ".join(clean_line(s) for s in result.sources)
        text.append(f" ({origin})" if origin else "", style="dim")
    else:
        text.append(name if total == 1 else f"{name} {n}/{total}", style="bold")


def _machine(text: Text, result: MatrixResult | SweepResult, *, from_history: bool) -> None:
    """`` · on here (2 cores)``, `` · imported from laptop (16 cores)`` and the date."""
    where = machine_label(result.machine)
    if result.imported:
        text.append(" · ")
        text.append(f"imported from {where}", style="bold magenta")
    elif where != "unknown machine":
        text.append(f" · on {where}")
    if from_history and result.started_at:
        text.append(f" · {date_text(result.started_at)}", style="dim")


def caption(result: MatrixResult | SweepResult, *, from_history: bool,
            position: tuple[int, int] = (1, 1)) -> Text:
    """Where the table comes from, what work it ran, and on which machine."""
    text = Text()
    if isinstance(result, SweepResult):
        _origin(text, result, from_history=from_history, position=position, name="This sweep")
        text.append(" · scaling sweep: " + sweep_caption(result))
    else:
        _origin(text, result, from_history=from_history, position=position, name="This matrix")
        text.append(" · " + work_text(result))
    _machine(text, result, from_history=from_history)
    if isinstance(result, MatrixResult):
        note = missing_modes_note(result)
        if note:
            text.append("\n" + note, style="dim")
    return text


def missing_modes_note(result: MatrixResult) -> str:
    """The modes some interpreters did not run because they cannot (subinterpreters need
    CPython 3.12+), once: ``subinterpreters: not on 3.8 and 3.11 (needs CPython 3.12+)``."""
    labels = clean_labels(result)
    ran: dict[str, set[Mode]] = {t.path: set() for t in result.targets}
    why: dict[tuple[str, Mode], str] = {}
    for cell in result.cells:
        if cell.status == "skipped":
            why[(cell.target.path, cell.mode)] = clip(cell.error or "", STATUS_WIDTH)
        else:
            ran.setdefault(cell.target.path, set()).add(cell.mode)
    notes = []
    for mode in [m for m in Mode if any(m in modes for modes in ran.values())]:
        lacking = [t for t in result.targets if mode not in ran.get(t.path, set())]
        if not lacking:
            continue
        reasons = sorted({r for t in lacking
                          if (r := why.get((t.path, mode)) or unavailable(t, mode))})
        notes.append(f"{mode.value}: not on {join_words([labels[t.path] for t in lacking])} "
                     f"({', '.join(reasons) or 'not run'})")
    return " · ".join(notes)


def point_rows(result: SweepResult) -> list[list[str | Text]]:
    fit = result.fit
    ideal = dict(result.ideal)
    rows = []
    for p in result.points:
        gain = speedup_cell(p.speedup)
        if p.noise is not None:
            gain.append("*", style="bold yellow")
        rows.append([str(p.workers), seconds(p.median_s), gain,
                     speedup(ideal.get(p.workers, 0)),
                     "-" if fit is None else speedup(fit.predict(p.workers)),
                     f"{p.busy_cores:.2f}"])
    return rows


def sweep_caption(result: SweepResult) -> str:
    plan = result.plan
    text = (f"{plan.workload.value} · {plan.mode.value} with 1-{plan.max_workers} workers on "
            f"{clean_line(plan.target.full)} · {plural(plan.cores, 'core')} · "
            f"{plural(plan.tasks, 'task')}")
    if not plan.workload.io_bound:
        text += f" · scale {plan.scale:g}"
    if result.baseline_s:
        text += f" · sequential {seconds(result.baseline_s)}"
    return text


def fit_words(result: SweepResult | None) -> Text:
    """The Amdahl fit in words, and the points that failed."""
    fit = Text()
    if result is not None:
        noisy = [p for p in result.points if p.noise is not None]
        if noisy:
            named = ", ".join(f"{plural(p.workers, 'worker')} ({p.noise})" for p in noisy[:4])
            fit.append(f"* noisy: {named}" + (" …" if len(noisy) > 4 else "") + "\n",
                       style="yellow")
        fit.append(result.fit_text)
        for key, error in result.errors.items():
            what = "the sequential baseline" if key == "sequential" else f"{key} workers"
            fit.append(f"\n{what} failed: {clean_line(error)}", style="red")
    return fit
