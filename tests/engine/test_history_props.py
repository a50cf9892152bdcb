"""Properties of the history's parsers (hypothesis): hostile input raises only the documented
error, valid entries round-trip, and nothing that parses can put a control byte in a table."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gil_tui.engine.history import listing
from gil_tui.engine.history.entry import HistoryEntry, HistoryError, Warnings
from gil_tui.engine.history.importing import read_import
from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.history.validate import EntryError, entry_from_dict, parse_line
from gil_tui.engine.run.events import WorkerStat
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import MAX_DELAY_MS, MAX_SCALE, MAX_TASKS, MAX_WORKERS, RunSpec

#: max_examples comes from the profile tests/conftest.py loads (fewer in the default run)
SETTINGS = settings(deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

# ------------------------------------------------------------------ strategies

#: any JSON value, with the awkward ones (huge ints, NaN, deep lists, odd text) likely
json_values = st.recursive(
    st.none() | st.booleans()
    | st.integers() | st.integers(min_value=-(10 ** 400), max_value=10 ** 400)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)

#: the characters that reorder what a terminal shows (Trojan Source)
BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: text a person or a machine could put in a name: anything but surrogates (and, until
#: engine/text.py escapes them too, the line/paragraph separators and U+061C)
any_text = st.text(st.characters(blacklist_categories=("Cs", "Zl", "Zp"),
                                 blacklist_characters="\u061c"),
                   min_size=1, max_size=40).filter(lambda s: s.strip())
#: text that cleaning leaves as it is
plain_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")),
                     min_size=1, max_size=40).filter(lambda s: s.strip() and s.isprintable())
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@st.composite
def entries(draw, text=plain_text) -> HistoryEntry:
    workload = draw(st.sampled_from(["cpu", "hash", "io", "sleep"]))
    modes = ["sequential", "threads", "processes"] + (["asyncio"] if workload in ("io", "sleep")
                                                      else [])
    spec = RunSpec(workload, draw(st.sampled_from(modes)),
                   workers=draw(st.integers(1, MAX_WORKERS)),
                   tasks=draw(st.none() | st.integers(1, MAX_TASKS)),
                   scale=draw(st.floats(min_value=0.001, max_value=MAX_SCALE)),
                   delay_ms=draw(st.integers(0, MAX_DELAY_MS)),
                   python=draw(st.none() | text))
    interp = InterpreterInfo(path=draw(text), version=draw(text), implementation="cpython",
                             gil_enabled=draw(st.booleans()), free_threaded=draw(st.booleans()),
                             cpu_count=draw(st.none() | st.integers(1, 512)),
                             executable=draw(text))
    workers = tuple(WorkerStat(i, draw(st.integers(0, 2 ** 31)), draw(st.integers(0, 2 ** 63)),
                               draw(seconds), draw(st.none() | seconds), draw(st.integers(0, 99)),
                               draw(st.integers(0, 99)), draw(st.none() | seconds))
                    for i in range(draw(st.integers(0, 3))))
    wall = draw(st.just(0.0) | st.floats(min_value=1e-6, max_value=1e6))
    cpu = draw(st.floats(min_value=0, max_value=wall * 64)) if wall else draw(seconds)
    result = RunResult(spec, interp, wall_s=wall, startup_s=draw(seconds),
                       cpu_s=cpu, workers=workers, first_start_s=draw(seconds),
                       start_method=draw(st.none() | st.sampled_from(["fork", "spawn"])),
                       io_client=draw(st.none() | st.just("aiohttp")),
                       tasks=draw(st.integers(0, MAX_TASKS)),
                       started_at=draw(st.floats(min_value=0, max_value=4e9)),
                       others_cores=draw(st.none() | st.floats(min_value=0, max_value=512)))
    machine = {"hostname": draw(text), "cpu_count_logical": draw(st.integers(1, 256)),
               "platform": draw(text)}
    source = draw(st.sampled_from(["live", "compare", "bench", "imported"]))
    return HistoryEntry(result, machine, source, draw(st.none() | text),
                        imported=source == "imported",
                        origin=draw(st.none() | st.sampled_from(["live", "compare"])))


def paths(data):
    """Every (path, value) inside a decoded line."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (key,), value
            for sub, inner in paths(value):
                yield (key, *sub), inner
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield (n,), value
            for sub, inner in paths(value):
                yield (n, *sub), inner


def replaced(data, path, value):
    if not path:
        return value
    head, *rest = path
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[head] = replaced(data[head], rest, value)
    return copy


def only_documented(call):
    """Run ``call``; an EntryError is the documented refusal, anything else fails the test."""
    try:
        return call()
    except EntryError:
        return None


# ------------------------------------------------------------------ the line parser


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_give_an_entry_or_entry_error(raw):
    only_documented(lambda: parse_line(raw))


@SETTINGS
@given(json_values)
def test_any_json_value_gives_an_entry_or_entry_error(value):
    text = json.dumps(value)  # NaN and Infinity come out as bare words, as in a hostile file
    only_documented(lambda: parse_line(text.encode()))
    only_documented(lambda: entry_from_dict(value))


