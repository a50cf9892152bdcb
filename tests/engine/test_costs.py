"""Costs: the worker run for real (tiny repeat), parsing, the one table, bad input, clean-up.

Every row the table promises is checked for shape, never for speed: the thread,
the subinterpreter (figures on 3.12/3.13 from pyenv, "needs 3.12+" on 3.11),
the processes of each start method from ``-c`` and from a script importing
json, decimal and asyncio, and 1 MB / 10 MB sent to a process and back.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.demos.costs import (
    CostsCancelled,
    CostsError,
    CostsResult,
    format_text,
    markdown_table,
    parse_worker_output,
    run_costs,
)
from gil_tui.engine.demos.costs_text import WIDTH, table, text_table

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
MAX_REPEAT_FOR_TESTS = 200
SMALL = dict(memory_rounds=1, idle_threads=5, script_repeat=2, transfer_rounds=2)
API = {"3.12": "_xxsubinterpreters (private, 3.12)", "3.13": "_interpreters (private, 3.13)"}


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (the worker leads its own session)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except (OSError, psutil.Error):
            pass
    return found


def our_temp_folders() -> list[str]:
    """The temp folders gil-tui made for the children of this test process, still there."""
    prefix = f"gil-tui-{os.getuid()}-{os.getpid()}-"
    return [name for name in os.listdir(tempfile.gettempdir()) if name.startswith(prefix)]


def pyenv(version: str) -> str:
    found = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not found:
        pytest.skip(f"no CPython {version} here")
    return str(found[0])


STARTED: list[int] = []


@pytest.fixture(scope="module")
def result() -> CostsResult:
    return run_costs(repeat=3, on_start=STARTED.append, **SMALL)


def test_structure(result):
    assert result.python == sys.executable
    assert result.version == ".".join(map(str, sys.version_info[:3]))
    assert result.repeat == 3
    assert result.thread.kind == "thread" and result.thread.method is None
    assert [p.method for p in result.processes] == multiprocessing.get_all_start_methods()
    assert all(p.start == "-c" for p in result.processes)
    assert result.errors == {}
    if hasattr(os, "getloadavg"):
        assert all(isinstance(x, float) for x in result.load_average)
    for cost in result.every_kind:
        assert cost.n == (2 if cost.start == "script" else 3), cost
        assert 0 < cost.min_s <= cost.p10_s <= cost.median_s <= cost.p90_s <= cost.max_s
        assert cost.first_s is not None and cost.first_s > 0
        assert cost.rss_bytes is not None and cost.rss_bytes > 0
        assert cost.memory_method in ("proc", "ru_maxrss")
    if sys.platform.startswith("linux"):
        assert result.thread.vm_bytes and result.thread.vm_bytes > result.thread.rss_bytes
        for proc in result.processes + result.script.processes:
            assert proc.private_bytes is not None and 0 < proc.private_bytes <= proc.rss_bytes


def test_processes_start_from_a_script_under_every_method(result):
    script = result.script
    assert script is not None and script.imports == "json, decimal, asyncio"
    assert script.repeat == 2 and script.errors == {}
    assert [p.method for p in script.processes] == multiprocessing.get_all_start_methods()
    assert all(p.start == "script" and p.kind == "process" for p in script.processes)
    assert all(p.ratio == pytest.approx(p.median_s / result.thread.median_s)
               for p in script.processes)


def test_one_and_ten_megabytes_go_to_a_process_and_back(result):
    transfer = result.transfer
    assert transfer is not None and transfer.error is None
    assert (transfer.payload, transfer.channel, transfer.rounds) == ("bytes", "Pipe", 2)
    assert transfer.method == multiprocessing.get_start_method()
    assert [t.size_bytes for t in transfer.sizes] == [1_000_000, 10_000_000]
    assert [t.label for t in transfer.sizes] == ["1 MB", "10 MB"]
    for size in transfer.sizes:
        assert size.n == 2 and 0 < size.min_s <= size.median_s <= size.max_s
        assert size.first_s > 0


def test_the_subinterpreter_row_on_this_interpreter(result):
    sub = result.subinterpreter
    assert sub is not None
    if sys.version_info < (3, 12):
        assert sub.cost is None and sub.api is None and sub.reason == "needs 3.12+"
        assert any(line.split()[:3] == ["subinterpreter", "needs", "3.12+"]
                   for line in text_table(result))
    else:
        assert sub.cost is not None and sub.api


def test_each_method_is_measured_against_the_thread(result):
    # which costs more is measured, not asserted: on busy cores the few starts of a test
    # can all catch slow moments (benchmarks/fidelity.py prints the start-up figures)
    assert {p.method for p in result.processes} >= {"spawn"}
    for proc in result.processes:
        assert proc.min_s > 0 and result.thread.min_s > 0, proc.method
        assert proc.ratio == pytest.approx(proc.median_s / result.thread.median_s)


def test_to_dict_is_json(result):
    data = json.loads(json.dumps(result.to_dict()))
    assert data["v"] == 1 and data["kind"] == "costs"
    assert data["thread"]["label"] == "thread"
    assert {p["method"] for p in data["processes"]} == {p.method for p in result.processes}
    assert all(p["ratio"] == pytest.approx(p["median_s"] / data["thread"]["median_s"])
               for p in data["processes"])
    assert all(p["start"] == "-c" for p in data["processes"])
    script = data["script"]
    assert script["imports"] == "json, decimal, asyncio" and script["repeat"] == 2
    assert [p["method"] for p in script["processes"]] == multiprocessing.get_all_start_methods()
    assert all(p["start"] == "script" and p["label"].endswith(", script)")
               for p in script["processes"])
    transfer = data["transfer"]
    assert [(t["size_bytes"], t["label"]) for t in transfer["sizes"]] == [
        (1_000_000, "1 MB"), (10_000_000, "10 MB")]
    assert all(isinstance(t["median_s"], float) for t in transfer["sizes"])
    sub = data["subinterpreter"]
    assert set(sub) == {"cost", "api", "private", "reason", "message"}


def test_the_text_table_fits_80_columns_and_says_what_was_timed(result):
    lines = text_table(result)
    assert all(len(line) <= WIDTH for line in lines), lines
    assert lines[0].split() == ["median", "p90", "first", "x", "thread", "RSS", "each", "private"]
    labels = [line.split()[0] for line in lines[1:]]
    assert labels[:2] == ["thread", "subinterpreter"]
    heads = [line for line in lines if line.startswith("process, from")]
    assert heads == ["process, from -c (nothing for a child to import again)",
                     "process, from a script importing json, decimal, asyncio"]
    methods = multiprocessing.get_all_start_methods()
    for head in heads:  # every start method under each heading
        start = lines.index(head) + 1
        assert [line.split()[0] for line in lines[start:start + len(methods)]] == methods
    assert sum(line.split()[-1] == "*" or " * " in line for line in lines) == 2  # the default
    rows = [line.split() for line in lines if line.startswith(("  1 MB", "  10 MB"))]
    assert [row[:2] for row in rows] == [["1", "MB"], ["10", "MB"]]
    text = format_text(result)
    assert all(len(line) < 80 for line in text.splitlines()), text
    assert "import json, decimal, asyncio" in text and "pickled both ways" in text
    shown = table(result)
    assert shown.columns == ("median", "p90", "first", "x thread", "RSS each", "private")
    assert all(len(row.cells) in (0, len(shown.columns)) for row in shown.rows)


def test_the_lesson_table_says_where_and_when(result):
    text = markdown_table(result)
    assert text.startswith(f"Measured on this machine, {result.measured_at[:10]}, CPython ")
    assert result.python in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    # header, thread, subinterpreter, -c processes, script processes, two transfers
    assert len(rows) == 1 + 1 + 1 + 2 * len(result.processes) + 2
    assert any(row.startswith("| fork, from `-c`") or row.startswith("| spawn, from `-c`")
               for row in rows)
    assert sum(", from a script" in row for row in rows) == len(result.processes)
    assert [row.split("|")[1].strip() for row in rows[-2:]] == [
        "1 MB to a process and back", "10 MB to a process and back"]
    assert "the default" in text and "import json, decimal, asyncio" in text


def test_nothing_is_left_running_or_on_disk(result):
    assert len(STARTED) == 1
    assert session_members(STARTED[0]) == []
    assert our_temp_folders() == []


# A "python" that cannot finish: it starts a child in its group and both sleep
# for an hour (the costs worker's arguments are ignored).
NEVER_ENDS = "#!/bin/sh\nsleep 3600 &\nexec sleep 3600\n"


def never_ending_python(tmp_path: Path) -> str:
    path = tmp_path / "python"
    path.write_text(NEVER_ENDS)
    path.chmod(0o755)
    return str(path)


def wait_for_members(sid: int, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(session_members(sid)) < count:
        assert time.monotonic() < deadline, "the fake worker never started its child"
        time.sleep(0.01)


def test_cancel_ends_the_worker_group(tmp_path):
    cancel = threading.Event()
    started: list[int] = []

    def on_start(pid: int) -> None:
        started.append(pid)
        wait_for_members(pid, 2)  # both sleeps run: now cancel
        cancel.set()

    with pytest.raises(CostsCancelled):
        run_costs(never_ending_python(tmp_path), repeat=1, cancel=cancel, on_start=on_start)
    assert session_members(started[0]) == []
    assert our_temp_folders() == []


def test_a_timeout_ends_the_worker_group(tmp_path):
    started: list[int] = []
    with pytest.raises(CostsError, match="did not finish within 0.3 s"):
        run_costs(never_ending_python(tmp_path), repeat=1, timeout=0.3, on_start=started.append)
    assert session_members(started[0]) == []


def script_child(worker: int, timeout: float = 60.0) -> psutil.Process:
    """The worker's script start (``python .../gil_tui_costs_script.py ...``), once it runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(worker).children():
            try:
                if any(arg.endswith("gil_tui_costs_script.py") for arg in child.cmdline()):
                    return child
            except psutil.Error:
                pass
        time.sleep(0.01)
    raise AssertionError("the worker never started its script")


