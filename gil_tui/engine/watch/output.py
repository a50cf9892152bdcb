"""A watched program's output: its bytes unchanged, and the same output as lines.

:class:`OutputPump` reads the program's stdout and stderr pipes with
``os.read`` in two threads.  Every chunk goes, byte for byte, to
``on_bytes(stream, data)`` (``--no-tui`` writes it to its own stdout: binary
output, CRLF and a last line without a newline come out as they went in).
The same bytes are cut into lines (:class:`LineSplitter`: at ``\\n``, a line
longer than ``LINE_LIMIT`` bytes in pieces, the last line even without its
newline): each raw line goes to the log file, if any (binary append: one
stream's bytes unchanged, and a line of stdout never cut by one of stderr),
and as text to ``on_line(stream, text)`` (the app's output panel; see
:func:`line_text`).  Callbacks run on the reader threads; one that raises does
not stop the pipe from being drained.
"""

from __future__ import annotations

import os
import threading
from typing import IO, Callable, Iterable

#: bytes read at once from a pipe
CHUNK = 65536
#: a line longer than this (in bytes) reaches ``on_line`` in pieces
LINE_LIMIT = 65536

LineCallback = Callable[[str, str], None]
BytesCallback = Callable[[str, bytes], None]


def line_text(raw: bytes) -> str:
    """One raw line as text: its ``\\n`` and one ``\\r`` before it dropped, UTF-8 with replacement."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    return raw.decode("utf-8", "replace")


class LineSplitter:
    """Bytes in, complete raw lines out (each with its ``\\n``; a longer line than
    ``limit`` in pieces); joined, the lines are exactly the bytes fed."""

    def __init__(self, limit: int = LINE_LIMIT) -> None:
        self.limit = limit
        self._rest = b""

    def feed(self, data: bytes) -> list[bytes]:
        parts = (self._rest + data).split(b"\n")
        self._rest = parts.pop()  # after the last \n: b"" or a line still open
        out = [piece for part in parts for piece in self._pieces(part + b"\n")]
        while len(self._rest) >= self.limit:
            out.append(self._rest[: self.limit])
            self._rest = self._rest[self.limit:]
        return out

    def _pieces(self, line: bytes) -> list[bytes]:
        if len(line) <= self.limit:
            return [line]
        return [line[at: at + self.limit] for at in range(0, len(line), self.limit)]

    def flush(self) -> list[bytes]:
        """The last line, when the output did not end with a newline."""
        rest, self._rest = self._rest, b""
        return [rest] if rest else []


class OutputPump:
    """Drain a program's pipes: bytes to ``on_bytes`` and the log, lines to ``on_line``."""

    def __init__(self, *, on_bytes: BytesCallback | None = None,
                 on_line: LineCallback | None = None,
                 log_path: str | os.PathLike | None = None) -> None:
        self.on_bytes, self.on_line, self.log_path = on_bytes, on_line, log_path
        self._log: IO[bytes] | None = None
        self._log_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def open_log(self) -> None:
        """Open the log file for appending; OSError when it cannot be written."""
        if self.log_path is not None:
            self._log = open(self.log_path, "ab", buffering=0)  # noqa: SIM115 - closed in close_log

    def start(self, streams: Iterable[tuple[str, IO[bytes]]]) -> None:
        for name, stream in streams:
            reader = threading.Thread(target=self._read, args=(stream, name),
                                      name=f"watch-{name}", daemon=True)
            reader.start()
            self._threads.append(reader)

    def join(self, timeout: float) -> None:
        for reader in self._threads:
            reader.join(timeout)

    @property
    def reading(self) -> bool:
        return any(reader.is_alive() for reader in self._threads)

    def _read(self, stream: IO[bytes], name: str) -> None:
        lines = LineSplitter()
        try:
            fd = stream.fileno()
            while True:
                data = os.read(fd, CHUNK)
                if not data:
                    break
                self._deliver(name, data, lines.feed(data))
        except (OSError, ValueError):
            pass
        self._deliver(name, b"", lines.flush())

    def _deliver(self, name: str, data: bytes, lines: list[bytes]) -> None:
        if data and self.on_bytes is not None:
            try:
                self.on_bytes(name, data)
            except Exception:  # noqa: BLE001 - a failing callback must not block the pipe
                pass
        for raw in lines:
            self._write_log(raw)
            if self.on_line is not None:
                try:
                    self.on_line(name, line_text(raw))
                except Exception:  # noqa: BLE001 - as above
                    pass

    def _write_log(self, data: bytes) -> None:
        with self._log_lock:
            if self._log is not None:
                try:
                    self._log.write(data)
                except (OSError, ValueError):
                    pass

    def close_log(self) -> None:
        with self._log_lock:
            if self._log is not None:
                try:
                    self._log.close()
                except OSError:
                    pass
                self._log = None


__all__ = ["CHUNK", "LINE_LIMIT", "LineSplitter", "OutputPump", "line_text"]
