"""Ctrl+C and SIGTERM for the headless commands: cancel cleanly, then say so.

Not a subcommand (the leading underscore keeps the CLI from registering it).
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import contextmanager
from typing import Callable, Iterator


class Interrupt:
    """Whether a signal arrived while the block ran."""

    def __init__(self) -> None:
        self.happened = False


@contextmanager
def on_signals(cancel: Callable[[], object]) -> Iterator[Interrupt]:
    """Within a running event loop: SIGINT and SIGTERM call `cancel` instead of killing us.

    Where signal handlers cannot be installed (not the main thread, Windows) the
    block runs without them.
    """
    loop = asyncio.get_running_loop()
    state = Interrupt()

    def interrupt() -> None:
        state.happened = True
        cancel()

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, interrupt)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        yield state
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