def test_a_real_worker_is_cancelled_while_its_script_runs():
    """The hardest moment to cancel: the script and its children run, its folder exists."""
    cancel = threading.Event()
    seen: dict[str, object] = {}

    def on_start(pid: int) -> None:
        seen["worker"] = pid

        def watch() -> None:
            child = script_child(pid)
            seen["folder"] = os.path.dirname(child.cmdline()[1])
            cancel.set()

        threading.Thread(target=watch, daemon=True).start()

    with pytest.raises(CostsCancelled):
        run_costs(repeat=1, script_repeat=MAX_REPEAT_FOR_TESTS, transfer_rounds=0,
                  memory_rounds=1, idle_threads=2, cancel=cancel, on_start=on_start)
    assert session_members(seen["worker"]) == []
    assert not os.path.exists(seen["folder"])
    assert our_temp_folders() == []


def test_a_missing_interpreter_is_one_clear_line(tmp_path):
    with pytest.raises(CostsError, match="could not start"):
        run_costs(str(tmp_path / "no-python"), repeat=1)


def test_a_program_that_is_not_python_fails_clearly():
    with pytest.raises(CostsError, match="failed in /bin/false"):
        run_costs("/bin/false", repeat=1)


def test_a_bad_repeat_is_refused():
    with pytest.raises(CostsError, match="repeat"):
        run_costs(repeat=0)


