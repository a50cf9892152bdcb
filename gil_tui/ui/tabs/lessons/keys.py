"""The Lessons tab's keys: every one a Binding with an id (for keymaps) and a tooltip.

``check_action`` in :class:`gil_tui.ui.tabs.lessons.pane.LessonsPane` hides the keys
that cannot act on the lesson on show (try it, the demo keys).
"""

from __future__ import annotations

from textual.binding import Binding

from gil_tui.ui.scroll_keys import scroll_bindings

LESSONS_BINDINGS = [
    Binding("n", "next_lesson", "Next", id="lessons.next", tooltip="Go to the next lesson"),
    Binding("p", "previous_lesson", "Prev", id="lessons.previous",
            tooltip="Go to the previous lesson"),
    Binding("t", "toggle_list", "Contents", id="lessons.toggle_list",
            tooltip="Show or hide the list of lessons"),
    Binding("r", "try_it", "Try it", id="lessons.try_it",
            tooltip="Open this lesson's experiment in the Live tab"),
    Binding("d", "demo", "Demo", id="lessons.demo",
            tooltip="Run this lesson's live demo (real code, in a safe sandbox)"),
    Binding("x", "stop_demo", "Stop", id="lessons.stop_demo",
            tooltip="Stop the running demo; once it has ended, close its panel"),
    Binding("escape", "close_demo", "Close", id="lessons.close_demo",
            tooltip="Close the demo panel (a running demo is stopped)"),
    *scroll_bindings("lessons"),
]
