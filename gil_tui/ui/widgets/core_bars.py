"""CoreBars: one row per CPU core with a bar, the percentage and a short history.

Given how much of the machine's busy time was ours (:meth:`CoreBars.push` with
``ours``), each bar is stacked: ours solid in the colour of the core's level, then
the share of other programs in a dimmer shade (``▒``), and a legend row says how
many cores each kept busy, so a machine busy with something else is visible
before and during a run. Which core each program ran on is not known, so every
core is split in the machine-wide proportion.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from gil_tui.ui.text import cpu_level

BLOCKS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"
#: The share of other programs in a stacked bar (readable without colour, too).
SHADE = "▒"
#: The narrowest cell a core can have (label, a short bar and the number).
MIN_CELL = 22
#: Keep at most this many samples of history per core.
HISTORY = 60


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of `width` cells filled to `fraction`, with eighth-blocks."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (BLOCKS[part] if part and full < width else "")
    return text.ljust(width)


def split_bar(ours: float, others: float, width: int) -> tuple[str, str]:
    """A stacked bar: (ours as :func:`bar` draws it, then other programs' cells in
    :data:`SHADE`), together at most ``width`` cells, without the padding.

    Ours keeps its eighth-blocks when nothing is stacked on it; otherwise both parts
    are whole cells (the total rounded once, so the bar is as long as the core's busy
    share)."""
    ours = min(max(ours, 0.0), 1.0)
    others = min(max(others, 0.0), 1.0 - ours)
    total_cells = round((ours + others) * width)
    shade_cells = total_cells - round(ours * width)
    if shade_cells <= 0:
        return bar(ours, width).rstrip(), ""
    return "█" * (total_cells - shade_cells), SHADE * shade_cells


def share_split(percents: Sequence[float], ours: float) -> tuple[float, float]:
    """(our share, other programs' share) of the machine's busy time, as fractions of
    each core's busy percentage; ``ours`` is our CPU in percent of one core (a
    process tree at 2 cores' full load: 200)."""
    busy = sum(percents)
    if busy <= 0:
        return 0.0, 0.0
    mine = min(1.0, max(0.0, ours / busy))
    return mine, 1.0 - mine


def legend_parts(percents: Sequence[float], ours: float, running: bool,
                 width: int) -> tuple[str, str]:
    """(``█ this run 1.9 cores``, ``  ▒ other programs 0.6 cores``): what each shade of
    the bars is, in cores; shorter when narrow."""
    busy = sum(percents) / 100
    mine = min(busy, max(0.0, ours / 100))
    theirs = busy - mine
    if running:
        own = (f"█ this run {mine:.1f} cores", f"█ this run {mine:.1f}", f"█ run {mine:.1f}")
    else:
        own = ("█ gil-tui",) * 3
    others = (f"  {SHADE} other programs {theirs:.1f} cores",) * 2 + \
        (f"  {SHADE} others {theirs:.1f}",)
    for mine_text, others_text in zip(own, others):
        if len(mine_text) + len(others_text) <= width:
            break
    return mine_text, others_text


def legend_text(percents: Sequence[float], ours: float, running: bool, width: int) -> str:
    """The legend row as plain text (see :func:`legend_parts`), cut to ``width``."""
    return "".join(legend_parts(percents, ours, running, width))[:width]


def progress_text(fraction: float, width: int, style: str = "green") -> Text:
    """A progress bar as text: the done part in `style`, the rest as dim dots."""
    solid = bar(fraction, width).rstrip()
    return Text.assemble((solid, style), ("·" * (width - len(solid)), "dim"))


def sparkline(values: Sequence[float], width: int) -> str:
    """The last `width` values (0-100) as spark characters, right-aligned."""
    tail = list(values)[-width:]
    chars = "".join(SPARKS[min(7, max(0, int(v / 100 * 7.999)))] for v in tail)
    return chars.rjust(width)


def layout(cores: int, width: int) -> tuple[int, int]:
    """(columns, rows) to lay `cores` cells out in `width` cells of screen."""
    if cores <= 0:
        return 1, 0
    max_columns = max(1, width // MIN_CELL)
    columns = min(max_columns, max(1, math.ceil(cores / 8)))
    return columns, math.ceil(cores / columns)


class CoreBars(Widget):
    """Per-core CPU load: `CPU0 ██████▌    97% ▁▂▅██`.

    Many cores are laid out in columns; the sparkline is dropped when a cell gets narrow.
    """

    DEFAULT_CSS = """
    CoreBars { height: auto; padding: 0 1; }
    CoreBars > .core-bars--label { color: $text-muted; }
    CoreBars > .core-bars--low { color: $success; }
    CoreBars > .core-bars--mid { color: $warning; }
    CoreBars > .core-bars--high { color: $error; }
    CoreBars > .core-bars--spark { color: $accent; }
    CoreBars > .core-bars--track { color: $panel-lighten-2; }
    CoreBars > .core-bars--others { color: $text-muted; }
    """

    COMPONENT_CLASSES = {
        "core-bars--label", "core-bars--low", "core-bars--mid", "core-bars--high",
        "core-bars--spark", "core-bars--track", "core-bars--others",
    }

    percents: reactive[tuple[float, ...]] = reactive(tuple, always_update=False)
    """The latest percentage of each core, 0-100."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.history: list[deque[float]] = []
        self._styles: dict[str, Style] = {}
        self._strips: list[Strip] | None = None
        self._strips_width = -1
        #: Our CPU (percent of one core) in the latest sample; None: bars are not split.
        self.ours: float | None = None
        #: True while a run is measured (the legend names it "this run").
        self.running = False

    def push(self, percents: Sequence[float], visible: bool = True,
             ours: float | None = None, running: bool = False) -> None:
        """Add one sample (one percentage per core); redraw only when visible.

        ``ours``: how much of that was ours, in percent of one core (the run's process
        tree and gil-tui); with it the bars are stacked and a legend row is drawn.
        Refreshing a hidden widget is not free in Textual (it recomputes the
        screen's full map), so a hidden tab only keeps the history.
        """
        relayout = len(percents) != len(self.percents) or (ours is None) != (self.ours is None)
        self.ours, self.running = ours, running  # the legend row comes or goes with ours
        if len(self.history) != len(percents):
            self.history = [deque(maxlen=HISTORY) for _ in percents]
        for values, value in zip(self.history, percents):
            values.append(float(value))
        if not visible and not relayout:
            self.set_reactive(CoreBars.percents, tuple(float(p) for p in percents))
            self._strips = None
            return
        self.percents = tuple(float(p) for p in percents)
        # Also with the same percentages: the split or the sparkline's history moved on.
        self._strips = None
        self.refresh(layout=relayout)

    def get_content_height(self, container, viewport, width: int) -> int:
        legend = 1 if self.ours is not None and self.percents else 0
        return max(1, layout(len(self.percents), width)[1] + legend)

    def _level_style(self, percent: float) -> Style:
        return self._styles[cpu_level(percent)]

    def _load_styles(self) -> None:
        self._styles = {name: self.get_component_rich_style(f"core-bars--{name}")
                        for name in ("label", "low", "mid", "high", "spark", "track",
                                     "others")}

    def _rows(self, width: int) -> list[list[tuple[str, Style]]]:
        """The rows to draw, as (text, style) pieces; `width` is the content width."""
        cores = len(self.percents)
        if not cores:
            return [[("Sampling the cores…", self._styles["label"])]]
        width = max(MIN_CELL, width)
        columns, rows = layout(cores, width)
        cell = width // columns
        label_width = len(f"CPU{cores - 1}") + 1
        rest = cell - label_width - 6  # "100% " and a gap between columns
        spark_width = 0 if rest < 16 else min(HISTORY, max(6, rest // 3))
        bar_width = max(4, rest - spark_width - (1 if spark_width else 0))
        label_style = self._styles["label"]
        spark_style = self._styles["spark"]
        track_style = self._styles["track"]
        others_style = self._styles["others"]
        mine, theirs = (1.0, 0.0) if self.ours is None else share_split(self.percents, self.ours)
        out: list[list[tuple[str, Style]]] = []
        for row in range(rows):
            line: list[tuple[str, Style]] = []
            for column in range(columns):
                index = column * rows + row
                if index >= cores:
                    break
                percent = self.percents[index]
                level = self._level_style(percent)
                solid, shade = split_bar(percent / 100 * mine, percent / 100 * theirs,
                                         bar_width)
                line.append((f"CPU{index}".ljust(label_width), label_style))
                line.append((solid, level))
                line.append((shade, others_style))
                line.append(("·" * (bar_width - len(solid) - len(shade)), track_style))
                line.append((f"{percent:4.0f}%", level))
                if spark_width:
                    line.append((" " + sparkline(self.history[index], spark_width),
                                 spark_style))
                if column < columns - 1:
                    line.append((" " * (cell - label_width - bar_width - 5
                                        - (spark_width + 1 if spark_width else 0)), label_style))
            out.append(line)
        if self.ours is not None:
            own, theirs = legend_parts(self.percents, self.ours, self.running, width)
            out.append([(own, label_style), (theirs, others_style)])
        return out

    def render_line(self, y: int) -> Strip:
        """One row, drawn straight from segments (the core bars redraw 4+ times a second,
        and going through rich Text and Textual's Visual cost ~3 ms a redraw here)."""
        width = self.content_size.width
        if self._strips is None or self._strips_width != width:
            if not self._styles:  # looking them up costs more than drawing the bars
                self._load_styles()
            base = self.rich_style
            self._strips = [
                Strip([Segment(text, base + style) for text, style in row if text])
                .crop_extend(0, width, base)
                for row in self._rows(width)
            ]
            self._strips_width = width
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None
        self._styles = {}

    def watch_percents(self) -> None:
        self._strips = None

    def render(self) -> Text:
        """The same rows as rich Text (for tests and for printing)."""
        if not self._styles:
            self._load_styles()
        out = Text(no_wrap=True, overflow="crop")
        for n, row in enumerate(self._rows(max(MIN_CELL, self.content_size.width))):
            if n:
                out.append("\n")
            for text, style in row:
                out.append(text, style)
        return out
