"""Properties of the interpreter probe's parser (hypothesis): whatever a "python" prints,
:func:`parse_probe_output` gives an Interpreter (usable, or with a one-line reason) and never
raises; nothing it keeps for people can carry a control character to a terminal."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gil_tui.engine.system.probe import MAGIC, Interpreter, parse_probe_output
from gil_tui.engine.text import clean_line

#: max_examples comes from the profile tests/conftest.py loads (fewer in the default run)
SETTINGS = settings(deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: any JSON value, with the awkward ones likely (huge ints, NaN, nesting, odd text)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.integers(min_value=-(10 ** 400), max_value=10 ** 400)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)
FIELDS = ("version_info", "releaselevel", "serial", "version", "executable", "prefix",
          "implementation", "py_gil_disabled", "gil_enabled", "cpu_count", "has_aiohttp",
          "start_method")
GOOD = {"magic": MAGIC, "version_info": [3, 12, 1], "releaselevel": "final", "serial": 0,
        "version": "3.12.1 (main) [GCC]", "executable": "/x/python3", "prefix": "/x",
        "implementation": "cpython", "py_gil_disabled": 0, "gil_enabled": True, "cpu_count": 4,
        "has_aiohttp": False, "start_method": "fork"}
#: the hostile answers found by hand: each made the parser raise or keep something unsafe
NESTED = '{"a":' * 100_000 + "1" + "}" * 100_000
VERSION = re.compile(r"^\d{1,4}\.\d{1,4}(\.\d{1,4})?((a|b|rc)\d{1,4})?$")


def dumps(value) -> str:
    return json.dumps(value, allow_nan=True)


def check(info: Interpreter) -> None:
    """The promises every parse keeps."""
    assert isinstance(info, Interpreter)
    people = [info.reason, info.implementation, info.build, info.start_method, info.label()]
    for text in (t for t in people if t is not None):
        assert isinstance(text, str)
        assert clean_line(text) == text, text  # already clean: no ESC, BEL, CR/LF, C1, bidi
    if info.supported:
        assert info.reason is None and info.implementation == "cpython"
        assert info.version_info is not None and info.version_info[:2] >= (3, 8)
    else:
        assert info.reason, "an unusable interpreter always says why"
    if info.version is not None:
        assert VERSION.match(info.version), info.version
        assert all(isinstance(p, int) and 0 <= p for p in info.version_info)
    if info.cpu_count is not None:
        assert isinstance(info.cpu_count, int) and info.cpu_count > 0
    assert isinstance(info.has_aiohttp, bool) and isinstance(info.free_threaded, bool)
    assert info.gil_enabled in (True, False, None)
    assert info.prefix is None or isinstance(info.prefix, str)


@SETTINGS
@given(stdout=st.text(), stderr=st.text(), code=st.none() | st.integers(-255, 255))
@example(stdout=NESTED, stderr="", code=0)
@example(stdout="{" + '"x":[' * 50_000, stderr="", code=0)
@example(stdout="", stderr="\x1b]0;owned\x07boom\r\n", code=1)
def test_any_text_gives_an_interpreter(stdout, stderr, code):
    check(parse_probe_output("/x/python3", "added", stdout, stderr, code))


@SETTINGS
@given(values=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS)),
       noise=st.lists(st.text(max_size=40), max_size=3))
@example(values={"serial": [[[[1]]]], "releaselevel": "alpha"}, noise=[])
@example(values={"version_info": [3, 12, -5]}, noise=[])
@example(values={"version_info": [3, 12, 10 ** 300]}, noise=[])
@example(values={"cpu_count": 10 ** 300}, noise=[])
@example(values={"implementation": "\x1b[2Jcpython"}, noise=[])
@example(values={"version": "\x1b]0;owned\x07 3.12 free-threading build"}, noise=[])
@example(values={"start_method": "\u202efork\n"}, noise=[NESTED])
def test_any_field_values_give_an_interpreter(values, noise):
    answer = dumps(dict(GOOD, **values))
    info = parse_probe_output("/x/python3", "added", "\n".join(noise + [answer]) + "\n")
    check(info)


@SETTINGS
@given(value=json_values)
def test_any_json_line_gives_an_interpreter(value):
    check(parse_probe_output("/x/python3", "path", dumps(value) + "\n"))


def test_a_deeply_nested_line_is_skipped_not_raised():
    # json.loads raises RecursionError (not ValueError) on it
    info = parse_probe_output("/x/python3", "added", NESTED + "\n" + dumps(GOOD) + "\n")
    assert info.supported and info.version == "3.12.1"
    info = parse_probe_output("/x/python3", "added", NESTED + "\n")
    assert not info.supported and info.reason == "/x/python3 did not answer like Python"


@pytest.mark.parametrize("changes, field, expected", [
    ({"serial": [[1]], "releaselevel": "alpha"}, "version", "3.12.1a0"),
    ({"cpu_count": 10 ** 300}, "cpu_count", None),
    ({"cpu_count": 1e400}, "cpu_count", None),
    ({"start_method": "fork\x1b[2J"}, "start_method", None),
    ({"start_method": ["fork"]}, "start_method", None),
    ({"implementation": "\x1b[2JCPython"}, "implementation", "\\x1b[2jcpython"),
    ({"version": "3.12.1\x1b]0;owned\x07 (main)\nline two"}, "build",
     "3.12.1\\x1b]0;owned\\x07 (main)"),
    ({"prefix": "/x\x00y"}, "prefix", None),
])
def test_hostile_fields_are_dropped_or_cleaned(changes, field, expected):
    info = parse_probe_output("/x/python3", "added", dumps(dict(GOOD, **changes)))
    assert getattr(info, field) == expected


@pytest.mark.parametrize("version_info", [[3, 12, -1], [3, True], [3], [3, 12, 1, 0, 0, 0],
                                          [3, 12, 10 ** 9], "3.12.1", None])
def test_a_version_that_is_not_one_is_no_answer(version_info):
    info = parse_probe_output("/x/python3", "added", dumps(dict(GOOD, version_info=version_info)))
    assert not info.supported and info.version is None
    assert info.reason == "/x/python3 did not answer like Python"


def test_the_reason_is_one_clean_line():
    other = parse_probe_output("/x/p\x1b[2J", "added",
                               dumps(dict(GOOD, implementation="pypy\u202e")))
    assert not other.supported
    assert other.reason == "/x/p\\x1b[2J is pypy\\u202e 3.12.1; gil-tui needs CPython >= 3.8"
    failed = parse_probe_output("/x/p", "added", "", "Fatal Python error: \x1b]0;x\x07\n", 1)
    assert failed.reason == "/x/p failed to start: Fatal Python error: \\x1b]0;x\\x07"