@pytest.mark.parametrize("version", sorted(API))
def test_the_subinterpreter_row_on_3_12_and_3_13(version):
    result = run_costs(pyenv(version), repeat=2, **SMALL)
    sub = result.subinterpreter
    assert sub.api == API[version] and sub.private is True and sub.reason is None
    assert sub.cost.kind == "subinterpreter" and sub.cost.n == 2 and sub.cost.median_s > 0
    assert sub.cost.ratio == pytest.approx(sub.cost.median_s / result.thread.median_s)
    row = next(line for line in text_table(result) if line.startswith("subinterpreter"))
    assert len(row.split()) > 4, "figures, not a reason"
    assert f"through {API[version]}" in " ".join(format_text(result).split())
    assert any(line.startswith("| subinterpreter | ") and (" ms " in line or " µs " in line)
               for line in markdown_table(result).splitlines())
    assert [p.method for p in result.script.processes] == [p.method for p in result.processes]


def test_the_needs_3_12_line_on_3_11():
    python = sys.executable if sys.version_info[:2] == (3, 11) else pyenv("3.11")
    result = run_costs(python, repeat=1, **dict(SMALL, script_repeat=0, transfer_rounds=0))
    assert result.script is None and result.transfer is None
    assert result.subinterpreter.reason == "needs 3.12+" and result.subinterpreter.cost is None
    assert "subinterpreter    needs 3.12+" in text_table(result)
    assert "| subinterpreter | needs 3.12+ |" in markdown_table(result)
    assert "needs 3.12+, the first CPython with a GIL per interpreter" in \
        " ".join(format_text(result).split())


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "did not print"),
        ("hello\n", "did not print"),
        ('{"kind": "costs", "v": 2}\n', "version 2"),
        ('{"kind": "costs", "v": 1, "repeat": 1}\n', "no figures for thread"),
        ('{"kind": "costs", "v": 1, "repeat": 1, "thread": {"n": 1}}\n', "thread.median_s"),
    ],
)
def test_parse_refuses_what_is_not_a_result(text, words):
    with pytest.raises(CostsError, match=words):
        parse_worker_output(text, "python")


STATS = {"n": 1, "median_s": 0.002, "min_s": 0.002, "max_s": 0.002, "p10_s": 0.002,
         "p90_s": 0.002, "first_s": 0.003, "rss_bytes": 9e6}


