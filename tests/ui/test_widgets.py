"""The Live tab's pure helpers: bars, layout, selection rules."""

from __future__ import annotations

import pytest

from gil_tui.engine.run.spec import Mode, SpecError, Workload
from gil_tui.ui.selection import Selection
from gil_tui.ui.widgets.core_bars import bar, layout, sparkline
from gil_tui.ui.widgets.workers_table import human_bytes


def test_bar_fills_in_eighths() -> None:
    assert bar(0, 4) == "    "
    assert bar(1, 4) == "████"
    assert bar(0.5, 4) == "██  "
    assert bar(1 / 16, 2) == "▏ "
    assert bar(2.0, 3) == "███" and bar(-1, 3) == "   "


def test_sparkline_keeps_the_latest_values() -> None:
    assert sparkline([0, 100], 2) == "▁█"
    assert sparkline([100] * 10, 3) == "███"
    assert sparkline([50], 3) == "  ▄"


@pytest.mark.parametrize("cores, width, columns", [(2, 80, 1), (8, 80, 1), (16, 80, 2),
                                                    (64, 80, 3), (128, 200, 9)])
def test_layout_uses_columns_for_many_cores(cores, width, columns) -> None:
    cols, rows = layout(cores, width)
    assert cols == columns and cols * rows >= cores


def test_human_bytes() -> None:
    assert human_bytes(None) == "" and human_bytes(512) == "512 B"
    assert human_bytes(3 * 2**20) == "3.0 MiB"


def test_selection_rules() -> None:
    sel = Selection()
    assert sel.next_mode().mode is Mode.PROCESSES
    assert sel.replace(mode=Mode.PROCESSES).next_mode().mode is Mode.SEQUENTIAL, \
        "asyncio is skipped for cpu"
    io = sel.next_workload()
    assert io.workload is Workload.IO and io.workers == 16
    assert io.replace(mode=Mode.ASYNCIO).next_workload().mode is Mode.ASYNCIO  # sleep
    assert sel.add_workers(-5).workers == 1 and sel.add_workers(1000).workers == 256
    spec = sel.replace(start_method="spawn").to_spec()
    assert spec.start_method is None, "start method only for processes"
    with pytest.raises(SpecError):
        Selection.from_try({"workload": "cpu", "mode": "asyncio"})
    tried = Selection.from_try({"workload": "hash", "mode": "threads", "workers": "4"})
    assert (tried.workload, tried.workers) == (Workload.HASH, 4)
