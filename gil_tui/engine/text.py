"""Every small text rule of gil-tui in one place: durations, sizes, GIL labels,
speedup levels, and the cleaning of strings that gil-tui did not write itself.

The engine, the CLI and the UI all format through these functions, so that a
figure reads the same everywhere and a threshold changes in one line.
Nothing here imports Textual or rich: levels are names ("good", "flat",
"slow"), and each front end maps them to its own colours.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "SCALED",
    "SLOWER",
    "bytes_text",
    "clean",
    "clean_line",
    "csv_cell",
    "duration_words",
    "gil_label",
    "gil_state",
    "join_words",
    "plural",
    "seconds",
    "speedup",
    "speedup_level",
    "version_label",
]

# ------------------------------------------------------------------ durations


def seconds(value: float | None) -> str:
    """A duration for people: ``-``, ``85 µs``, ``2.7 ms``, ``412 ms``, ``2.41 s``.

    Below 10 ms one decimal is kept (start-up costs live there); from 10 ms on
    whole milliseconds; from one second on seconds with two decimals.
    """
    if value is None or not math.isfinite(value):
        return "-"
    if value < 0:
        return "-"
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    if value < 0.01:
        return f"{value * 1000:.1f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def duration_words(value: float | None) -> str:
    """A longer span in whole units, for estimates: ``45 s``, ``1 m 10 s``, ``2 m``,
    ``1 h 5 m``; ``-`` without a value."""
    if value is None or not math.isfinite(value) or value < 0:
        return "-"
    whole = int(round(value))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes} m" + (f" {secs} s" if secs else "")
    hours, minutes = divmod(int(round(value / 60)), 60)
    return f"{hours} h" + (f" {minutes} m" if minutes else "")


# ---------------------------------------------------------------------- sizes


def bytes_text(value: float | None) -> str:
    """A size for people: ``-``, ``512 B``, ``12.0 KiB``, ``11.4 MiB``, ``1.2 GiB``."""
    if value is None or not math.isfinite(value) or value < 0:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "-"  # pragma: no cover - the loop always returns


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 worker``, ``2 workers`` (``many`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def join_words(items: list[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


# ------------------------------------------------------------------ GIL labels


def version_label(version: str | None, free_threaded: bool | None) -> str:
    """``3.13.0`` for a GIL build, ``3.14.0t`` for a free-threaded one, ``?`` unknown."""
    if not version:
        return "?"
    return version + ("t" if free_threaded and not version.endswith("t") else "")


def gil_state(free_threaded: bool | None, gil_enabled: bool | None) -> str:
    """``GIL`` for a GIL build; ``GIL off`` / ``GIL on`` for a free-threaded one."""
    if free_threaded:
        return "GIL off" if gil_enabled is False else "GIL on"
    return "GIL" if gil_enabled is not False else "GIL off"


def gil_label(version: str | None, free_threaded: bool | None, gil_enabled: bool | None,
              *, long: bool = False) -> str:
    """``3.13.0 (GIL)``, ``3.14.0t (GIL off)``; with ``long``, ``3.14.0t (free-threaded, GIL off)``."""
    if not version:
        return "unknown"
    text = version_label(version, free_threaded)
    state = gil_state(free_threaded, gil_enabled)
    if free_threaded and long:
        return f"{text} (free-threaded, {state})"
    return f"{text} ({state})"


# ------------------------------------------------------------------ speedups

#: a speedup at or above this counts as "scaled" (good)
SCALED = 1.3
#: a speedup below this counts as "slower" (slow); between the two it is "flat"
SLOWER = 0.9


def speedup(value: float | None) -> str:
    """``1.93x``, ``12.4x``, or ``-``."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def speedup_level(value: float | None) -> str:
    """``good`` (>= SCALED), ``slow`` (< SLOWER), ``flat`` between, ``none`` without a value."""
    if value is None or not math.isfinite(value):
        return "none"
    if value >= SCALED:
        return "good"
    if value < SLOWER:
        return "slow"
    return "flat"


# ------------------------------------------------- strings from outside gil-tui

# C0 controls (but not space), DEL, C1 controls, and the Unicode bidi/format
# characters that can reorder or hide what a terminal shows.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile("[\r\n\t\v\f]+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object, *, max_len: int | None = None) -> str:
    """A string that did not come from gil-tui, made safe for a terminal or a table.

    Control characters (escape sequences, CR, bells, C1 codes, bidi overrides) are
    shown escaped (``\\x1b``) instead of being sent; newlines and tabs are kept.
    Non-strings are turned into text first. ``max_len`` cuts with an ellipsis.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if text.isprintable():  # the common case, fast (every character _CONTROL matches is unprintable)
        return text if max_len is None or len(text) <= max_len else text[: max(0, max_len - 1)] + "…"
    kept = []
    for line in text.split("\n"):
        kept.append(_CONTROL.sub(_escape, line.replace("\t", "    ")))
    out = "\n".join(kept)
    if max_len is not None and len(out) > max_len:
        out = out[: max(0, max_len - 1)] + "…"
    return out


def clean_line(text: object, *, max_len: int | None = None) -> str:
    """Like :func:`clean`, for a single-line field: CR, LF and tabs become one space."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return clean(_LINE_BREAKS.sub(" ", text), max_len=max_len)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: object) -> str:
    """A cleaned single-line value for a CSV meant for a spreadsheet.

    A cell that starts with ``= + - @`` (or a tab/CR) would be read as a formula
    by a spreadsheet, even after leading blanks; such a cell gets a leading
    apostrophe (the OWASP advice).
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return str(text)
    value = clean_line(text)
    if value.lstrip().startswith(_FORMULA_START):
        value = "'" + value
    return value
