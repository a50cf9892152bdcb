"""The Compare tab's keys: every one a Binding with an id (for keymaps) and a tooltip.

The controls line shows most of them with their values, so only the actions are in
the footer. ``check_action`` in :class:`gil_tui.ui.tabs.compare.pane.ComparePane` greys
out what cannot act now (cancel while idle, mode outside the scaling view, ...).
"""

from __future__ import annotations

from textual.binding import Binding

COMPARE_BINDINGS = [
    Binding("r", "run", "Run", id="compare.run",
            tooltip="Run the matrix (in the scaling view: the sweep)"),
    Binding("x", "cancel", "Cancel", id="compare.cancel",
            tooltip="Stop the matrix or sweep; every worker process ends"),
    Binding("w", "cycle('workload')", "Workload", show=False, id="compare.workload",
            tooltip="Next workload: cpu, io, hash"),
    Binding("i", "pick", "Pythons", show=False, id="compare.pythons",
            tooltip="Choose the interpreters of the matrix (space ticks), or in the "
                    "scaling view the one to sweep"),
    Binding("plus,equals_sign", "workers(1)", "+Worker", key_display="+", show=False,
            id="compare.more", tooltip="One worker more"),
    Binding("minus", "workers(-1)", "-Worker", key_display="-", show=False,
            id="compare.fewer", tooltip="One worker fewer"),
    Binding("s", "cycle('scale')", "Scale", show=False, id="compare.scale",
            tooltip="How much cpu/hash work (1 = a few seconds sequential)"),
    Binding("n", "cycle('repeat')", "Runs", show=False, id="compare.repeat",
            tooltip="Runs per cell (the table shows the median): 1, 3 or 5"),
    Binding("m", "cycle('mode')", "Mode", show=False, id="compare.mode",
            tooltip="Scaling view: the mode to sweep"),
    Binding("v", "toggle_view", "View", id="compare.view",
            tooltip="Matrix view or scaling view"),
    Binding("h", "history", "History", id="compare.history",
            tooltip="Past tables from the results history (imported ones too); "
                    "h again comes back to the current matrix"),
    Binding("c", "copy", "Copy", id="compare.copy",
            tooltip="Copy the table as Markdown to the clipboard"),
    Binding("left_square_bracket", "page(-1)", "Newer", key_display="[", show=False,
            id="compare.newer", tooltip="The newer table"),
    Binding("right_square_bracket", "page(1)", "Older", key_display="]", show=False,
            id="compare.older", tooltip="The older table"),
    Binding("escape", "pick(False)", "Close", show=False, id="compare.close",
            tooltip="Close the list of interpreters"),
    # Escape again, once the list is closed: shown in the key bar only in the history.
    Binding("escape", "history('back')", "Back", key_display="esc", id="compare.back",
            tooltip="Leave the history: back to the current matrix"),
]
