"""What every subcommand shares: exit codes, one-line failures, argument types,
Ctrl+C and SIGTERM, and the one status line on a terminal.

Not a subcommand (the leading underscore keeps the CLI from registering it).
Exit codes are an API: 0 done, 1 failed, 2 usage error, 130 interrupted.

Interrupts, one style for every command: SIGINT and SIGTERM stop the work
cleanly (every process it started is ended first), then :class:`Interrupted`
is raised and the command answers ``fail("interrupted; ...", EXIT_INTERRUPTED)``.
Async work goes through :func:`run_async`, blocking work through
:func:`interruptible`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator, TextIO, TypeVar

# the cheap spec module only (its limits): building the parser must stay fast
from gil_tui.engine.run.spec import MAX_DELAY_MS, MAX_SCALE, MAX_TASKS, MAX_WORKERS

__all__ = [
    "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED",
    "fail", "whole_number", "number", "WORKERS", "TASKS", "SCALE", "SCALE_HELP", "DELAY_MS",
    "scale_or_auto",
    "Interrupted", "run_async", "interruptible", "StatusLine", "progress_bar",
]

T = TypeVar("T")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def fail(message: str, code: int = EXIT_USAGE, *, prog: str = "gil-tui",
         err: TextIO | None = None) -> int:
    """Say ``prog: message`` in one line on stderr (or ``err``); returns ``code``."""
    print(f"{prog}: {message}", file=err if err is not None else sys.stderr)
    return code


# ------------------------------------------------------------ argument types


#: the longest argument a usage error quotes (a pasted file is not worth echoing)
SHOWN_MAX = 40


def _quoted(text: str) -> str:
    """``text`` quoted for a usage error: one line, controls escaped, at most SHOWN_MAX."""
    quoted = repr(text[:SHOWN_MAX])
    if len(quoted) <= SHOWN_MAX and len(text) <= SHOWN_MAX:
        return quoted
    return quoted[: SHOWN_MAX - 4] + "..." + quoted[0]


def _shown(text: str) -> str:
    """``text`` as typed when it is plain (``0``, ``-3``, ``1e9``), else :func:`_quoted`."""
    plain = text.isascii() and text.isprintable() and text == text.strip()
    return text if plain and 0 < len(text) <= SHOWN_MAX else _quoted(text)


def whole_number(name: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, or one line saying why not."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            digits = text.strip().lstrip("+-")
            if digits.isdecimal() and digits.isascii():  # too many digits for int()
                raise argparse.ArgumentTypeError(
                    f"{name} must be from {low} to {high}, got {_shown(text)}") from None
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number, got {_quoted(text)}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{name} must be from {low} to {high}, got {_shown(text)}")
        return value

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def number(name: str, high: float, *, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a number above 0 and at most ``high`` (``unit`` for the message);
    empty strings, NaN, infinities, zero and negatives are refused in one line."""
    suffix = f" {unit}" if unit else ""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a number{' of ' + unit if unit else ''}, "
                f"got {_quoted(text)}") from None
        if not (math.isfinite(value) and 0 < value <= high):
            raise argparse.ArgumentTypeError(
                f"{name} must be above 0 and at most {high:g}{suffix}, got {_shown(text)}")
        return value

    parse.__name__ = name
    return parse


#: the argparse types of the run options (``bench``, ``live``, ``compare``)
WORKERS = whole_number("workers", 1, MAX_WORKERS)
TASKS = whole_number("tasks", 1, MAX_TASKS)
DELAY_MS = whole_number("delay-ms", 0, MAX_DELAY_MS)
SCALE = number("scale", MAX_SCALE)


def scale_or_auto(text: str) -> float | str:
    """An argparse type: a scale (see :data:`SCALE`), or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    return SCALE(text)


scale_or_auto.__name__ = "scale"

#: what a scale of 1.0 is, for the help texts
SCALE_HELP = ("amount of cpu/hash work: 1.0 is 15 million iterations of a Python loop (cpu) "
              "or 1 GiB of sha256 (hash), roughly 1-3 s on one core depending on the machine")


# ------------------------------------------------------------ interrupts


class Interrupted(Exception):
    """SIGINT or SIGTERM ended the work; what it started was stopped first.

    ``result``: what the work returned after it was told to stop (a cancelled
    matrix's partial result), or None.
    """

    def __init__(self, result: Any = None) -> None:
        super().__init__("interrupted")
        self.result = result


def run_async(work: Callable[[], Awaitable[T]], *,
              cancel: Callable[[], object] | None = None) -> T:
    """Run ``work()`` in a new event loop; SIGINT and SIGTERM stop it cleanly.

    ``cancel``: how to stop it (a job's own ``cancel``, after which the work
    returns its partial result); by default its task is cancelled (the runner
    then ends the worker's process group). Raises :class:`Interrupted` once the
    work has ended. Where signal handlers cannot be installed (not the main
    thread, Windows) the work runs without them.
    """
    async def main() -> T:
        task = asyncio.ensure_future(work())
        loop = asyncio.get_running_loop()
        happened = False

        def interrupt() -> None:
            nonlocal happened
            happened = True
            (cancel or task.cancel)()

        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, interrupt)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        try:
            result = await task
        except asyncio.CancelledError:
            if happened:
                raise Interrupted() from None
            raise
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
        if happened:
            raise Interrupted(result)
        return result

    return asyncio.run(main())


@contextmanager
def interruptible() -> Iterator[None]:
    """Blocking work: SIGTERM raises KeyboardInterrupt inside the block, as Ctrl+C does,
    so the same clean-up runs for both; either leaves the block as :class:`Interrupted`."""
    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, on_term)
        installed = True
    except ValueError:  # not the main thread: no handler
        old, installed = None, False
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted() from None
    finally:
        if installed:
            signal.signal(signal.SIGTERM, old if old is not None else signal.SIG_DFL)


# ------------------------------------------------------------ the status line


def progress_bar(fraction: float, width: int) -> str:
    """``[#####-----]`` without the brackets: ``width`` characters, ``fraction`` of them #."""
    filled = int(max(0.0, min(1.0, fraction)) * width)
    return "#" * filled + "-" * (width - filled)


class StatusLine:
    """The one line a headless command redraws in place on a terminal while it works.

    ``show(text)`` redraws it, at most every ``interval`` seconds unless ``force``;
    ``clear()`` erases it before anything else is printed. ``lock`` (re-entrant)
    serialises the writes with other writers of the same stream.
    Use :meth:`on_terminal` to get one only when the stream is a terminal.
    """

    def __init__(self, stream: TextIO, *, interval: float = 0.1,
                 lock: threading.RLock | None = None) -> None:
        self.stream = stream
        self.interval = interval
        self.lock = lock if lock is not None else threading.RLock()
        self.drawn = False
        self._last = -math.inf

    @classmethod
    def on_terminal(cls, stream: TextIO, **options: Any) -> "StatusLine | None":
        """A StatusLine on ``stream`` when it is a terminal, else None."""
        isatty = getattr(stream, "isatty", None)
        return cls(stream, **options) if isatty is not None and isatty() else None

    def show(self, text: str, *, force: bool = False) -> bool:
        """Redraw the line with ``text``; returns whether it was drawn."""
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return False
        self._last = now
        with self.lock:
            self.stream.write(f"\r{text}\x1b[K")
            self.stream.flush()
            self.drawn = True
        return True

    def clear(self) -> None:
        """Erase the line (when drawn)."""
        with self.lock:
            if self.drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.drawn = False
