"""`gil-tui results` as a user runs it: show, export, clear, import; GIL_TUI_HOME keeps it apart."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gil_tui.engine.history.store import HistoryStore
from tests.engine.test_history import HERE, THERE, make_result

ROOT = Path(__file__).resolve().parents[1]


def env(home: Path) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    out["GIL_TUI_HOME"] = str(home)
    return out


def gil_tui(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gil_tui", *args], capture_output=True,
                          text=True, timeout=timeout, env=env(home), cwd=ROOT)


def history(home: Path) -> Path:
    return home / "data" / "history.jsonl"


def seed(home: Path, machine=HERE, path="/py/3.13", ft=False) -> HistoryStore:
    store = HistoryStore(history(home), machine=machine)
    store.append(make_result("sequential", 2.0, path=path, free_threaded=ft),
                 source="compare", matrix="m1")
    store.append(make_result("threads", 1.0, path=path, free_threaded=ft),
                 source="compare", matrix="m1")
    store.append(make_result("processes", 1.1, path=path, free_threaded=ft), source="live")
    return store


def test_empty_history(tmp_path):
    done = gil_tui(tmp_path, "results")
    assert done.returncode == 0 and done.stdout == "No runs in the history yet.\n"
    data = json.loads(gil_tui(tmp_path, "results", "--json").stdout)
    assert data["kind"] == "gil-tui-results" and data["entries"] == []
    assert data["machine"]["hostname"] and data["history"] == str(history(tmp_path))


def test_all_formats(tmp_path):
    seed(tmp_path)
    text = gil_tui(tmp_path, "results")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:3] == ["DATE", "MACHINE", "SOURCE"] and len(lines) == 4
    assert "2.00x" in lines[2]  # threads against the sequential run of its matrix
    md = gil_tui(tmp_path, "results", "--markdown").stdout
    assert md.startswith("| Date | Machine | Source |") and md.count("\n") == 5
    rows = list(csv.DictReader(io.StringIO(gil_tui(tmp_path, "results", "--csv").stdout)))
    assert [r["mode"] for r in rows] == ["sequential", "threads", "processes"]
    assert rows[1]["speedup"] == "2.0" and rows[0]["hostname"] == "here"
    js = gil_tui(tmp_path, "results", "--json")
    assert len(js.stdout.splitlines()) == 1
    data = json.loads(js.stdout)
    assert len(data["entries"]) == 3 and data["entries"][0]["machine"] == HERE


def test_corrupt_line_is_a_warning_on_stderr_and_the_rest_shows(tmp_path):
    seed(tmp_path)
    with open(history(tmp_path), "ab") as f:
        f.write(b"{broken\n")
    done = gil_tui(tmp_path, "results", "--json")
    assert done.returncode == 0
    assert "line 4: skipped (not valid JSON)" in done.stderr and "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    assert len(data["entries"]) == 3 and len(data["warnings"]) == 1


def test_history_that_is_a_directory_is_moved_aside(tmp_path):
    history(tmp_path).mkdir(parents=True)
    done = gil_tui(tmp_path, "results")
    assert done.returncode == 0
    assert "moved aside" in done.stderr and "No runs" in done.stdout
    assert [p.name.startswith("history.jsonl.broken-") for p in history(tmp_path).parent.iterdir()
            ] == [True]


def test_clear(tmp_path):
    seed(tmp_path)
    done = gil_tui(tmp_path, "results", "--clear")
    assert done.returncode == 0 and "cleared 3 runs" in done.stderr
    assert gil_tui(tmp_path, "results").stdout == "No runs in the history yet.\n"


def test_import_round_trip_between_two_homes(tmp_path):
    laptop, here = tmp_path / "laptop", tmp_path / "here"
    seed(laptop, machine=THERE, path="/py/3.14t", ft=True)
    seed(here)
    exported = tmp_path / "laptop.json"
    exported.write_text(gil_tui(laptop, "results", "--json").stdout)
    done = gil_tui(here, "results", "--import", str(exported))
    assert done.returncode == 0, done.stderr
    assert "imported 3 runs from laptop16 (16 cores)" in done.stderr
    data = json.loads(gil_tui(here, "results", "--json").stdout)
    entries = data["entries"]
    assert len(entries) == 6
    imported = [e for e in entries if e["imported"]]
    assert len(imported) == 3 and {e["machine"]["hostname"] for e in imported} == {"laptop16"}
    assert {e["source"] for e in imported} == {"imported"}
    rows = list(csv.DictReader(io.StringIO(gil_tui(here, "results", "--csv").stdout)))
    assert [r["speedup"] for r in rows] == ["1.0", "2.0", "", "1.0", "2.0", ""]
    # the raw history file imports too, and nothing is added twice
    again = gil_tui(here, "results", "--import", str(history(laptop)))
    assert again.returncode == 0 and "already in the history" in again.stderr


@pytest.mark.parametrize("content", [b"my shopping list\n", b"\x00\x01\x02garbage", b"{}"])
def test_import_of_a_foreign_file_changes_nothing(tmp_path, content):
    seed(tmp_path)
    before = history(tmp_path).read_bytes()
    foreign = tmp_path / "foreign.dat"
    foreign.write_bytes(content)
    done = gil_tui(tmp_path, "results", "--import", str(foreign))
    assert done.returncode == 1
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "nothing was imported" in lines[0] and "foreign.dat" in lines[0]
    assert history(tmp_path).read_bytes() == before


def test_usage_errors(tmp_path):
    for args in (["--clear", "--import", "x"], ["--json", "--csv"]):
        done = gil_tui(tmp_path, "results", *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not history(tmp_path).exists()


# ------------------------------------------------------------------ hostile input

from tests.engine.test_history import RAW, absurd_file, evil_entry  # noqa: E402


def gil_tui_bytes(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """As a user runs it, bytes untouched (text mode would turn a CR into a newline)."""
    return subprocess.run([sys.executable, "-m", "gil_tui", *args], capture_output=True,
                          timeout=timeout, env=env(home), cwd=ROOT)


def assert_clean(data: bytes) -> None:
    text = data.decode("utf-8")
    for char in RAW:
        assert char not in text, (char, text[:300])


def test_hostile_strings_from_an_import_never_reach_the_terminal(tmp_path):
    seed(tmp_path)
    source = tmp_path / "evil.jsonl"
    source.write_text(json.dumps(evil_entry()) + "\n")
    done = gil_tui_bytes(tmp_path, "results", "--import", str(source))
    assert done.returncode == 0, done.stderr
    assert_clean(done.stderr)
    assert b"imported 1 run from =HYPERLINK" in done.stderr
    outputs = {fmt: gil_tui_bytes(tmp_path, "results", *flag)
               for fmt, flag in (("text", ()), ("markdown", ("--markdown",)),
                                 ("csv", ("--csv",)), ("json", ("--json",)))}
    for fmt, out in outputs.items():
        assert out.returncode == 0, (fmt, out.stderr)
        assert_clean(out.stdout)
        assert_clean(out.stderr)
    text_lines = outputs["text"].stdout.decode().splitlines()
    assert len(text_lines) == 5  # CR/LF in the strings did not break the table
    md_lines = outputs["markdown"].stdout.decode().splitlines()
    assert len(md_lines) == 6 and all(line.count(" | ") == 10 for line in md_lines[2:])
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].stdout.decode())))
    assert rows[-1]["hostname"].startswith("'=HYPERLINK")  # no formula for a spreadsheet
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r if r[k])
    entries = json.loads(outputs["json"].stdout)["entries"]
    assert entries[-1]["interpreter"]["path"].startswith("/py/\\x1b]52;")


def test_absurd_imports_are_skipped_and_results_keeps_working(tmp_path):
    seed(tmp_path)
    source = tmp_path / "absurd.jsonl"
    absurd_file(source)
    done = gil_tui(tmp_path, "results", "--import", str(source))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert "absurd.jsonl, line 2: skipped" in lines[0] and "imported 1 run" in lines[-1]
    for flags in ((), ("--csv",), ("--markdown",), ("--json",)):
        shown = gil_tui(tmp_path, "results", *flags)
        assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert len(json.loads(gil_tui(tmp_path, "results", "--json").stdout)["entries"]) == 4


def test_a_history_with_a_deeply_nested_line_shows_and_clears(tmp_path):
    seed(tmp_path)
    with open(history(tmp_path), "a") as f:
        f.write("[" * 300_000 + "\n")
    shown = gil_tui(tmp_path, "results")
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 4
    assert "line 4: skipped (not valid JSON (nested too deeply))" in shown.stderr
    assert "Traceback" not in shown.stderr
    cleared = gil_tui(tmp_path, "results", "--clear")
    assert cleared.returncode == 0 and "cleared 4 runs" in cleared.stderr
    assert history(tmp_path).read_bytes() == b""


def test_an_empty_file_name_is_a_usage_error(tmp_path):
    seed(tmp_path)
    before = history(tmp_path).read_bytes()
    done = gil_tui(tmp_path, "results", "--import", "")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "file name" in done.stderr
    assert history(tmp_path).read_bytes() == before


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_only_regular_files_are_imported(tmp_path, kind):
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs")
        target = tmp_path / "pipe"
        os.mkfifo(target)  # nothing ever writes: reading it would hang
    elif kind == "device":
        target = Path("/dev/zero")  # reading it would grow without end
        if not target.exists():
            pytest.skip("no /dev/zero")
    else:
        target = tmp_path
    done = gil_tui(tmp_path, "results", "--import", str(target))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a file to import" in done.stderr
    assert not history(tmp_path).exists()


def test_a_file_over_the_cap_is_refused_in_one_line(tmp_path):
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MiB that take no room
    done = gil_tui(tmp_path, "results", "--import", str(big))
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "up to 50.0 MiB" in done.stderr and "nothing was imported" in done.stderr


@pytest.mark.skipif(os.name != "posix", reason="closes a descriptor with the shell")
@pytest.mark.parametrize("flags", [(), ("--json",), ("--csv",)])
def test_stdout_closed_is_one_line_not_a_crash(tmp_path, flags):
    seed(tmp_path)
    done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "gil_tui",
                           "results", *flags], capture_output=True, text=True, timeout=60,
                          env=env(tmp_path), cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "stdout is closed" in done.stderr
    cleared = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "gil_tui",
                              "results", "--clear"], capture_output=True, text=True, timeout=60,
                             env=env(tmp_path), cwd=ROOT)
    assert cleared.returncode == 0 and "cleared 3 runs" in cleared.stderr
