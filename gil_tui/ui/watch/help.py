"""The watch view's help (`?`): its keys, what the bars show and what the verdict means.

Drawn like the app's help (a :class:`~gil_tui.ui.widgets.document.DocumentView` in
a modal screen), with the keys the user's keymap gives; the verdict's thresholds come
from the summary, so the help cannot drift from what the summary says.
"""

from __future__ import annotations

import re
from typing import Iterable

from textual.app import App
from textual.binding import Binding

from gil_tui.engine.run.share import SHARED
from gil_tui.engine.watch.summary import ONE_CORE_HIGH, ONE_CORE_LOW, SHORT_RUN_S, WAITING
from gil_tui.ui.app_keys import HELP_BINDINGS
from gil_tui.ui.widgets.document_modal import DocumentModal

__all__ = ["WATCH_HELP", "WatchHelp", "key_names", "watch_help_text"]

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)+)\}")

#: ``{watch.stop}`` becomes that binding's keys (the keymap's when it remaps it); the
#: help screen's own close keys are written out.
WATCH_HELP = f"""\
# gil-tui watch

Runs one program and shows how it uses the machine's cores: its processes and
threads, its output and, at the end, one sentence on what the figures suggest.

## Keys

- {{watch.leave}}: leave (asks first while the program runs: it is then stopped,
  with every process it started)
- {{watch.stop}}: stop the program and every process it started (only while a
  program gil-tui started runs; an attached process is never stopped)
- {{watch.log}}: show or hide the program's output
- {{watch.help}}: this help
- `^q`: quit at once (a program still running is stopped first)

## What you see

- The bars: each core's load. Solid: the program (and gil-tui drawing it);
  `▒`: other programs on this machine. The row under them says how many cores each
  kept busy.
- The table: every process and thread of the program, CPU in % of one core.
- The line under the bars: cores busy now, on average and at the peak.

## The verdict

"Cores busy on average" is the program's CPU seconds divided by its wall seconds.

- under {WAITING:g}: it mostly waited (I/O, the network, a sleep, a lock)
- {WAITING:g} to {ONE_CORE_LOW:g}: a mix of computing and waiting
- {ONE_CORE_LOW:g} to {ONE_CORE_HIGH:g}: one core: one thread ran at a time (the GIL, or a
  single busy thread)
- over {ONE_CORE_HIGH:g}: several cores at once: processes, C code that releases the GIL,
  or a free-threaded build
- a run shorter than {SHORT_RUN_S:g} s is too short to tell

When other programs kept {SHARED:g} cores or more busy meanwhile, a figure under
several cores may be theirs as much as the program's: the verdict then says the
figures are noisy instead of drawing a conclusion. Run it again on a quiet machine.

Press `escape` or `?` to close this help.
"""


def key_names(app: App, bindings: Iterable[Binding], binding_id: str) -> str:
    """The keys of a binding as the key bar writes them (``q``, ``^q``, ``?``): the
    app's keymap's when it remaps ``binding_id``, else the binding's own."""
    remapped = (getattr(app, "keymap", None) or {}).get(binding_id)
    for binding in bindings:
        if binding.id != binding_id:
            continue
        keys = [key.strip() for key in (remapped or binding.key).split(",") if key.strip()]
        display = None if remapped else binding.key_display
        return "` `".join(dict.fromkeys(
            app.get_key_display(Binding(key, binding.action, key_display=display))
            for key in keys))
    return ""


def watch_help_text(app: App, bindings: Iterable[Binding]) -> str:
    """The help's Markdown, each ``{binding.id}`` replaced by its keys (``bindings``: the
    watch screen's)."""
    bindings = list(bindings)

    def keys(match: re.Match[str]) -> str:
        text = key_names(app, bindings, match.group(1))
        return f"`{text}`" if text else match.group(0)

    return _PLACEHOLDER.sub(keys, WATCH_HELP)


class WatchHelp(DocumentModal):
    """The watch view's help, in the app's document viewer."""

    BINDINGS = HELP_BINDINGS
    VIEW_ID = "watch-help-text"
