"""The Compare tab's words and table cells, from the engine's matrices and sweeps.

No Textual here (rich text only), so the formats are tested on their own:
``2.41 s``, ``2.38-2.45``, ``1.93x``, ``3.14t GIL off``, and the captions that
say where a table's runs were made (this machine, or an imported one, by its
:func:`gil_tui.engine.history.store.machine_label`).
"""

from __future__ import annotations

from rich.text import Text

from gil_tui.engine.compare.matrix import MatrixProgress
from gil_tui.engine.history.export import date_text, matrix_markdown
from gil_tui.engine.history.store import machine_label
from gil_tui.engine.compare.model import Cell, MatrixPlan, MatrixResult, short_labels
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.compare.sweep import SweepPlan, SweepProgress, SweepResult
from gil_tui.ui.tabs.compare.choice import compare_command
from gil_tui.engine.compare.verdict import SCALED, SLOWER, fmt_speedup

#: (key, header) of the matrix table
MATRIX_COLUMNS = (("python", "python"), ("mode", "mode"), ("workers", "wkr"),
                  ("wall", "wall"), ("range", "min-max"), ("speedup", "speedup"),
                  ("busy", "busy"), ("status", "status"))
POINT_COLUMNS = (("workers", "workers"), ("wall", "wall"), ("speedup", "speedup"),
                 ("ideal", "ideal"), ("fit", "Amdahl"), ("busy", "busy cores"))
STATUS_WIDTH = 60


def seconds(value: float | None) -> str:
    """``2.41 s``, ``412 ms``, ``8.5 ms``, or ``-``."""
    if value is None:
        return "-"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def span(low: float | None, high: float | None, runs: int) -> str:
    """Min-max of a cell's runs in one unit: ``2.38-2.45`` (s) or ``380-412 ms``."""
    if low is None or high is None or runs < 2:
        return "-"
    if high >= 1:
        return f"{low:.2f}-{high:.2f}"
    return f"{low * 1000:.0f}-{high * 1000:.0f} ms"


def speedup_style(speedup: float) -> str:
    return "bold green" if speedup >= SCALED else "yellow" if speedup > SLOWER else "red"


def speedup_text(cell: Cell) -> Text:
    if cell.speedup is None:
        return Text("-", style="dim")
    if cell.mode is Mode.SEQUENTIAL:
        return Text(fmt_speedup(cell.speedup), style="dim")
    return Text(fmt_speedup(cell.speedup), style=speedup_style(cell.speedup))


def gil_short(cell: Cell) -> str:
    """``GIL`` for a GIL build, ``GIL off`` / ``GIL on`` for a free-threaded one."""
    if cell.free_threaded:
        return "GIL off" if cell.gil_enabled is False else "GIL on"
    return "GIL" if cell.gil_enabled is not False else "GIL off"


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def failure_text(cell: Cell) -> str:
    """Why a cell failed, without the interpreter's path (the row already says which)."""
    reason = (cell.error or "unknown reason").replace(cell.target.path, "")
    reason = " ".join(reason.split()).strip(" :") or "unknown reason"
    reason = reason.replace(": :", ":")
    return reason if reason.startswith(("failed", "not run")) else f"failed: {reason}"


def status_text(cell: Cell, repeat: int) -> Text:
    if cell.running:
        return Text(f"running ({len(cell.runs) + 1} of {repeat})", style="bold yellow")
    if cell.status == "failed":
        return Text(clip(failure_text(cell), STATUS_WIDTH), style="bold red")
    if cell.status == "cancelled":
        return Text("cancelled", style="yellow")
    if cell.status == "pending":
        return Text("waiting", style="dim")
    if cell.error:  # ok, but some runs are missing
        return Text(clip(cell.error, STATUS_WIDTH), style="yellow")
    runs = len(cell.runs)
    if runs < repeat:
        return Text(f"{runs}/{repeat} runs", style="dim")
    return Text("ok", style="green")


def matrix_row(cell: Cell, label: str, *, first: bool, repeat: int) -> list[str | Text]:
    """The table cells of one interpreter x mode (the label only on its first row)."""
    python = Text(f"{label} {gil_short(cell)}" if first else "",
                  style="bold" if not cell.free_threaded else "bold green")
    return [python, cell.mode.value, str(cell.workers), seconds(cell.median_s),
            span(cell.min_s, cell.max_s, len(cell.runs)), speedup_text(cell),
            "-" if cell.busy_cores is None else f"{cell.busy_cores:.2f}",
            status_text(cell, repeat)]


def matrix_rows(result: MatrixResult) -> list[list[str | Text]]:
    labels = result.labels()
    rows, seen = [], set()
    for cell in result.cells:
        path = cell.target.path
        rows.append(matrix_row(cell, labels[path], first=path not in seen,
                               repeat=result.plan.repeat))
        seen.add(path)
    return rows


def work_text(result: MatrixResult) -> str:
    """``cpu · 2 workers · 8 tasks · scale 1 · median of 3 runs``."""
    plan = result.plan
    parts = [plan.workload.value, f"{plan.workers} workers", f"{plan.tasks} tasks"]
    if plan.workload.io_bound:
        parts.append(f"{plan.delay_ms} ms each")
    else:
        parts.append(f"scale {plan.scale:g}")
    parts.append("1 run per cell" if plan.repeat == 1 else f"median of {plan.repeat} runs")
    return " · ".join(parts)


