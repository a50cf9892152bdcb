"""Properties of the CLI's number arguments (hypothesis): any string gives a value in range or
argparse's one-line error; empty, blank, NaN, infinities, zero and negatives are refused, and
the error never echoes a control character, a line break or a pasted page."""

from __future__ import annotations

import argparse
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gil_tui.cli import main
from gil_tui.commands._common import (
    DELAY_MS,
    SCALE,
    SHOWN_MAX,
    TASKS,
    WORKERS,
    number,
    scale_or_auto,
    whole_number,
)
from gil_tui.engine.run.spec import MAX_DELAY_MS, MAX_SCALE, MAX_TASKS, MAX_WORKERS
from gil_tui.engine.text import clean_line

#: max_examples comes from the profile tests/conftest.py loads (fewer in the default run)
SETTINGS = settings(deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
WHOLE = [(WORKERS, 1, MAX_WORKERS), (TASKS, 1, MAX_TASKS), (DELAY_MS, 0, MAX_DELAY_MS),
         (whole_number("repeat", 1, 20), 1, 20)]
TIMEOUT = number("timeout", 120.0, unit="seconds")
REAL = [(SCALE, MAX_SCALE), (TIMEOUT, 120.0)]

#: what people type, what scripts pass, and what breaks parsers
numeric_text = st.one_of(
    st.text(),
    st.integers(-10 ** 30, 10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"\A\s*[+-]?(\d+(_\d+)*)?(\.\d*)?([eE][+-]?\d+)?\s*\Z"),
    st.sampled_from(["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-0",
                     "0", "0.0", "1_000", "0x10", "١٢", "\u20285", "5\x85", "\x1f1"]),
)
HOSTILE = ["5\x1b[2J", "\u2028" + "5" * 1000, "1" * 5000, "\x1f-1", "-1\x85", "1e999\u2029"]


def refused_cleanly(parse, text: str) -> str:
    with pytest.raises(argparse.ArgumentTypeError) as info:
        parse(text)
    message = str(info.value)
    assert clean_line(message) == message, message   # one line, no control character
    assert "\u2028" not in message and "\u2029" not in message and "\x85" not in message
    assert len(message) <= 90 + SHOWN_MAX, message   # the argument is cut, never echoed whole
    return message


def check_whole(parse, low: int, high: int, text: str) -> None:
    try:
        value = parse(text)
    except argparse.ArgumentTypeError:
        refused_cleanly(parse, text)
        return
    assert type(value) is int and low <= value <= high


def check_real(parse, high: float, text: str) -> None:
    try:
        value = parse(text)
    except argparse.ArgumentTypeError:
        refused_cleanly(parse, text)
        return
    assert value == "auto" and parse is scale_or_auto or (
        type(value) is float and math.isfinite(value) and 0 < value <= high)


@SETTINGS
@given(text=numeric_text)
@example(text="\u20285")
@example(text="5" * 5000)
def test_whole_numbers_are_in_range_or_one_clean_line(text):
    for parse, low, high in WHOLE:
        check_whole(parse, low, high, text)


@SETTINGS
@given(text=numeric_text)
@example(text="\u2028-5")
@example(text="\x1f-1")
@example(text="9" * 1000)
def test_numbers_are_in_range_or_one_clean_line(text):
    for parse, high in REAL:
        check_real(parse, high, text)
    check_real(scale_or_auto, MAX_SCALE, text)


@pytest.mark.parametrize("text", ["", " ", "\t", "nan", "NaN", "inf", "-inf", "Infinity", "-1",
                                  "-0", "0", "0.0", "1e400", "-1e-300"])
def test_empty_nan_infinite_zero_and_negative_are_refused(text):
    for parse, _ in REAL:
        refused_cleanly(parse, text)


@pytest.mark.parametrize("text", ["", " ", "nan", "inf", "-1", "1.5", "1e3", "0x10",
                                  str(MAX_WORKERS + 1)])
def test_whole_numbers_refuse_what_is_not_one_in_range(text):
    refused_cleanly(WORKERS, text)


@pytest.mark.parametrize("text", HOSTILE, ids=["escape", "line-separator", "5000-digits",
                                          "unit-separator", "next-line", "paragraph-separator"])
def test_a_hostile_argument_is_not_echoed(text):
    # these once came back raw in "got ..." (an escape, a line separator, 5000 digits)
    for parse, _ in REAL:
        refused_cleanly(parse, text)
    for parse, _, _ in WHOLE:
        refused_cleanly(parse, text)


def test_the_messages_people_see():
    assert refused_cleanly(WORKERS, "0") == f"workers must be from 1 to {MAX_WORKERS}, got 0"
    assert refused_cleanly(WORKERS, "many") == "workers must be a whole number, got 'many'"
    assert refused_cleanly(WORKERS, "9" * 5000).startswith(
        f"workers must be from 1 to {MAX_WORKERS}, got '999")
    assert refused_cleanly(TIMEOUT, "soon") == "timeout must be a number of seconds, got 'soon'"
    assert refused_cleanly(TIMEOUT, "-1") == (
        "timeout must be above 0 and at most 120 seconds, got -1")
    assert refused_cleanly(SCALE, "\u2028-5") == (
        f"scale must be above 0 and at most {MAX_SCALE:g}, got '\\u2028-5'")
    assert WORKERS(" 4 ") == 4 and SCALE("1e-3") == 0.001 and scale_or_auto(" AUTO ") == "auto"


@pytest.mark.parametrize("argv", [
    ["bench", "--workers", ""],
    ["bench", "--scale", "nan"],
    ["interpreters", "--timeout", "inf"],
    ["live", "--tasks", "-3"],
])
def test_the_parser_exits_2_with_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(f"gil-tui {argv[0]}: error: argument ")
    assert "Traceback" not in err
