"""gil-tui with a probe: how long from a key's arrival to the end of the next frame.

Used by key_latency.py: `python _key_probe_app.py OUT KEY gil-tui-args...` runs the
app as usual and, at exit, writes to OUT the milliseconds between each press of KEY
(Textual's event timestamp, taken when the terminal input is read) and the end of
the first screen update after it: the app's own share of the latency, without the
terminal's and the measuring script's.
"""

from __future__ import annotations

import atexit
import sys
import time
from pathlib import Path

from textual import events
from textual.app import App
from textual.screen import Screen

from gil_tui.cli import main

OUT, KEY = Path(sys.argv[1]), sys.argv[2]
_pending: dict[int, float] = {}
_done: list[float] = []
_post = App.post_message
_refresh = Screen._compositor_refresh


def post_message(self, message):  # noqa: ANN001 - Textual's signature
    if isinstance(message, events.Key) and message.key == KEY:
        _pending.setdefault(id(message), message.time)
    return _post(self, message)


def compositor_refresh(self):  # noqa: ANN001
    result = _refresh(self)
    now = time.monotonic()
    _done.extend(now - t for t in _pending.values())
    _pending.clear()
    return result


App.post_message = post_message
Screen._compositor_refresh = compositor_refresh
atexit.register(lambda: OUT.write_text(" ".join(f"{1000 * x:.1f}" for x in _done)))
raise SystemExit(main(sys.argv[3:]))