def caption(result: MatrixResult, *, from_history: bool, position: tuple[int, int] = (1, 1)
            ) -> Text:
    """Where the table comes from, what work it ran, and on which machine."""
    text = Text()
    n, total = position
    if from_history:
        text.append(f"History {n}/{total}", style="bold")
        origin = ", ".join(result.sources)
        text.append(f" ({origin})" if origin else "", style="dim")
    else:
        text.append("This matrix" if total == 1 else f"This matrix {n}/{total}", style="bold")
    text.append(" · " + work_text(result))
    where = machine_label(result.machine)
    if result.imported:
        text.append(" · ")
        text.append(f"imported from {where}", style="bold magenta")
    elif where != "unknown machine":
        text.append(f" · on {where}")
    if from_history:
        text.append(f" · {date_text(result.started_at)}", style="dim")
    return text


def ideal_speedup(result: MatrixResult) -> tuple[float, str]:
    """The best speedup the parallel modes could reach here, and its label."""
    workers = result.plan.workers
    cores = result.cores
    if result.workload.io_bound or not cores:
        return float(workers), f"ideal = {workers} workers"
    if cores <= workers:
        return float(cores), f"ideal = {cores} cores"
    return float(workers), f"ideal = {workers} workers"


def point_rows(result: SweepResult) -> list[list[str | Text]]:
    fit = result.fit
    ideal = dict(result.ideal)
    rows = []
    for p in result.points:
        rows.append([str(p.workers), seconds(p.median_s),
                     Text(fmt_speedup(p.speedup), style=speedup_style(p.speedup)),
                     f"{ideal.get(p.workers, 0):.2f}x",
                     "-" if fit is None else f"{fit.predict(p.workers):.2f}x",
                     f"{p.busy_cores:.2f}"])
    return rows


def sweep_caption(result: SweepResult) -> str:
    plan = result.plan
    text = (f"{plan.workload.value} · {plan.mode.value} with 1-{plan.max_workers} workers on "
            f"{plan.target.full} · {plan.cores} cores · {plan.tasks} tasks")
    if not plan.workload.io_bound:
        text += f" · scale {plan.scale:g}"
    if result.baseline_s:
        text += f" · sequential {seconds(result.baseline_s)}"
    return text


def running_text(progress: MatrixProgress | SweepProgress | None, plan: MatrixPlan | SweepPlan,
                 elapsed: float) -> str:
    """``run 4 of 18 · 3.14t threads (2 workers) · pass 2 of 3 · 12 s``."""
    if progress is None:
        return f"starting… · {elapsed:.0f} s"
    text = f"run {min(progress.done + 1, progress.total)} of {progress.total}"
    if isinstance(progress, MatrixProgress) and isinstance(plan, MatrixPlan):
        cell = progress.cell
        if cell is not None:
            text += f" · {short_labels(plan.targets)[cell.target.path]} {cell.mode.value}"
            if cell.mode is not Mode.SEQUENTIAL:
                text += f" ({cell.workers} workers)"
        if plan.repeat > 1 and progress.repeat:
            text += f" · pass {progress.repeat} of {plan.repeat}"
    elif isinstance(progress, SweepProgress) and isinstance(plan, SweepPlan):
        n = progress.workers
        what = "sequential baseline" if n is None else \
            f"{plan.mode.value} with {n} worker{'s' if n != 1 else ''}"
        text += f" · {plan.target.full} {what}"
    return text + f" · {elapsed:.0f} s"


def done_text(runs: int, total: int, elapsed: float, *, cancelled: bool, failed: int = 0) -> str:
    text = (f"cancelled after {runs} of {total} runs" if cancelled
            else f"done: {runs} runs in {elapsed:.0f} s")
    if failed:
        text += f" · {failed} cell{'s' if failed != 1 else ''} failed"
    return text


def copy_payload(result: MatrixResult | SweepResult, *, from_history: bool = False
                 ) -> tuple[str, str]:
    """(the Markdown table, the command line that prints it) for the copy key."""
    if isinstance(result, SweepResult):
        from gil_tui.engine.history.sweep_export import format_sweep

        plan = result.plan
        return format_sweep(result, "markdown"), compare_command(
            plan.workload, [plan.target.path], workers=plan.max_workers, scale=plan.scale,
            repeat=plan.repeat, sweep=plan.mode)
    if from_history:
        return matrix_markdown(result), "gil-tui results --markdown (the whole history)"
    p = result.plan
    return matrix_markdown(result), compare_command(
        p.workload, [t.path for t in p.targets], workers=p.workers, scale=p.scale,
        repeat=p.repeat)


def history_note(tables: list[MatrixResult]) -> str:
    """What a history reload found, in one notification."""
    if not tables:
        return ("The history is empty: matrices and runs made here (and imported ones) show "
                "up there.")
    imported = sorted({machine_label(t.machine) for t in tables if t.imported})
    text = f"{len(tables)} table{'s' if len(tables) != 1 else ''} from the history"
    if imported:
        text += f" (imported from {', '.join(imported)})"
    return text + ". Press [ and ] to page through them."
