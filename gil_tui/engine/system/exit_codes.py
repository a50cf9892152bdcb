"""The exit codes gil-tui gives when a signal stops it (stdlib only, cheap to import:
the app's signal handling loads it before the first frame)."""

from __future__ import annotations

import signal

__all__ = ["STOP_SIGNALS", "stopped_exit_code"]

#: Ctrl+C and SIGTERM "interrupted" (130, like every gil-tui command), SIGHUP (the
#: terminal closed) 128 + 1 as a shell reports it
STOP_SIGNALS: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 130}
if hasattr(signal, "SIGHUP"):
    STOP_SIGNALS[signal.SIGHUP] = 129


def stopped_exit_code(sig: int) -> int:
    """The exit code of gil-tui (an app, a watch) ended by signal ``sig``."""
    return STOP_SIGNALS.get(sig, 128 + int(sig))
