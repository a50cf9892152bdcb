"""The web driver of a served app: textual's, plus "quit when the server is gone".

textual-serve talks to each app process over its stdin and stdout. When the
browser tab closes, the server sends a ``quit`` packet and the app quits the
usual way (its panes cancel their runs on unmount, so no worker outlives it).
Textual's own driver ignores end of file on stdin, though: if the server dies
(killed, crashed), the app would go on without a screen. This driver quits on
end of file too, and in both cases starts a watchdog that ends the process and
what it started if quitting has not finished after :data:`QUIT_GRACE` seconds.
"""

from __future__ import annotations

import os
import threading

from textual import messages
from textual.drivers.web_driver import WebDriver

__all__ = ["ServedDriver", "QUIT_GRACE", "end_descendants"]

#: Seconds the app gets to quit by itself before the watchdog ends it.
QUIT_GRACE = 15.0


def end_descendants(grace: float = 1.0) -> None:
    """Terminate, then kill, every process below this one (workers in their own groups too)."""
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    _gone, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            pass


class ServedDriver(WebDriver):
    """textual's WebDriver that also quits when stdin ends, with a watchdog on quitting."""

    _watchdog: threading.Thread | None = None

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # end of file, not the app stopping: no server
            self._quit()

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type == "quit":
            self._start_watchdog()
        super().on_meta(packet_type, payload)

    def _quit(self) -> None:
        self._start_watchdog()
        self._app.post_message(messages.ExitApp())

    def _start_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="served-quit-watchdog",
                                              daemon=True)
            self._watchdog.start()

    @staticmethod
    def _watch() -> None:
        threading.Event().wait(QUIT_GRACE)
        end_descendants()
        os._exit(3)
