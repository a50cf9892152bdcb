"""The Interpreters tab's keys: every one a Binding with an id (for keymaps) and a tooltip.

``check_action`` in :class:`gil_tui.ui.tabs.interpreters.pane.InterpretersPane` greys
out what cannot act now (remove with an empty list, cancel without the path box).
"""

from __future__ import annotations

from textual.binding import Binding

INTERPRETERS_BINDINGS = [
    Binding("a", "add", "Add path", id="interpreters.add",
            tooltip="Add a Python interpreter by the path of its executable"),
    Binding("d", "remove", "Remove", id="interpreters.remove",
            tooltip="Forget the selected interpreter (only paths you added)"),
    Binding("R,ctrl+r", "rescan", "Rescan", key_display="R", id="interpreters.rescan",
            tooltip="Look for interpreters again (pyenv, uv, PATH, added paths)"),
    Binding("escape", "cancel_add", "Cancel", id="interpreters.cancel_add",
            tooltip="Close the path box without adding anything"),
]
