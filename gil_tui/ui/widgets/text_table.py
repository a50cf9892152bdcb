"""TextTable: a read-only table drawn by rich as one block of text.

The Compare tab's tables only show figures; they are never navigated. Textual's
DataTable re-rendered every cell whenever one changed, which took 50-60 ms for a
matrix of 12 rows on this 2-core VM, once per finished run of a matrix and while
the workers had every core. Here the columns have fixed widths, so each row is a
line of text: drawn in well under a millisecond, and only when the rows change.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widget import Widget


class TextTable(Widget):
    """Columns with fixed widths, a header line, and rows of str or rich Text."""

    DEFAULT_CSS = """
    TextTable { height: auto; }
    TextTable > .text-table--header { background: $panel; text-style: bold; }
    """

    COMPONENT_CLASSES = {"text-table--header"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.headers: list[str] = []
        self.widths: list[int] = []
        self.rows: list[list[str | Text]] = []

    def show(self, headers: Sequence[str], rows: Sequence[Sequence[str | Text]],
             widths: Sequence[int]) -> None:
        """Draw these rows; nothing happens if they are what is on show already."""
        headers, rows, widths = list(headers), [list(r) for r in rows], list(widths)
        if (headers, rows, widths) == (self.headers, self.rows, self.widths):
            return
        relayout = len(rows) != len(self.rows) or bool(headers) != bool(self.headers)
        self.headers, self.rows, self.widths = headers, rows, widths
        self.refresh(layout=relayout)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def plain_rows(self) -> list[list[str]]:
        """The rows as plain strings (for tests and copying)."""
        return [[str(cell) for cell in row] for row in self.rows]

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1 + len(self.rows) if self.headers else 0

    def render(self) -> Text:
        widths = list(self.widths)
        if widths:  # the last column takes what is left (it ends in … when too long)
            room = self.content_size.width - sum(widths[:-1]) - 2 * len(widths)
            widths[-1] = max(3, min(widths[-1], room))
        out = Text(no_wrap=True, overflow="crop", end="")
        if not self.headers:
            return out
        header = self._line(self.headers, widths)
        header.stylize(self.get_component_rich_style("text-table--header"))
        out.append_text(header)
        for row in self.rows:
            out.append("\n")
            out.append_text(self._line(row, widths))
        return out

    @staticmethod
    def _line(cells: Sequence[str | Text], widths: Sequence[int]) -> Text:
        """One row: each cell cut or padded to its column, one space either side.

        Drawn by hand, not with rich's Table: the widths are fixed, and a rich
        Table of 12 rows took 14 ms to lay out here, against well under 1 ms.
        """
        line = Text(end="")
        for cell, width in zip(cells, widths):
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            if text.justify == "right" and text.cell_len < width:
                text.pad_left(width - text.cell_len)
            text.truncate(width, overflow="ellipsis", pad=True)
            line.append(" ")
            line.append_text(text)
            line.append(" ")
        return line
