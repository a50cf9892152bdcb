"""Charts of the Compare tab, drawn with text: no plotting library needed.

* :class:`SpeedupChart`: one horizontal bar per interpreter x mode, grouped by
  interpreter, scaled to the largest speedup (or the ideal, when larger), with a
  ``│`` marker at the ideal speedup (``ideal = 2 cores``).
* :class:`ScalingPlot`: a sweep's measured speedups (``●``) against the workers,
  the ideal line (``min(workers, cores)``) and the fitted Amdahl curve, in
  braille dots, in a fixed-height box.

The drawing is done by :func:`chart_text` and :func:`plot_text`, plain functions
of the engine's results and a width, so they are tested without an app.
"""

from __future__ import annotations

import math
from typing import Mapping

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from gil_tui.engine.history.export import worker_counts
from gil_tui.engine.history.store import machine_label
from gil_tui.engine.compare.model import Cell, MatrixResult
from gil_tui.engine.compare.noise import matrix_noise
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.engine.text import gil_state, plural, speedup, speedup_level
from gil_tui.ui.tabs.compare.canvas import BrailleCanvas
from gil_tui.ui.tabs.compare.rows import clean_labels, mode_label, shown_cells
from gil_tui.ui.text import SPEEDUP_STYLE
from gil_tui.ui.widgets.core_bars import bar

StyleMap = Mapping[str, "Style | str"]

#: Styles without a widget (the widget's component classes of the same names give the
#: theme's colours); the speedup levels are :func:`gil_tui.engine.text.speedup_level`'s.
CHART_STYLES: dict[str, str] = {
    "title": "bold", "group": "bold", "free": "bold green", "label": "", "base": "blue",
    **{level: SPEEDUP_STYLE[level] for level in ("good", "flat", "slow")},
    "ideal": "magenta", "note": "dim", "failed": "red",
}
PLOT_STYLES: dict[str, str] = {
    "axis": "dim", "label": "", "ideal": "magenta", "fit": "cyan", "point": "bold yellow",
}

INDENT, MODE_WIDTH, VALUE_WIDTH, MAX_BAR = 2, 11, 7, 64


def ideal_speedup(result: MatrixResult) -> tuple[float, str]:
    """The best speedup the parallel modes could reach here, and its label (rows with
    different worker counts: the best of any row, said so)."""
    counts = worker_counts(result)
    workers = max(counts)
    cores = result.cores
    if len(counts) > 1 and (result.workload.io_bound or not cores or cores > min(counts)):
        best = workers if result.workload.io_bound or not cores else min(cores, workers)
        return float(best), f"ideal ≤ {best}x (rows differ: {'/'.join(map(str, counts))} workers)"
    if result.workload.io_bound or not cores:
        return float(workers), f"ideal = {plural(workers, 'worker')}"
    if cores <= workers:
        return float(cores), f"ideal = {plural(cores, 'core')}"
    return float(workers), f"ideal = {plural(workers, 'worker')}"


def _group_title(cell: Cell, label: str, result: MatrixResult) -> str:
    """``3.13 · GIL``, ``3.14t · free-threaded, GIL off`` (and an imported table's machine)."""
    state = gil_state(cell.free_threaded, cell.gil_enabled)
    title = f"{label} · free-threaded, {state}" if cell.free_threaded else f"{label} · {state}"
    if result.imported:
        title += f" · {machine_label(result.machine)}"
    return title


def _status_word(cell: Cell) -> tuple[str, str]:
    if cell.running:
        return "running…", "note"
    return {"failed": ("failed", "failed"), "cancelled": ("cancelled", "note"),
            "pending": ("waiting", "note"), "skipped": ("skipped", "note")
            }.get(cell.status, ("no speedup", "note"))


