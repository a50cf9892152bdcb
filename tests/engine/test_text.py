"""engine/text.py: the one home of durations, sizes, GIL labels, speedup levels and
the cleaning of strings that gil-tui did not write itself."""

from __future__ import annotations

import math

import pytest

from gil_tui.engine import text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (math.nan, "-"), (math.inf, "-"), (-1.0, "-"), (0.000085, "85 µs"),
     (0.0027, "2.7 ms"), (0.412, "412 ms"), (2.414, "2.41 s")],
)
def test_seconds(value, shown) -> None:
    assert text.seconds(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (512, "512 B"), (12 * 1024, "12.0 KiB"), (11.4 * 1024**2, "11.4 MiB"),
     (3 * 1024**4, "3072.0 GiB"), (math.nan, "-")],
)
def test_bytes_text(value, shown) -> None:
    assert text.bytes_text(value) == shown


def test_plural() -> None:
    assert text.plural(1, "worker") == "1 worker"
    assert text.plural(2, "worker") == "2 workers"
    assert text.plural(2, "process", "processes") == "2 processes"


def test_gil_labels() -> None:
    assert text.gil_label("3.13.0", False, True) == "3.13.0 (GIL)"
    assert text.gil_label("3.14.0", True, False) == "3.14.0t (GIL off)"
    assert text.gil_label("3.14.0t", True, True, long=True) == "3.14.0t (free-threaded, GIL on)"
    assert text.gil_label(None, None, None) == "unknown"
    assert text.gil_state(False, None) == "GIL"


def test_speedup_levels_have_one_threshold_each() -> None:
    assert text.speedup(1.934) == "1.93x" and text.speedup(12.44) == "12.4x"
    assert text.speedup(None) == "-"
    # 0.90x is "flat" everywhere (it was yellow in Live and red in Compare)
    assert text.speedup_level(text.SLOWER) == "flat"
    assert text.speedup_level(0.89) == "slow"
    assert text.speedup_level(text.SCALED) == "good"
    assert text.speedup_level(None) == "none"


@pytest.mark.parametrize(
    "hostile",
    ["\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x1b]0;owned\x1b\\", "\x9b31m", "a\rb",
     "\u202etxt.exe", "\x00\x07\x08\x7f"],
)
def test_clean_never_lets_a_control_character_through(hostile) -> None:
    for out in (text.clean(hostile), text.clean_line(hostile), text.csv_cell(hostile)):
        assert not any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f for ch in out), repr(out)
        assert "\u202e" not in out


def test_clean_keeps_ordinary_text_and_newlines() -> None:
    assert text.clean("3.11.7 /usr/bin/python3 ünï") == "3.11.7 /usr/bin/python3 ünï"
    assert text.clean("a\nb") == "a\nb"
    assert text.clean_line("a\r\nb\tc") == "a b c"
    assert text.clean("x" * 10, max_len=5) == "xxxx…"
    assert text.clean(None) == "" and text.clean(12) == "12"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(cell) -> None:
    assert text.csv_cell(cell).startswith("'")


def test_csv_numbers_stay_numbers() -> None:
    assert text.csv_cell(-1.5) == "-1.5" and text.csv_cell(3) == "3"
    assert text.csv_cell("host-1") == "host-1"


def test_words_and_versions() -> None:
    assert text.join_words(["a"]) == "a"
    assert text.join_words(["a", "b", "c"]) == "a, b and c"
    assert text.version_label("3.14.0", True) == "3.14.0t"
    assert text.version_label("3.14.0t", True) == "3.14.0t"
    assert text.version_label("3.13.0", False) == "3.13.0"
    assert text.version_label(None, None) == "?"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "-"), (math.nan, "-"), (-1.0, "-"), (0.2, "0 s"), (44.6, "45 s"), (59.4, "59 s"),
     (59.6, "1 m"), (70, "1 m 10 s"), (120, "2 m"), (3599.4, "59 m 59 s"), (3600, "1 h"),
     (3900, "1 h 5 m"), (7260, "2 h 1 m")],
)
def test_duration_words(value, shown) -> None:
    assert text.duration_words(value) == shown


@pytest.mark.parametrize("mark", ["\u2028", "\u2029", "\u061c", "\u200f"])
def test_line_and_bidi_separators_are_escaped(mark) -> None:
    assert mark not in text.clean(f"a{mark}b") and mark not in text.clean_line(f"a{mark}b")
