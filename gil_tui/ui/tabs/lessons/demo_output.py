"""What a lesson demo printed, laid out to fit the panel under the lesson.

The engine gives each demo's output as plain lines (``DemoResult.sections``), the
same lines ``gil-tui demo`` prints. Under a lesson the panel is narrow (about 76
cells at 80 columns) and short, so the race demo's table (80 columns of text) is
laid out again here from the figures in ``DemoResult.data`` as a rich table that
shrinks and wraps its text column to the width; every other line wraps instead of
running off to the right (the costs table is 74 wide). The switch-interval
timelines get their legend, first.

Rich renderables only (no Textual): the panel shows them in a ``Static``.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gil_tui.engine.text import plural, seconds

__all__ = ["demo_output", "race_tables"]


def _table(*columns: tuple[str, str]) -> Table:
    """A borderless table; each column is (header, justify). Numbers never wrap."""
    table = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False,
                  header_style="bold", expand=False)
    for header, justify in columns:
        numeric = justify == "right"
        table.add_column(header, justify=justify, no_wrap=numeric,
                         overflow="ellipsis" if numeric else "fold")
    return table


def race_tables(data: dict[str, Any]) -> list[tuple[str, RenderableType]] | None:
    """The race demo's trials and its lost updates per variant (None: not its data)."""
    trials = data.get("trials")
    variants = data.get("variants")
    if not isinstance(trials, list) or not isinstance(variants, dict):
        return None
    table = _table(("variant", "left"), ("trial", "right"), ("expected", "right"),
                   ("actual", "right"), ("lost", "right"), ("time", "right"))
    try:
        for row in trials:
            label = variants.get(row["variant"], {}).get("label", row["variant"])
            table.add_row(label, str(row["trial"] + 1), f"{row['expected']:,}",
                          f"{row['actual']:,}", f"{row['lost']:,}", seconds(row["seconds"]))
        lost = _table(("variant", "left"), ("trials that lost", "right"),
                      ("lost on average", "right"))
        for name, stats in variants.items():
            lost.add_row(stats.get("label", name),
                         f"{stats['losing_trials']} of {stats['trials']}",
                         f"{stats['mean_lost_share']:.1%}")
    except (KeyError, TypeError, ValueError):
        return None
    intro = f"{data.get('threads', '?')} threads x {data.get('increments', 0):,} increments each"
    lock = data.get("lock_increments")
    if lock and lock != data.get("increments"):
        intro += f" ({lock:,} with the Lock)"
    trials_requested = data.get("trials_requested")
    if trials_requested:
        intro += f"; up to {plural(trials_requested, 'trial')}"
        if data.get("stop_at_loss"):
            intro += ", stopping after the first in which a form without a lock lost updates"
    return [("Trials", Group(Text(intro), table)), ("Lost updates", lost)]


def _lines(lines: Iterable[str]) -> Text:
    # Wrapped at the panel's width (fold: a long path or traceback line breaks too).
    return Text("\n".join(lines), overflow="fold")


def demo_output(name: str, sections: list[tuple[str, list[str]]],
                data: dict[str, Any]) -> RenderableType:
    """The sections as one renderable that fits any width: titles underlined, tables
    rebuilt from the figures, lines wrapped; the legend of the charts, if the demo has
    one, comes first."""
    blocks = race_tables(data) if name == "race" else None
    if blocks is None:
        blocks = [(title, _lines(lines)) for title, lines in sections]
    parts: list[RenderableType] = []
    legend = data.get("legend") if isinstance(data, dict) else None
    if isinstance(legend, str) and legend:  # first: the charts are read with it
        parts.append(Text(legend, style="italic", overflow="fold"))
    for title, body in blocks:
        parts.append(Text(title, style="bold underline"))
        parts.append(body)
        parts.append(Text(""))
    return Group(*parts)