def worker_answer(**extra) -> dict:
    thread = dict(STATS, median_s=0.0001, vm_bytes=8e6, memory_method="proc", idle_threads=5)
    data = {"v": 1, "kind": "costs", "repeat": 1, "methods": ["fork", "spawn"],
            "default_method": "spawn", "python": {"version": "3.14.0", "free_threaded": True,
                                                  "gil_enabled": False, "cpu_count": 16},
            "thread": thread, "processes": {"fork": STATS}, "errors": {"spawn": "OSError: x"}}
    data.update(extra)
    return data


def test_parse_keeps_a_failed_method_as_an_error():
    data = worker_answer(load_average=[1.0, 30.5])
    result = parse_worker_output(json.dumps(data), "/opt/python3.14t")
    assert "load average up to 30.5 on 16 cores" in result.busy_note()
    assert "quiet machine" in markdown_table(result)
    assert [p.method for p in result.processes] == ["fork"]
    assert result.processes[0].ratio == pytest.approx(20)
    assert result.errors == {"spawn": "OSError: x"}
    assert result.interpreter_label() == "CPython 3.14.0t (free-threaded, GIL off)"
    assert "Start method spawn failed here (from -c): OSError: x" in markdown_table(result)
    assert "  spawn *         failed (see below)" in text_table(result)
    assert result.script is None and result.transfer is None and result.subinterpreter is None


def test_parse_reads_the_script_the_subinterpreter_and_the_transfer():
    sub = dict(STATS, median_s=0.001, api="concurrent.interpreters", private=False, alive=4)
    data = worker_answer(
        subinterpreter=sub,
        script={"imports": "json, decimal, asyncio", "repeat": 1, "processes": {"fork": STATS},
                "errors": {"spawn": "the script exited with code 1: \x1b[31mboom"}},
        transfer={"method": "spawn", "channel": "Pipe", "payload": "bytes", "rounds": 1,
                  "sizes": [dict(STATS, bytes=1_000_000), dict(STATS, bytes=10_000_000)]})
    result = parse_worker_output(json.dumps(data), "/opt/python3.14t")
    assert result.subinterpreter.cost.ratio == pytest.approx(10)
    assert result.subinterpreter.api == "concurrent.interpreters"
    assert not result.subinterpreter.private
    assert [p.label for p in result.script.processes] == ["process (fork, script)"]
    assert "\x1b" not in result.script.errors["spawn"], "cleaned for the terminal"
    assert [s.label for s in result.transfer.sizes] == ["1 MB", "10 MB"]
    lines = text_table(result)
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[2].startswith("subinterpreter ") and "10x" in lines[2]
    text = " ".join(format_text(result).split())
    assert "through concurrent.interpreters." in text and "(private" not in text
    assert "not the forkserver ones" not in text  # 3.14.0: before the fix
    assert "forkserver ones too on 3.14.0 (fixed in 3.13.8 and 3.14.1)" in text
    assert "failed here (from a script): the script exited with code 1" in text


def test_the_script_note_follows_the_forkserver_fix():
    data = worker_answer(python={"version": "3.13.8"},
                         script={"imports": "json, decimal, asyncio", "processes": {},
                                 "errors": {}})
    text = " ".join(format_text(parse_worker_output(json.dumps(data), "p")).split())
    assert "not the forkserver ones on 3.13.8: its fork server imports it once" in text


def test_python_3_8_from_pyenv():
    result = run_costs(pyenv("3.8"), repeat=2, **SMALL)
    assert result.version.startswith("3.8.")
    assert result.processes and all(p.min_s > 0 for p in result.processes)
    assert [p.method for p in result.script.processes] == [p.method for p in result.processes]
    assert len(result.transfer.sizes) == 2
    assert result.subinterpreter.reason == "needs 3.12+"


PARENT = """
import subprocess, sys
from gil_tui.engine.demos.costs import BOOTSTRAP, WORKER_PATH
worker = subprocess.Popen([sys.argv[1], "-c", BOOTSTRAP, str(WORKER_PATH.parent),
                           "--repeat", "1000", "--lifeline"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, start_new_session=True)
print(worker.pid, flush=True)
worker.wait()
"""


@pytest.mark.parametrize("version", [None, "3.8"])
def test_the_worker_ends_with_its_parent(version):
    """The lifeline: a SIGKILL of whoever started the costs worker ends its whole session."""
    python = sys.executable if version is None else pyenv(version)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, python], stdout=subprocess.PIPE,
                              cwd=Path(__file__).resolve().parents[2])
    worker = None
    try:
        worker = int(parent.stdout.readline())
        wait_for_members(worker, 2)  # measuring: a child process runs beside it
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 30
        while session_members(worker) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session_members(worker) == []
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()
        for pid in session_members(worker) if worker else ():
            os.kill(pid, 9)
