"""The app's own key bindings and tab names, apart from the App class.

The key catalog (help, palette, keymap checks) reads them without importing the
App itself, so that nothing imports ``ui.app`` back (no import cycle).
"""

from __future__ import annotations

from textual.binding import Binding

TABS = ("lessons", "live", "compare", "interpreters")
TAB_TITLES = {"lessons": "Lessons", "live": "Live", "compare": "Compare",
              "interpreters": "Interpreters"}

APP_BINDINGS = [
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave gil-tui"),
    Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help",
            tooltip="Keys and commands"),
    *(
        Binding(str(n), f"show_tab('{tab}')", TAB_TITLES[tab], show=False,
                id=f"app.tab.{tab}", tooltip=f"Go to the {TAB_TITLES[tab]} tab")
        for n, tab in enumerate(TABS, 1)
    ),
]

#: the help screen's one binding (HelpScreen.BINDINGS)
HELP_BINDINGS = [
    Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
]
