"""CompactCores: the Live tab's CoreBars, kept to two rows for the Compare tab.

Up to two rows of bars it draws exactly like :class:`CoreBars`; when the cores
would need more rows at this width it draws one block per core instead
(``cores ▂▇█▁▃▅…  avg 41%``), wrapped to at most :data:`MAX_ROWS` rows.
"""

from __future__ import annotations

import math

from rich.style import Style

from gil_tui.ui.widgets.core_bars import SPARKS, CoreBars, layout

MAX_ROWS = 2
LABEL = "cores "


def dense_rows(cores: int, width: int) -> int:
    per_row = max(1, width - len(LABEL) - 10)
    return min(MAX_ROWS, max(1, math.ceil(cores / per_row)))


class CompactCores(CoreBars):
    """Per-core load in at most two rows."""

    def _dense(self, width: int) -> bool:
        return layout(len(self.percents), width)[1] > MAX_ROWS

    def get_content_height(self, container, viewport, width: int) -> int:
        cores = len(self.percents)
        if not cores or not self._dense(width):
            return super().get_content_height(container, viewport, width)
        return dense_rows(cores, width)

    def _rows(self, width: int) -> list[list[tuple[str, Style]]]:
        width = max(20, width)
        if not self.percents or not self._dense(width):
            return super()._rows(width)
        per_row = max(1, width - len(LABEL) - 10)
        label = self._styles["label"]
        rows: list[list[tuple[str, Style]]] = [[(LABEL, label)]]
        shown = self.percents[: per_row * MAX_ROWS]
        for n, percent in enumerate(shown):
            if n and n % per_row == 0:
                rows.append([(" " * len(LABEL), label)])
            rows[-1].append((SPARKS[min(7, max(0, int(percent / 100 * 7.999)))],
                             self._level_style(percent)))
        average = sum(self.percents) / len(self.percents)
        more = len(self.percents) - len(shown)
        rows[-1].append((f" +{more}" if more else "", label))
        rows[-1].append((f"  avg {average:3.0f}%", self._level_style(average)))
        return rows
