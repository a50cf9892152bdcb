"""The help screen (`?` or F1): every key, as the user's keymap has them, opened at the
current tab's section."""

from __future__ import annotations

import re
from typing import Mapping


from gil_tui.ui.app_keys import HELP_BINDINGS
from gil_tui.ui.widgets.document import DocumentView
from gil_tui.ui.widgets.document_modal import DocumentModal

#: ``{live.run}`` in the text becomes the key of that binding (its ``key_display`` when it
#: has one), ``{app.help*}`` every key of it, in backquotes; the keymap's when it remaps it.
HELP = """\
# gil-tui help

gil-tui teaches how threads and processes behave in CPython, with and
without the GIL, and lets you watch it happen on your own cores.

## Everywhere

- {app.tab.lessons} {app.tab.live} {app.tab.compare} {app.tab.interpreters}: the Lessons, \
Live, Compare and Interpreters tabs (their keys are in the tab names)
- `tab` / `shift+tab`: move the focus
- `^p`: command palette: any tab or lesson, run, cancel, costs, a demo, a sweep
- {app.help*}: this help, opened at the tab you are in
- {app.quit}: quit

## Lessons tab

- {lessons.next} / {lessons.previous}: next / previous lesson
- {lessons.toggle_list}: show or hide the list of lessons
- {lessons.up} {lessons.down} {lessons.page_up} {lessons.page_down} {lessons.home} \
{lessons.end}: scroll the lesson
- `enter` in the list: open the lesson picked there
- {lessons.try_it}: try the lesson's experiment in the Live tab (when it has one)
- {lessons.demo}: run the lesson's live demo (when it has one); it shows under the lesson
- {lessons.stop_demo}: stop the demo; once it has ended, close its panel
- {lessons.close_demo}: close the demo panel (a running demo is stopped); moving to
  another lesson closes it too

## Live tab

- {live.run}: run the selection (a sequential baseline runs first when needed)
- {live.cancel}: cancel the run; every worker process ends
- {live.workload} / {live.mode}: next workload / mode
- {live.more} / {live.fewer}: one worker more / fewer
- {live.tasks} / {live.scale}: tasks the work is split into / how much work (io, sleep: how long each wait is)
- {live.start}: start method (processes mode)
- {live.python}: next interpreter found on this machine
- {live.hz}: sampling rate of the cores (1, 2, 4 or 10 Hz)
- {live.costs}: measure what creating a thread and a process costs here, in a panel of
  its own (the lesson "Threads vs processes" then shows these figures); {live.costs} again
  or {live.close_costs} closes the panel

## Compare tab

- {compare.run}: run the matrix (in the scaling view: the sweep); {compare.cancel}: cancel, \
every worker process ends
- {compare.workload}: workload (cpu, io, hash) · {compare.pythons}: the interpreters in the \
matrix (space toggles, {compare.close} closes); in the scaling view, the one interpreter \
to sweep
- {compare.more} / {compare.fewer}: workers (back to auto at the default) · {compare.scale}: \
scale · {compare.repeat}: runs per cell (1, 3, 5)
- {compare.view}: matrix view or scaling view · {compare.mode}: the mode to sweep (scaling view)
- {compare.history}: past tables from the history, imported ones labelled with their \
machine · {compare.newer} / {compare.older}: newer / older · {compare.back} or \
{compare.history} again: back to the current matrix
- {compare.up} {compare.down} {compare.page_up} {compare.page_down} {compare.home} \
{compare.end}: scroll the tables
- {compare.copy}: copy the table as Markdown (`gil-tui compare ... --markdown` prints it too)

## Interpreters tab

- {interpreters.add}: add an interpreter by its path ({interpreters.cancel_add} closes the box)
- {interpreters.remove}: remove a path you added
- {interpreters.rescan*}: scan again

Links in a lesson open other lessons, or the official docs in your browser.

## From the command line

`gil-tui lessons` lists the lessons and `gil-tui lessons SLUG` prints
one. `gil-tui bench` runs one experiment headless, `gil-tui compare`
the matrix, `gil-tui watch -- CMD` measures your own program, and
`gil-tui live` opens the Live tab with a run selected. `gil-tui --help`
lists every command. {watch_note}

## Settings and keys

gil-tui remembers the theme, the Live tab's last selection, the Compare
tab's interpreters and the sampling rate in `settings.toml` (in its
config folder). A `[keymap]` table there remaps any key by its binding
id, e.g. `"live.run" = "enter"`; this help and the key bar show the keys
in use.

Press {help.close} to close this help.
"""

#: The heading of each tab's section (the help opens there).
SECTIONS = {"lessons": "Lessons tab", "live": "Live tab", "compare": "Compare tab",
            "interpreters": "Interpreters tab"}

WATCH_ON = 'The palette (`^p`) has "Watch a command…".'

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)+)(\*?)\}")


def help_text(keymap: Mapping[str, str] | None = None, watch_note: str = WATCH_ON) -> str:
    """The help's Markdown, each ``{binding.id}`` replaced by its keys (the keymap's when it
    remaps that binding)."""
    from gil_tui.ui.key_catalog import default_keys, keys_text

    keymap = keymap or {}
    bindings = {**default_keys(), **{b.id: b for b in HelpScreen.BINDINGS if b.id}}

    def keys(match: re.Match[str]) -> str:
        text = keys_text(match.group(1), keymap, bindings=bindings, joiner="` `",
                         every=bool(match.group(2)))
        return f"`{text}`" if text else match.group(0)

    return _PLACEHOLDER.sub(keys, HELP).replace("{watch_note}", watch_note)


class HelpScreen(DocumentModal):
    """Keys and commands, in one place."""

    BINDINGS = HELP_BINDINGS
    VIEW_ID = "help-text"

    def __init__(self, text: str | None = None, section: str | None = None) -> None:
        super().__init__(help_text() if text is None else text)
        #: The tab whose section is shown first (None: the top).
        self.section = section

    def on_mount(self) -> None:
        if self.section in SECTIONS:
            self.call_after_refresh(self._open_at_section)

    def _open_at_section(self, tries: int = 20) -> None:
        view = self.query_one(DocumentView)
        if not view.lines:  # not laid out yet: the text is rendered at its first size
            if tries:
                self.set_timer(0.02, lambda: self._open_at_section(tries - 1))
            return
        title = SECTIONS[self.section or ""]
        for row, line in enumerate(view.lines):
            if line.strip() == title:
                view.scroll_to(y=row, animate=False, immediate=True)
                return

