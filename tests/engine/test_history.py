"""The history store: append, reload, corrupt lines, broken files, concurrent writers, import."""

from __future__ import annotations

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
    assert report.added == 3
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
