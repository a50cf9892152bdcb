"""A character canvas for the scaling plot: braille dots (2 x 4 per cell) and markers.

Pure Python. Each dot belongs to a named layer; a cell holding dots of several
layers takes the style of the one drawn with the highest priority, and a
marker (one whole character, for a measured point) covers the dots under it.
Coordinates are in dots, (0, 0) at the bottom left.
"""

from __future__ import annotations

from typing import Iterator

# Braille dot bits by (column in the cell, row in the cell from the top).
_BITS = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (0, 3): 0x40,
         (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20, (1, 3): 0x80}
BRAILLE = 0x2800


class BrailleCanvas:
    """``width`` x ``height`` character cells, that is 2*width x 4*height dots."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = max(1, width), max(1, height)
        self._dots: dict[tuple[int, int], dict[str, int]] = {}
        self._marks: dict[tuple[int, int], tuple[str, str]] = {}
        self._priority: dict[str, int] = {}

    @property
    def dot_width(self) -> int:
        return 2 * self.width

    @property
    def dot_height(self) -> int:
        return 4 * self.height

    def _rank(self, layer: str) -> int:
        return self._priority.setdefault(layer, len(self._priority))

    def dot(self, x: int, y: int, layer: str) -> None:
        """Set the dot at (x, y); dots outside the canvas are ignored."""
        if not (0 <= x < self.dot_width and 0 <= y < self.dot_height):
            return
        row_from_top = self.dot_height - 1 - y
        cell = (x // 2, row_from_top // 4)
        bits = self._dots.setdefault(cell, {})
        self._rank(layer)
        bits[layer] = bits.get(layer, 0) | _BITS[(x % 2, row_from_top % 4)]

    def line(self, x0: int, y0: int, x1: int, y1: int, layer: str) -> None:
        """A straight line of dots from (x0, y0) to (x1, y1), ends included."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            self.dot(x0, y0, layer)
            if x0 == x1 and y0 == y1:
                return
            twice = 2 * err
            if twice >= dy:
                err += dy
                x0 += sx
            if twice <= dx:
                err += dx
                y0 += sy

    def mark(self, x: int, y: int, char: str, layer: str) -> None:
        """Put ``char`` in the cell holding dot (x, y), over any dots there."""
        if not (0 <= x < self.dot_width and 0 <= y < self.dot_height):
            return
        self._rank(layer)
        self._marks[(x // 2, (self.dot_height - 1 - y) // 4)] = (char, layer)

    def cell(self, column: int, row: int) -> tuple[str, str | None]:
        """(character, layer) of a cell, row 0 at the top; a blank cell has layer None."""
        marked = self._marks.get((column, row))
        if marked is not None:
            return marked
        bits = self._dots.get((column, row))
        if not bits:
            return " ", None
        top = max(bits, key=lambda layer: self._priority[layer])
        combined = 0
        for value in bits.values():
            combined |= value
        return chr(BRAILLE + combined), top

    def rows(self) -> Iterator[list[tuple[str, str | None]]]:
        for row in range(self.height):
            yield [self.cell(column, row) for column in range(self.width)]

    def text_rows(self) -> list[str]:
        """The canvas as plain strings (for tests)."""
        return ["".join(char for char, _ in row) for row in self.rows()]