@SETTINGS
@given(entries(), st.data())
def test_any_field_replaced_by_any_value_gives_an_entry_or_entry_error(entry, data):
    line = entry.to_dict()
    spots = list(paths(line))
    path, _ = data.draw(st.sampled_from(spots))
    hostile = replaced(line, path, data.draw(json_values))
    parsed = only_documented(lambda: parse_line(json.dumps(hostile).encode()))
    if parsed is not None:  # what is accepted is sane
        r = parsed.result
        for figure in (r.wall_s, r.cpu_s, r.startup_s, r.started_at):
            assert math.isfinite(figure) and figure >= 0
        assert isinstance(r.interpreter.version, str) and isinstance(r.interpreter.path, str)
        listing.history_text([parsed])  # and prints


@SETTINGS
@given(entries())
def test_valid_entries_round_trip(entry):
    line = HistoryStore.encode(entry)
    assert parse_line(line) == entry
    assert parse_line(HistoryStore.encode(parse_line(line))) == entry


@SETTINGS
@given(entries(text=any_text))
def test_nothing_that_parses_puts_a_control_character_in_a_table(entry):
    try:
        parsed = parse_line(HistoryStore.encode(entry))
    except EntryError:  # e.g. a text whose cleaned form is over its field's length
        return
    assert parse_line(HistoryStore.encode(parsed)) == parsed  # cleaning is done once for all
    for table in (listing.history_text([parsed]), listing.history_markdown([parsed]),
                  listing.history_csv([parsed])):
        unsafe = [c for c in table if c != "\n" and (unicodedata.category(c) == "Cc"
                                                     or c in BIDI_CONTROLS)]
        assert not unsafe, (unsafe, table)
    row = listing.history_csv([parsed]).splitlines()[1]
    assert not row.lstrip('"').startswith(("=", "+", "-", "@"))


# ------------------------------------------------------------------ the import reader


def read_bytes(content: bytes) -> list[HistoryEntry]:
    """``read_import`` on a temporary file; returns the entries, raises what it raises."""
    found: list[HistoryEntry] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "import.json")
        with open(path, "wb") as f:
            f.write(content)
        with open(path, "rb") as f:
            read_import(f, "import.json", found.append, Warnings())
    return found


def only_history_error(content: bytes) -> list[HistoryEntry]:
    try:
        return read_bytes(content)
    except HistoryError:
        return []


@SETTINGS
@given(st.binary(max_size=400))
def test_import_of_any_bytes_gives_runs_or_history_error(raw):
    only_history_error(raw)


@SETTINGS
@given(json_values, st.sampled_from(["gil-tui-results", "gil-tui-compare", "other"]),
       st.booleans())
def test_import_of_any_document_gives_runs_or_history_error(value, kind, pretty):
    document = {"kind": kind, "machine": value, "entries": value, "runs": value}
    only_history_error(json.dumps(document, indent=2 if pretty else None).encode())
    only_history_error(json.dumps(value).encode())


@SETTINGS
@given(st.lists(entries(), min_size=1, max_size=5), st.booleans(), st.data())
def test_valid_entries_import_from_every_shape(items, pretty, data):
    lines = b"".join(HistoryStore.encode(e) for e in items)
    assert read_bytes(lines) == items
    document = listing.history_json(items, machine={"hostname": "there"})
    text = json.dumps(document, indent=2 if pretty else None)
    assert read_bytes(text.encode()) == items
    cut = data.draw(st.integers(1, len(text) - 1))  # a document cut short never half-imports
    assume(text[:cut].strip())
    with pytest.raises(HistoryError):
        read_bytes(text[:cut].encode())


@SETTINGS
@given(st.lists(entries(), min_size=1, max_size=6))
def test_streamed_speedups_equal_the_listed_ones(items):
    import csv

    from gil_tui.engine.history.regroup import entry_speedups

    rows = list(csv.DictReader(io.StringIO(listing.history_csv(items))))
    expected = ["" if s is None else str(round(s, 3)) for s in entry_speedups(items)]
    assert [r["speedup"] for r in rows] == expected
    out = io.StringIO()
    listing.write_json(lambda warnings=None: iter(items), out, [], machine={"hostname": "h"},
                       path="/p")
    assert json.loads(out.getvalue()) == listing.history_json(items, machine={"hostname": "h"},
                                                              path="/p")


worker_fields = st.fixed_dictionaries(
    {"index": json_values | st.integers(0, 300), "pid": json_values | st.integers(0, 2 ** 40),
     "thread_id": json_values | st.integers(0, 2 ** 65),
     "seconds": json_values | st.floats(min_value=-1, max_value=2e7)},
    optional={"cpu_s": json_values | st.floats(), "tasks": json_values | st.integers(-1, 99),
              "done": json_values, "start_s": json_values | st.floats()})


@SETTINGS
@given(worker_fields | json_values)
def test_the_quick_worker_check_agrees_with_the_detailed_one(data):
    from gil_tui.engine.history.validate import _worker, _worker_checked

    quick = only_documented(lambda: _worker(0, data))
    detailed = only_documented(lambda: _worker_checked(0, data))
    assert quick == detailed
