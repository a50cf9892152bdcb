"""The history store: append, reload, corrupt lines, broken files, concurrent writers, import."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os

import pytest

from gil_tui.engine.run.events import WorkerStat
from gil_tui.engine.history.store import HistoryEntry, HistoryError, HistoryStore
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import RunSpec

HERE = {"hostname": "here", "cpu_count_logical": 2, "cpu_count_usable": 2, "platform": "Linux-x"}
THERE = {"hostname": "laptop16", "cpu_count_logical": 16, "cpu_count_usable": 16,
         "platform": "Linux-y"}


def make_result(mode: str = "threads", wall: float = 1.0, *, version: str = "3.13.0",
                free_threaded: bool = False, path: str = "/py/3.13", started: float = 1000.0,
                workers: int = 2, workload: str = "cpu") -> RunResult:
    spec = RunSpec(workload, mode, workers=workers, scale=0.5, python=path)
    interp = InterpreterInfo(path=path, version=version, gil_enabled=not free_threaded,
                             free_threaded=free_threaded, cpu_count=2)
    stats = tuple(WorkerStat(i, 100 + i, 200 + i, wall) for i in range(spec.workers))
    return RunResult(spec, interp, wall_s=wall, startup_s=0.01, cpu_s=wall * 0.9,
                     workers=stats, tasks=8, started_at=started)


@pytest.fixture
def store(tmp_path):
    return HistoryStore(tmp_path / "data" / "history.jsonl", machine=HERE)


def test_default_path_follows_gil_tui_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path))
    assert HistoryStore().path == tmp_path / "data" / "history.jsonl"


def test_append_and_reload(store):
    assert store.load() == ([], [])
    first = store.append(make_result("sequential", 2.0), source="live")
    store.append(make_result("threads", 1.1), source="compare", matrix="m1")
    entries, warnings = store.load()
    assert warnings == []
    assert [e.result.spec.mode.value for e in entries] == ["sequential", "threads"]
    assert entries[0] == first
    assert entries[1].source == "compare" and entries[1].matrix == "m1"
    assert entries[1].machine == HERE and not entries[1].imported
    assert entries[1].result.wall_s == 1.1
    assert isinstance(entries[0], HistoryEntry)
    lines = store.path.read_bytes().splitlines()
    assert len(lines) == 2
    line = json.loads(lines[1])
    assert line["source"] == "compare" and line["machine"]["hostname"] == "here"
    assert line["spec"]["mode"] == "threads" and line["format"] == 1


def test_unknown_source_is_refused(store):
    with pytest.raises(ValueError):
        store.append(make_result(), source="elsewhere")


def test_corrupt_line_is_skipped_with_a_warning_and_the_rest_kept(store):
    store.append(make_result("sequential"))
    with open(store.path, "ab") as f:
        f.write(b'{"format": 1, "spec": {"workl\n')  # a writer died mid-line
        f.write(b"not json at all\n")
        f.write(b'{"some": "object"}\n')
    store.append(make_result("threads"))
    entries, warnings = store.load()
    assert [e.result.spec.mode.value for e in entries] == ["sequential", "threads"]
    assert len(warnings) == 3
    assert "line 2" in warnings[0] and "not valid JSON" in warnings[0]
    assert "line 4" in warnings[2] and "not a gil-tui run" in warnings[2]
    assert store.moved_aside is None


def test_a_line_cut_without_newline_does_not_swallow_the_next_append(store):
    store.append(make_result("sequential"))
    with open(store.path, "ab") as f:
        f.write(b'{"format": 1, "spe')  # crash mid-write: no newline
    store.append(make_result("threads"))
    entries, warnings = store.load()
    assert [e.result.spec.mode.value for e in entries] == ["sequential", "threads"]
    assert len(warnings) == 1


def test_a_directory_in_place_of_the_file_is_moved_aside(store):
    store.path.mkdir(parents=True)
    (store.path / "keep.txt").write_text("mine")
    entries, warnings = store.load()
    assert entries == [] and len(warnings) == 1
    assert "is a directory" in warnings[0] and "moved aside" in warnings[0]
    moved = store.moved_aside
    assert moved is not None and moved.name.startswith("history.jsonl.broken-")
    assert (moved / "keep.txt").read_text() == "mine"  # never deleted
    store.append(make_result())
    assert len(store.load()[0]) == 1


def test_append_over_a_directory_moves_it_aside_too(store):
    store.path.mkdir(parents=True)
    store.append(make_result())
    assert store.moved_aside is not None and store.moved_aside.is_dir()
    assert len(store.load()[0]) == 1


def test_binary_garbage_is_moved_aside_untouched(store):
    store.path.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 40
    store.path.write_bytes(garbage)
    entries, warnings = store.load()
    assert entries == [] and "moved aside" in warnings[0]
    assert store.moved_aside.read_bytes() == garbage
    assert not store.path.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a user that is not root")
def test_unreadable_file_is_moved_aside(store):
    store.append(make_result())
    store.path.chmod(0)
    try:
        entries, warnings = store.load()
        assert entries == [] and "permission denied" in warnings[0]
        assert store.moved_aside is not None
    finally:
        for p in store.path.parent.iterdir():
            p.chmod(0o644)


def test_clear(store):
    assert store.clear() == 0
    store.append(make_result("sequential"))
    store.append(make_result("threads"))
    assert store.clear() == 2
    assert store.load() == ([], [])
    store.append(make_result())
    assert len(store.load()[0]) == 1


def _writer(path: str, n: int, index: int) -> None:
    s = HistoryStore(path, machine={"hostname": f"writer{index}", "pad": "x" * 3000})
    for i in range(n):
        s.append(make_result(wall=1.0 + i, workers=8, started=float(index * 1000 + i)))


def test_concurrent_writers_produce_only_whole_lines(store):
    store.path.parent.mkdir(parents=True)
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    procs = [ctx.Process(target=_writer, args=(str(store.path), 40, i)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    entries, warnings = store.load()
    assert warnings == []
    assert len(entries) == 160
    raw = store.path.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 160
    for index in range(4):
        mine = [e for e in entries if e.machine["hostname"] == f"writer{index}"]
        assert [e.result.wall_s for e in mine] == [1.0 + i for i in range(40)]


def test_import_round_trip_keeps_the_machine_and_labels_imported(tmp_path, store):
    other = HistoryStore(tmp_path / "other.jsonl", machine=THERE)
    other.append(make_result("sequential", 2.0, version="3.14.0", free_threaded=True),
                 source="compare", matrix="m9")
    other.append(make_result("threads", 1.05, version="3.14.0", free_threaded=True),
                 source="compare", matrix="m9")
    store.append(make_result("sequential", 3.0))
    report = store.import_file(other.path)
    assert report.added == 2 and report.duplicates == 0
    assert report.machines == ("laptop16 (16 cores)",)
    assert "imported 2 runs from laptop16" in report.summary()
    entries, _ = store.load()
    assert len(entries) == 3
    mine, theirs = entries[0], entries[1:]
    assert not mine.imported and mine.machine == HERE
    for e in theirs:
        assert e.imported and e.source == "imported" and e.origin == "compare"
        assert e.machine == THERE and e.matrix == "m9"
        assert e.result.interpreter.free_threaded
    again = store.import_file(other.path)  # a second import adds nothing
    assert again.added == 0 and again.duplicates == 2
    assert len(store.load()[0]) == 3


def test_import_of_a_compare_json_export(tmp_path, store):
    from gil_tui.engine.history import export
    from gil_tui.engine.compare.matrix import MatrixPlan, Target
    from gil_tui.engine.compare.model import MatrixResult

    target = Target("/py/3.14t", "3.14.0", free_threaded=True, gil_enabled=False)
    plan = MatrixPlan.make("cpu", [target], workers=2, scale=0.5)
    result = MatrixResult.empty(plan, "m5", THERE)
    for cell in result.cells:
        cell.runs.append(make_result(cell.mode.value, 1.0, path=target.path, version="3.14.0",
                                     free_threaded=True, workers=cell.workers))
        cell.status = "ok"
    result.refresh()
    exported = tmp_path / "compare.json"
    exported.write_text(export.dumps(export.matrix_json(result)) + "\n")
    report = store.import_file(exported)
    assert report.added == 4  # threads, processes, subinterpreters and the baseline
    entries, _ = store.load()
    assert {e.machine["hostname"] for e in entries} == {"laptop16"}
    assert all(e.imported and e.matrix == "m5" for e in entries)


@pytest.mark.parametrize("content", [
    b"",
    b"hello, these are my notes\n",
    b'{"kind": "something-else", "runs": []}',
    b'[1, 2, 3]\n',
    bytes(range(256)),
    b'{"format": 1, "spec": {"workload": "cpu", "mode": "threads"}, "interpreter": {}, '
    b'"wall_s": 1, "cpu_s": 1}\n',
])
def test_import_of_a_foreign_file_is_refused_and_nothing_changes(tmp_path, store, content):
    store.append(make_result())
    before = store.path.read_bytes()
    foreign = tmp_path / "foreign.txt"
    foreign.write_bytes(content)
    with pytest.raises(HistoryError) as info:
        store.import_file(foreign)
    assert "foreign.txt" in str(info.value)
    assert store.path.read_bytes() == before


def test_import_of_a_bench_json_is_refused_with_the_reason(tmp_path, store):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(make_result().to_dict()))
    with pytest.raises(HistoryError, match="without a machine description"):
        store.import_file(bench)
    assert not store.path.exists()


def test_import_of_a_missing_file_or_a_directory(tmp_path, store):
    with pytest.raises(HistoryError, match="cannot read"):
        store.import_file(tmp_path / "nope.jsonl")
    with pytest.raises(HistoryError, match="directory"):
        store.import_file(tmp_path)


# ------------------------------------------------------------------ hostile input

from gil_tui.engine.history import importing, listing  # noqa: E402
from gil_tui.engine.history.importing import NotAFileError  # noqa: E402

#: raw control bytes that must never reach a terminal, a table or a spreadsheet
RAW = ("\x1b", "\x07", "\r", "\x9b", "\u202e")
EVIL_HOST = "=HYPERLINK(\"http://x\")\x1b]0;owned\x07|host\r\nsecond"
EVIL_PATH = "/py/\x1b]52;c;SGVsbG8=\x07\x1b[2J\r\nevil"
EVIL_VERSION = "3.13\x1b[31m\u202e"


def evil_entry(**changes) -> dict:
    """A history line whose outside strings carry escape sequences, CR/LF and formulas."""
    result = make_result("sequential", 2.0, path=EVIL_PATH, version=EVIL_VERSION)
    entry = HistoryEntry(result, {"hostname": EVIL_HOST, "cpu_count_logical": 4,
                                  "cpu_model": "\x1b[2Jcpu"}, "compare", "m|\x1b1")
    data = entry.to_dict()
    data.update(changes)
    return data


def strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_of(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings_of(v)


def assert_clean(text: str) -> None:
    for char in RAW:
        assert char not in text, (char, text[:200])


def test_strings_from_outside_are_cleaned_when_a_history_is_read(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps(evil_entry()) + "\n")
    entries, warnings = store.load()
    assert warnings == [] and len(entries) == 1
    data = entries[0].to_dict()
    for text in strings_of(data):
        assert_clean(text)
        assert "\n" not in text
    assert data["interpreter"]["path"].startswith("/py/\\x1b]52;c;")  # shown, not sent
    assert entries[0].machine_label.startswith('=HYPERLINK("http://x")\\x1b]0;owned\\x07')


def test_strings_from_outside_are_cleaned_on_import_and_in_every_table(tmp_path, store):
    source = tmp_path / "evil.jsonl"
    source.write_text(json.dumps(evil_entry()) + "\n")
    report = store.import_file(source)
    assert report.added == 1
    assert_clean(report.summary())
    entries, _ = store.load()
    for text in (listing.history_text(entries), listing.history_markdown(entries),
                 listing.history_csv(entries)):
        assert_clean(text)
    md_row = listing.history_markdown(entries).splitlines()[2]
    assert "\\|host" in md_row and md_row.count(" | ") == 10  # `|` cannot add a column
    row = next(csv.DictReader(io.StringIO(listing.history_csv(entries))))
    assert row["hostname"].startswith("'=HYPERLINK")  # a formula no more


def test_a_readable_history_that_cannot_be_written_is_never_moved_aside(store, monkeypatch):
    for n in range(5):
        store.append(make_result(started=1000.0 + n))
    before = store.path.read_bytes()

    def read_only(self, chunks):
        raise PermissionError(13, "Permission denied", str(self.path))

    monkeypatch.setattr(HistoryStore, "_append_bytes", read_only)
    with pytest.raises(HistoryError, match="cannot write the history .*Permission denied"):
        store.append(make_result(started=2000.0))
    assert store.moved_aside is None
    assert store.path.read_bytes() == before
    assert [p.name for p in store.path.parent.iterdir()] == ["history.jsonl"]
    monkeypatch.undo()
    assert len(store.load()[0]) == 5  # every run still shows


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a user that is not root")
def test_a_read_only_history_file_keeps_its_runs(store):
    for n in range(3):
        store.append(make_result(started=1000.0 + n))
    store.path.chmod(0o444)
    try:
        with pytest.raises(HistoryError):
            store.append(make_result(started=2000.0))
        assert store.moved_aside is None and len(store.load()[0]) == 3
    finally:
        store.path.chmod(0o644)


def good_line(**changes) -> dict:
    data = HistoryEntry(make_result(), THERE, "compare", "m1").to_dict()
    data.update(changes)
    return data


def interp(**changes) -> dict:
    return dict(good_line()["interpreter"], **changes)


def spec(**changes) -> dict:
    return dict(good_line()["spec"], **changes)


ABSURD = [
    good_line(started_at=1e300),
    good_line(started_at=-1e18),
    good_line(interpreter=interp(version=3.13)),
    good_line(interpreter=interp(path=["/a", "/b"])),
    good_line(machine={"hostname": ["a", "b"]}),
    good_line(wall_s=10 ** 30),
    good_line(cpu_s=-1.0),
    good_line(tasks=10 ** 4000),
    good_line(spec=spec(workers=10 ** 20)),
    good_line(spec=spec(scale=10 ** 400)),
    good_line(spec=spec(workload=["cpu"])),
    good_line(workers=[{"index": 0, "pid": 1, "thread_id": 1, "seconds": "1"}]),
    good_line(format=True),
    good_line(matrix={"id": 1}),
    good_line(imported="yes"),
]
ABSURD_TEXT = [
    json.dumps(good_line()).replace('"wall_s": 1.0', '"wall_s": NaN'),
    json.dumps(good_line()).replace('"wall_s": 1.0', '"wall_s": Infinity'),
    json.dumps(good_line()).replace('"cpu_s": 0.9', '"cpu_s": -Infinity'),
    "[" * 200_000 + "]" * 200_000,
    '{"format": 1, "spec": ' + "{" * 100_000,
    json.dumps(good_line()).replace('"tasks": 8', '"tasks": ' + "9" * 5000),
]


def absurd_file(path) -> None:
    lines = [json.dumps(good_line())] + [json.dumps(d) for d in ABSURD] + ABSURD_TEXT
    assert "NaN" in lines[len(ABSURD) + 1]
    path.write_text("\n".join(lines) + "\n")


def test_absurd_values_are_skipped_on_import_with_one_warning_each(tmp_path, store):
    source = tmp_path / "absurd.jsonl"
    absurd_file(source)
    report = store.import_file(source)
    assert report.added == 1
    bad = len(ABSURD) + len(ABSURD_TEXT)
    assert len(report.warnings) == min(bad, 20) + (1 if bad > 20 else 0)
    for n, warning in enumerate(report.warnings[:20], start=2):
        assert f"absurd.jsonl, line {n}: skipped" in warning
        assert len(warning) < 400 and "\n" not in warning
    assert report.warnings[20:] == ("... and 1 more warning like these",)
    entries, warnings = store.load()
    assert len(entries) == 1 and warnings == []
    assert listing.history_text(entries).count("\n") == 2


def test_a_history_with_absurd_lines_still_reads_shows_and_clears(store):
    store.path.parent.mkdir(parents=True)
    absurd_file(store.path)
    entries, warnings = store.load()
    assert len(entries) == 1 and len(warnings) == 21  # twenty lines, then a count
    assert any("nested too deeply" in w for w in warnings)
    assert any("NaN is not a number" in w for w in warnings)
    assert "started_at must be from 0" in warnings[0]
    for fmt in (listing.write_text, listing.write_markdown, listing.write_csv,
                listing.write_json):
        fmt(store.scan, io.StringIO(), [])
    assert store.clear() == 1 + len(ABSURD) + len(ABSURD_TEXT)
    assert store.path.read_bytes() == b""


def test_clear_never_parses(store, monkeypatch):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("[" * 500_000 + "\n" + json.dumps(good_line()) + "\n\n  \n")

    def no_parsing(*args, **kwargs):
        raise AssertionError("clear parsed the history")

    monkeypatch.setattr("gil_tui.engine.history.validate.decode", no_parsing)
    monkeypatch.setattr(json, "loads", no_parsing)
    assert store.clear() == 2
    assert store.path.stat().st_size == 0


def test_a_line_longer_than_the_limit_is_skipped_without_being_held(store, monkeypatch):
    monkeypatch.setattr("gil_tui.engine.history.validate.MAX_LINE", 1000)
    from gil_tui.engine.history import validate

    store.append(make_result(started=1.0))
    with open(store.path, "ab") as f:
        f.write(b'{"pad": "' + b"x" * 5000 + b'"}\n')
    store.append(make_result(started=2.0))
    lines = list(validate.read_lines(open(store.path, "rb"), 1000))
    assert [n for n, line in lines if line is None] == [2]
    assert len(store.load()[0]) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_import_refuses_a_fifo_without_blocking(tmp_path, store):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotAFileError, match="is a FIFO"):
        store.import_file(fifo)  # no writer: a blocking open would hang here


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_import_refuses_devices(store, path):
    if not os.path.exists(path):
        pytest.skip(f"no {path}")
    with pytest.raises(NotAFileError, match="is a device"):
        store.import_file(path)
    assert not store.path.exists()


def test_import_refuses_a_directory_as_a_usage_error(tmp_path, store):
    with pytest.raises(NotAFileError, match="is a directory"):
        store.import_file(tmp_path)


def test_import_refuses_a_file_over_the_cap_before_reading_it(tmp_path, store):
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as f:
        f.truncate(importing.MAX_IMPORT_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(HistoryError, match="imports files of up to 50.0 MiB"):
        store.import_file(big)


def test_import_stops_a_file_that_grows_past_the_cap(tmp_path, store, monkeypatch):
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps(good_line(started_at=float(n))) + "\n"
                              for n in range(50)))
    real_open = importing.open_regular
    monkeypatch.setattr(importing, "open_regular", lambda p: real_open(p, 10 ** 9))  # passes
    monkeypatch.setattr(importing, "MAX_IMPORT_BYTES", 3000)  # ...then it "grows"
    with pytest.raises(HistoryError, match="grew past"):
        store.import_file(source)
    assert not store.path.exists()


def results_document(n: int, *, indent=None) -> str:
    entries = [good_line(started_at=float(i), wall_s=1.0 + i / 1000) for i in range(n)]
    return json.dumps(listing.history_json([], machine=THERE) | {"entries": entries},
                      indent=indent)


def test_import_streams_a_one_line_document_bigger_than_its_chunks(tmp_path, store):
    source = tmp_path / "results.json"
    source.write_text(results_document(300) + "\n")
    assert source.stat().st_size > 4 * 64 * 1024
    report = store.import_file(source)
    assert report.added == 300 and report.machines == ("laptop16 (16 cores)",)
    assert len(store.load()[0]) == 300


def test_import_of_a_pretty_printed_document(tmp_path, store):
    source = tmp_path / "pretty.json"
    source.write_text(results_document(3, indent=2))
    assert store.import_file(source).added == 3


@pytest.mark.parametrize("content, words", [
    (lambda: results_document(5)[:-40], "cut short"),
    (lambda: results_document(2) + "\n" + results_document(2), "more than one"),
    (lambda: '{"kind": "gil-tui-results", "machine": {}}', "without its list"),
    (lambda: '{"kind": "gil-tui-results", "entries": [1, 2]}', "holds no run"),
    (lambda: '{"kind": "gil-tui-results", "machine": [1], "entries": []}', "machine must be"),
])
def test_broken_documents_are_refused_and_change_nothing(tmp_path, store, content, words):
    store.append(make_result())
    before = store.path.read_bytes()
    source = tmp_path / "doc.json"
    source.write_text(content())
    with pytest.raises(HistoryError, match=words):
        store.import_file(source)
    assert store.path.read_bytes() == before


def test_memory_of_a_listing_does_not_grow_with_the_runs(tmp_path):
    import tracemalloc

    def peak(runs: int) -> int:
        s = HistoryStore(tmp_path / f"h{runs}.jsonl", machine=HERE)
        s.append_entries(HistoryEntry(make_result(("sequential", "threads")[n % 2],
                                                  started=float(n)), HERE, "live")
                         for n in range(runs))
        tracemalloc.start()
        try:
            with open(os.devnull, "w") as sink:
                listing.write_text(s.scan, sink, [])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(200), peak(4000)
    # a list of 4000 entries would take megabytes; the stream keeps about one line
    assert large < 3 * small, (small, large)


def test_the_validator_knows_every_field_of_a_run():
    """A new field in RunResult (or InterpreterInfo, WorkerStat, RunSpec) must be checked in
    engine/history/validate.py too, or imported files could carry anything in it."""
    import dataclasses

    from gil_tui.engine.run.events import WorkerStat

    known = {
        RunResult: {"spec", "interpreter", "wall_s", "startup_s", "cpu_s", "workers",
                    "first_start_s", "start_method", "io_client", "tasks", "started_at",
                    "others_cores", "subinterpreters_api"},
        InterpreterInfo: {"path", "version", "implementation", "gil_enabled", "free_threaded",
                          "cpu_count", "executable"},
        WorkerStat: {"index", "pid", "thread_id", "seconds", "cpu_s", "tasks", "done",
                     "start_s"},
        RunSpec: {"workload", "mode", "workers", "tasks", "scale", "delay_ms", "start_method",
                  "python"},
    }
    for cls, names in known.items():
        assert {f.name for f in dataclasses.fields(cls)} == names, cls.__name__
