"""Walking one JSON document as it streams from a file, a member and an item at a time.

``json`` reads a whole document at once; a ``results --json`` output of a large
history is one line of many megabytes. :class:`JSONText` decodes the file in
chunks and gives the members of the top-level object one by one, a list as an
iterator of its items, each item decoded alone (``json``'s own decoder, without
NaN/Infinity, on at most :data:`~gil_tui.engine.history.validate.MAX_LINE`
characters). Memory stays about one item, whatever the document's size.
Anything unexpected (not JSON, not UTF-8, too deep, too long) is :class:`NotJSON`.
"""

from __future__ import annotations

import codecs
from typing import IO, Any, Iterator

from gil_tui.engine.history.validate import DECODER, MAX_LINE
from gil_tui.engine.text import bytes_text

__all__ = ["JSONText", "NotJSON"]

_CHUNK = 64 * 1024


class NotJSON(Exception):
    """The text is not (or no longer) the JSON the walker expects."""


class JSONText:
    """Decoded text of a binary file, read chunk by chunk, for walking one JSON document."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf, self.pos, self.eof = "", 0, False

    def _more(self, want: int = _CHUNK) -> bool:
        if self.eof:
            return False
        chunk = self._f.read(max(_CHUNK, want))  # at least doubles a value being read: linear
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise NotJSON("not UTF-8 text") from None
        self.eof = not chunk
        self.buf, self.pos = self.buf[self.pos:] + text, 0
        return bool(chunk or text)

    def peek(self) -> str:
        """The next character that is not blank ('' at the end)."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more():
                return ""

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise NotJSON(f"expected {char!r}")
        self.pos += 1

    def value(self, limit: int = MAX_LINE) -> Any:
        """The next JSON value, at most ``limit`` characters long."""
        self.peek()
        while True:
            try:
                data, end = DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise NotJSON("nested too deeply") from None
            except (ValueError, OverflowError):  # incomplete, or not JSON
                if self.eof:
                    raise NotJSON("not valid JSON") from None
            else:
                if end < len(self.buf) or self.eof:  # a number may go on in the next chunk
                    self.pos = end
                    return data
            if len(self.buf) - self.pos > limit:
                raise NotJSON(f"a value longer than {bytes_text(limit)}")
            self._more(len(self.buf) - self.pos)

    def members(self) -> Iterator[tuple[str, Any]]:
        """The members of the object that starts here; a list is given as an iterator of its
        items (read one at a time, to be consumed before the next member)."""
        self.take("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value(4096)
            if not isinstance(key, str):
                raise NotJSON("not an object")
            self.take(":")
            if self.peek() == "[":
                items = self._items()
                yield key, items
                for _ in items:  # whatever the caller did not read
                    pass
            else:
                yield key, self.value()
            char = self.peek()
            self.pos += 1
            if char == "}":
                return
            if char != ",":
                raise NotJSON("not valid JSON")

    def _items(self) -> Iterator[Any]:
        self.take("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            char = self.peek()
            self.pos += 1
            if char == "]":
                return
            if char != ",":
                raise NotJSON("not valid JSON")
