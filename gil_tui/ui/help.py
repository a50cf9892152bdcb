"""The help screen (`?` or F1)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from gil_tui.ui.widgets.document import DocumentView

HELP = """\
# gil-tui help

gil-tui teaches how threads and processes behave in CPython, with and
without the GIL, and lets you watch it happen on your own cores.

## Everywhere

- `1` `2` `3` `4`: the Lessons, Live, Compare and Interpreters tabs
- `tab` / `shift+tab`: move the focus
- `ctrl+p`: command palette, to jump to any tab or lesson
- `?` or `F1`: this help
- `q`: quit

## Lessons tab

- `n` / `p`: next / previous lesson
- `t`: show or hide the list of lessons
- `up` `down` `pgup` `pgdn` `home` `end`: scroll the lesson
- `enter` in the list: open the lesson picked there
- `r`: try the lesson's experiment in the Live tab (when it has one)

## Live tab

- `r`: run the selection (a sequential baseline runs first when needed)
- `x`: cancel the run; every worker process ends
- `w` / `m`: next workload / mode
- `+` / `-`: one worker more / fewer
- `t` / `s`: tasks the work is split into / how much work
- `k`: start method (processes mode)
- `i`: next interpreter found on this machine
- `f`: sampling rate of the cores (1, 2, 4 or 10 Hz)
- `c`: measure what creating a thread and a process costs here (the lesson
  "Threads vs processes" then shows these figures)

## Compare tab

- `r`: run the matrix (in the scaling view: the sweep); `x`: cancel, every worker process ends
- `w`: workload (cpu, io, hash) · `i`: the interpreters in the matrix (space toggles, escape closes)
- `+` / `-`: workers (back to auto at the default) · `s`: scale · `n`: runs per cell (1, 3, 5)
- `v`: matrix view or scaling view · `m`: the mode to sweep (scaling view)
- `h`: past tables from the history, imported ones labelled with their machine · `[` / `]`: newer / older
- `c`: copy the table as Markdown (`gil-tui compare ... --markdown` prints it too)

## Interpreters tab

- `a`: add an interpreter by its path (`escape` closes the box)
- `d`: remove a path you added
- `R` or `ctrl+r`: scan again

Links in a lesson open other lessons, or the official docs in your browser.

## From the command line

`gil-tui lessons` lists the lessons and `gil-tui lessons SLUG` prints
one. `gil-tui bench` runs one experiment headless, `gil-tui compare`
the matrix, `gil-tui watch -- CMD` measures your own program, and
`gil-tui live` opens the Live tab with a run selected. `gil-tui --help`
lists every command. The palette (`ctrl+p`) has "Watch a command…".

Press `escape`, `q` or `?` to close this help.
"""


class HelpScreen(ModalScreen[None]):
    """Keys and commands, in one place."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > DocumentView {
        width: 80; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 0 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        view = DocumentView(HELP, id="help-text")
        view.can_focus = True  # the arrow and page keys scroll it
        yield view

    def action_close(self) -> None:
        self.dismiss(None)