def chart_text(result: MatrixResult | None, width: int, styles: StyleMap = CHART_STYLES) -> Text:
    """The bar chart of a matrix's speedups, ``width`` cells wide."""
    out = Text(no_wrap=True, overflow="crop")
    if result is None:
        out.append("No matrix yet: press r to run one, or h to load past runs.", styles["note"])
        return out
    bar_width = min(MAX_BAR, max(8, width - INDENT - MODE_WIDTH - VALUE_WIDTH))
    ideal, ideal_label = ideal_speedup(result)
    noise = matrix_noise(result)
    speedups = [c.speedup for c in result.cells if c.speedup is not None]
    top = max([ideal, 1.0, *speedups])
    ideal_col = min(bar_width - 1, max(0, round(ideal / top * bar_width) - 1))
    out.append("Speedup against each interpreter's own sequential run", styles["title"])
    labels = clean_labels(result)
    for target in result.targets:
        cells = shown_cells(result, target)
        if not cells:
            continue
        style = styles["free"] if cells[0].free_threaded else styles["group"]
        out.append("\n" + _group_title(cells[0], labels[target.path], result), style)
        for cell in cells:
            name = mode_label(cell.mode).ljust(MODE_WIDTH)[:MODE_WIDTH]
            out.append("\n" + " " * INDENT + name, styles["label"])
            if cell.speedup is None:
                word, key = _status_word(cell)
                track = word.ljust(bar_width)[:bar_width]
                out.append(track[:ideal_col], styles[key])
                out.append("│" if track[ideal_col] == " " else track[ideal_col], styles["ideal"])
                out.append(track[ideal_col + 1:], styles[key])
                out.append("-".rjust(VALUE_WIDTH), styles["note"])
                continue
            drawn = bar(cell.speedup / top, bar_width)
            level = styles["base" if cell.mode is Mode.SEQUENTIAL
                           else speedup_level(cell.speedup)]
            if drawn[ideal_col] == " ":
                out.append(drawn[:ideal_col], level)
                out.append("│", styles["ideal"])
                out.append(drawn[ideal_col + 1:], level)
            else:
                out.append(drawn, level)
            mark = "*" if cell.key in noise else ""
            out.append((speedup(cell.speedup) + mark).rjust(VALUE_WIDTH), level)
    marker_at = INDENT + MODE_WIDTH + ideal_col
    legend = f"{ideal_label} ─┘"
    if marker_at - len(legend) + 1 >= 0:
        line = " " * (marker_at - len(legend) + 1) + legend
    else:
        line = " " * marker_at + f"└─ {ideal_label}"
    out.append("\n" + line, styles["ideal"])
    if noise:
        out.append("  * noisy", styles["note"])
    return out


def chart_height(result: MatrixResult | None) -> int:
    if result is None:
        return 1
    cells = shown_cells(result)
    return 2 + len({c.target.path for c in cells}) + len(cells)


class SpeedupChart(Widget):
    """Horizontal bars of a matrix's speedups, grouped by interpreter."""

    DEFAULT_CSS = """
    SpeedupChart { height: auto; padding: 0 1; text-wrap: nowrap; text-overflow: clip; }
    SpeedupChart > .speedup-chart--title { text-style: bold; }
    SpeedupChart > .speedup-chart--group { text-style: bold; }
    SpeedupChart > .speedup-chart--free { color: $success; text-style: bold; }
    SpeedupChart > .speedup-chart--label { color: $text-muted; }
    SpeedupChart > .speedup-chart--base { color: $primary; }
    SpeedupChart > .speedup-chart--good { color: $success; }
    SpeedupChart > .speedup-chart--flat { color: $warning; }
    SpeedupChart > .speedup-chart--slow { color: $error; }
    SpeedupChart > .speedup-chart--ideal { color: $accent; }
    SpeedupChart > .speedup-chart--note { color: $text-muted; }
    SpeedupChart > .speedup-chart--failed { color: $error; }
    """

    COMPONENT_CLASSES = {f"speedup-chart--{name}" for name in CHART_STYLES}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: The matrix drawn (its cells fill in while it runs: call show() again).
        self.result: MatrixResult | None = None

    def show(self, result: MatrixResult | None) -> None:
        if result is self.result and result is None:
            return
        relayout = chart_height(result) != chart_height(self.result)
        self.result = result
        self.refresh(layout=relayout)  # a new layout only when the height changes

    def get_content_height(self, container, viewport, width: int) -> int:
        return chart_height(self.result)

    def render(self) -> Text:
        styles = {name: self.get_component_rich_style(f"speedup-chart--{name}")
                  for name in CHART_STYLES}
        return chart_text(self.result, max(30, self.content_size.width), styles)


# ---------------------------------------------------------------- scaling plot


def _top(result: SweepResult) -> float:
    values = [s for _, s in result.ideal] + [p.speedup for p in result.points]
    fit = result.fit
    if fit is not None:
        values += [s for _, s in fit.curve(result.plan.worker_counts)]
    return float(max(2, math.ceil(max(values, default=1.0) * 1.1)))


def _y_labels(top: float, rows: int) -> dict[int, str]:
    """Row -> tick label, at round steps (0, 1x, 2x... or 0, 5x, 10x...), never crowded."""
    step = next((s for s in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
                 if top / s <= max(1, (rows - 1) / 2)), top)
    labels: dict[int, str] = {}
    value = 0.0
    while value <= top + 1e-9:
        row = rows - 1 - round(value / top * (rows - 1))
        labels.setdefault(row, "0" if value == 0 else f"{value:g}x")
        value += step
    return labels


def plot_text(result: SweepResult | None, width: int, height: int,
              styles: StyleMap = PLOT_STYLES) -> Text:
    """The sweep as a plot ``width`` x ``height`` cells: axes, ideal, fit, points, legend."""
    out = Text(no_wrap=True, overflow="crop")
    if result is None:
        out.append("No sweep yet: press r to run one (workers 1 to twice the cores).",
                   styles["axis"])
        return out
    plan = result.plan
    label_width, rows = 6, max(3, height - 3)
    columns = max(10, width - label_width - 1)
    canvas = BrailleCanvas(columns, rows)
    xmax, cores, top = plan.max_workers, plan.cores, _top(result)

    def x_dot(n: float) -> int:
        return 0 if xmax <= 1 else round((n - 1) / (xmax - 1) * (canvas.dot_width - 1))

    def y_dot(s: float) -> int:
        return round(min(s, top) / top * (canvas.dot_height - 1))

    corner = min(cores, xmax)
    canvas.line(x_dot(1), y_dot(1), x_dot(corner), y_dot(corner), "ideal")
    canvas.line(x_dot(corner), y_dot(corner), x_dot(xmax), y_dot(corner), "ideal")
    fit = result.fit
    if fit is not None:
        previous = None
        for x in range(canvas.dot_width):
            n = 1 + (x / max(1, canvas.dot_width - 1)) * (xmax - 1)
            y = y_dot(fit.predict(n))
            if previous is not None:
                canvas.line(previous[0], previous[1], x, y, "fit")
            previous = (x, y)
    for p in result.points:
        canvas.mark(x_dot(p.workers), y_dot(p.speedup), "●", "point")
    labelled = _y_labels(top, rows)
    for row, cells in enumerate(canvas.rows()):
        if row:
            out.append("\n")
        text = labelled.get(row, "")
        out.append(text.rjust(label_width - 1)[: label_width - 1] + ("┤" if text else "│"),
                   styles["axis"])
        for char, layer in cells:
            out.append(char, styles[layer] if layer else styles["axis"])
    ticks = sorted({1, corner, xmax})
    axis = ["─"] * columns
    names = [" "] * (columns + 8)
    for n in ticks:
        column = min(columns - 1, x_dot(n) // 2)
        axis[column] = "┬"
        for i, ch in enumerate(str(n)):
            if column + i < len(names):
                names[column + i] = ch
    out.append("\n" + " " * (label_width - 1) + "└" + "".join(axis), styles["axis"])
    out.append("\n" + " " * label_width + "".join(names).rstrip(), styles["axis"])
    out.append("\n" + " " * label_width)
    out.append("● measured", styles["point"])
    out.append("  ⠒⠒ Amdahl fit" if fit is not None else "  (no fit)", styles["fit"])
    out.append(f"  ⠒⠒ ideal ({plural(cores, 'core')})", styles["ideal"])
    out.append("  x: workers, y: speedup", styles["axis"])
    return out


class ScalingPlot(Widget):
    """A sweep's speedups against the workers, the ideal line and the Amdahl fit."""

    DEFAULT_CSS = """
    ScalingPlot { height: 13; padding: 0 1; text-wrap: nowrap; text-overflow: clip; }
    ScalingPlot > .scaling-plot--axis { color: $text-muted; }
    ScalingPlot > .scaling-plot--label { color: $text; }
    ScalingPlot > .scaling-plot--ideal { color: $accent; }
    ScalingPlot > .scaling-plot--fit { color: $primary-lighten-2; }
    ScalingPlot > .scaling-plot--point { color: $warning; text-style: bold; }
    """

    COMPONENT_CLASSES = {f"scaling-plot--{name}" for name in PLOT_STYLES}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: The sweep drawn (its points fill in while it runs: call show() again).
        self.result: SweepResult | None = None

    def show(self, result: SweepResult | None) -> None:
        self.result = result
        self.refresh()

    def render(self) -> Text:
        styles = {name: self.get_component_rich_style(f"scaling-plot--{name}")
                  for name in PLOT_STYLES}
        size = self.content_size
        return plot_text(self.result, max(20, size.width), max(6, size.height), styles)
