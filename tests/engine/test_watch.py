"""WatchSession on real short programs run with sys.executable; psutil checks for survivors.

The figures asserted are wide bands (the machine is noisy): threads ~1 core,
processes well above one core on 2+ cores, sleeping ~0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.watch.session import (
    MAX_ROWS,
    WatchError,
    WatchSession,
    WatchSnapshot,
    check_command,
    check_pid,
)
from gil_tui.engine.watch.summary import Summary

# A fixed amount of CPU time per thread (thread_time), so a busy machine
# stretches the wall time but not the CPU time.
SPIN = """
import time
def spin(cpu_seconds):
    while time.thread_time() < cpu_seconds:
        pass
"""


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def alive(pids) -> list[int]:
    left = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            pass
    return left


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, all processes)."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return sum(times) - idle - guest


def watch(argv, hz: float = 8.0, **kwargs) -> tuple[Summary, list[WatchSnapshot], list]:
    lines: list[tuple[str, str]] = []
    snaps: list[WatchSnapshot] = []
    session = WatchSession(argv, on_line=lambda s, t: lines.append((s, t)), **kwargs)
    busy0 = machine_busy_s()
    with session:
        summary = session.run_headless(hz, snaps.append)
    watch.others_cores = max(0.0, (machine_busy_s() - busy0 - summary.cpu_s) / summary.wall_s)
    return summary, snaps, lines


def skip_if_the_machine_was_busy(limit: float = 0.4) -> None:
    """Cores figures only mean something when nothing else competed for the cores."""
    others = watch.others_cores
    if others > limit:
        pytest.skip(f"other programs kept {others:.2f} cores busy during the run")


def test_two_cpu_threads_keep_about_one_core_busy(tmp_path):
    argv = script(tmp_path, "threads.py", SPIN + """
import threading
ts = [threading.Thread(target=spin, args=(0.75,)) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print("threads done")
""")
    summary, snaps, lines = watch(argv)
    assert summary.finished and summary.exit_code == 0
    assert 1.4 <= summary.wall_s < 20
    assert 1.4 <= summary.cpu_s < 3 and summary.max_processes == 1 and summary.max_threads >= 3
    assert summary.peak_cores >= summary.avg_cores
    assert summary.cpu_source == "rusage"
    assert ("stdout", "threads done") in lines
    live = [s for s in snaps if s.running]  # the last one may come as it exits
    assert live and all(s.processes[0].pid == summary.pid for s in live)
    busy = [s for s in live if s.thread_count == 3]
    assert busy, "no sample saw the two threads"
    assert all(len(s.threads) == 3 for s in busy)
    assert all({row.pid for row in s.threads} == {summary.pid} for s in busy)
    skip_if_the_machine_was_busy()
    assert 0.6 <= summary.avg_cores <= 1.3
    assert any(words in summary.verdict() for words in ("one core", "mix", "Other programs"))


@pytest.mark.skipif(usable_cpus() < 2, reason="needs 2 usable cores")
def test_two_cpu_processes_use_more_than_one_core(tmp_path):
    argv = script(tmp_path, "procs.py", SPIN + """
import multiprocessing
if __name__ == "__main__":
    ps = [multiprocessing.Process(target=spin, args=(0.75,)) for _ in range(2)]
    for p in ps: p.start()
    for p in ps: p.join()
""")
    summary, snaps, _ = watch(argv)
    assert summary.exit_code == 0
    assert summary.max_processes >= 3 and summary.processes_seen >= 3
    assert max(s.process_count for s in snaps) >= 3
    assert 1.4 <= summary.cpu_s < 3  # both children counted
    skip_if_the_machine_was_busy()
    assert summary.avg_cores > 1.3
    assert "several cores" in summary.verdict()


def test_a_sleeping_program_keeps_no_core_busy(tmp_path):
    argv = script(tmp_path, "sleep.py", "import time\ntime.sleep(1.0)\n")
    summary, _, _ = watch(argv)
    assert summary.exit_code == 0
    assert summary.wall_s >= 0.9
    assert summary.avg_cores < 0.2
    assert "waited" in summary.verdict()


def test_a_failing_program_keeps_its_exit_code_and_stderr(tmp_path):
    argv = script(tmp_path, "fail.py", "import sys\nprint('bad news', file=sys.stderr)\nsys.exit(3)\n")
    summary, _, lines = watch(argv)
    assert summary.exit_code == 3 and summary.exit_status() == 3
    assert ("stderr", "bad news") in lines


def test_a_program_that_exits_at_once_still_gets_a_summary():
    summary, snaps, _ = watch([sys.executable, "-c", "pass"], hz=4)
    assert summary.finished and summary.exit_code == 0
    assert summary.wall_s > 0
    assert summary.cpu_s > 0 and summary.cpu_source == "rusage"
    assert summary.max_processes == 1 and summary.processes_seen == 1
    assert summary.peak_cores >= summary.avg_cores > 0
    assert "too short" in summary.verdict()


def test_a_signal_death_is_reported_like_a_shell(tmp_path):
    argv = script(tmp_path, "kill.py", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    summary, _, _ = watch(argv)
    assert summary.exit_code == -signal.SIGTERM
    assert summary.signal == "SIGTERM" and summary.exit_status() == 128 + signal.SIGTERM


def test_attach_to_a_sleeping_child_reads_only():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.2)"])
    try:
        time.sleep(0.2)
        session = WatchSession(pid=child.pid)
        assert not session.can_stop or True  # not started yet
        with session:
            assert session.attached and not session.can_stop
            summary = session.run_headless(8.0)
        assert summary.attached and summary.finished
        assert summary.pid == child.pid and summary.command is None
        assert summary.exit_code is None and summary.exit_status() == 0
        assert summary.wall_s > 0  # `finished` above: it followed the child to its end
        assert summary.avg_cores < 0.2
        assert summary.cpu_source == "samples"
    finally:
        assert child.wait(5) == 0  # ended by itself: never signalled


def test_detaching_leaves_the_attached_process_alone():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        session = WatchSession(pid=child.pid).start()
        session.sample()
        session.stop()
        assert session.done
        summary = session.summary()
        assert summary.interrupted and summary.attached
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_hundreds_of_children_cap_the_rows_and_keep_the_count(tmp_path):
    argv = script(tmp_path, "many.py", """
import os, time
pids = []
for _ in range(300):
    pid = os.fork()
    if pid == 0:
        time.sleep(1.5)
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
""")
    summary, snaps, _ = watch(argv, hz=4)
    assert summary.exit_code == 0
    assert summary.max_processes > MAX_ROWS
    assert summary.processes_seen > MAX_ROWS
    # while it runs (after the end a snapshot keeps the last counts and no rows)
    big = [s for s in snaps if s.running and s.process_count > MAX_ROWS]
    assert big, "no sample saw the crowd"
    for snap in big:
        assert len(snap.processes) <= MAX_ROWS
        assert snap.hidden_processes == snap.process_count - len(snap.processes) > 0
        assert len(snap.threads) <= MAX_ROWS


def test_stop_ends_the_whole_tree_even_a_child_in_its_own_session(tmp_path):
    argv = script(tmp_path, "tree.py", """
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)   # stubborn: needs SIGTERM or worse
a = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
b = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                     start_new_session=True)
print(a.pid, b.pid, flush=True)
time.sleep(60)
""")
    pids: list[int] = []
    ready = threading.Event()

    def on_line(stream, text):
        if stream == "stdout":
            pids.extend(int(p) for p in text.split())
            ready.set()

    session = WatchSession(argv, on_line=on_line).start()
    try:
        assert ready.wait(10)
        snap = session.sample()
        assert snap.running
        t0 = time.monotonic()
        session.stop(grace=0.5)
        assert time.monotonic() - t0 < 8
        assert session.done
        summary = session.summary()
        assert summary.interrupted and summary.finished
        assert summary.exit_code is not None and summary.exit_code < 0
        assert alive(pids + [session.pid]) == [], (pids, session.pid)
    finally:
        for pid in alive(pids):
            os.kill(pid, signal.SIGKILL)


def test_what_the_program_leaves_in_its_group_is_ended(tmp_path):
    argv = script(tmp_path, "leave.py", """
import subprocess, sys
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(p.pid, flush=True)
""")
    summary, _, lines = watch(argv)
    child = int(lines[0][1])
    assert summary.exit_code == 0 and summary.leftovers_ended == 1
    assert alive([child]) == []


def test_output_goes_to_the_log_too(tmp_path):
    log = tmp_path / "out.log"
    argv = script(tmp_path, "talk.py", "import sys\nprint('one')\nprint('two', file=sys.stderr)\n")
    summary, _, lines = watch(argv, log_path=log)
    assert summary.exit_code == 0
    assert sorted(log.read_text().splitlines()) == ["one", "two"]
    assert sorted(lines) == [("stderr", "two"), ("stdout", "one")]


def test_on_exit_gets_the_final_summary():
    got: list[Summary] = []
    session = WatchSession([sys.executable, "-c", "pass"], on_exit=got.append).start()
    assert session.wait(10)
    assert got and got[0].finished and got[0].exit_code == 0
    session.close()


def test_a_log_that_cannot_be_written_is_an_error(tmp_path):
    session = WatchSession([sys.executable, "-c", "pass"], log_path=tmp_path / "no" / "x.log")
    with pytest.raises(WatchError, match="cannot write the log"):
        session.start()


# ---------------------------------------------------------------- bad input


def test_a_missing_command_is_127():
    with pytest.raises(WatchError) as info:
        WatchSession(["gil-tui-no-such-command-x"]).start()
    assert info.value.exit_code == 127 and "command not found" in info.value.message
    with pytest.raises(WatchError) as info:
        check_command(["/no/such/dir/prog"])
    assert info.value.exit_code == 127


def test_a_file_that_cannot_run_is_126(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("hello\n")
    with pytest.raises(WatchError) as info:
        check_command([str(plain)])
    assert info.value.exit_code == 126
    with pytest.raises(WatchError) as info:
        check_command([str(tmp_path)])
    assert info.value.exit_code == 126 and "directory" in info.value.message
    with pytest.raises(WatchError) as info:
        check_command([])
    assert info.value.exit_code == 2


def free_pid() -> int:
    pid = 4_000_000
    while psutil.pid_exists(pid):
        pid -= 1
    return pid


def test_bad_pids_are_clear_errors():
    for pid, words in ((free_pid(), "no process"), (0, "not a process ID"),
                       (os.getpid(), "gil-tui itself")):
        with pytest.raises(WatchError, match=words) as info:
            WatchSession(pid=pid).start()
        assert info.value.exit_code == 1


def test_a_pid_we_may_not_read_says_so(monkeypatch):
    def denied(self):
        raise psutil.AccessDenied(self.pid)

    monkeypatch.setattr(psutil.Process, "num_threads", denied)
    with pytest.raises(WatchError, match="not allowed to read process 1"):
        check_pid(1)


def test_argv_or_pid_exactly_one():
    with pytest.raises(ValueError):
        WatchSession()
    with pytest.raises(ValueError):
        WatchSession(["x"], pid=1)


# ------------------------------------------------- one way of counting, for every front end

TWO_THREADS = """
import threading, time
t = threading.Thread(target=time.sleep, args=(1.2,))
t.start()
t.join()
print("done", flush=True)
"""


def fake_shim(tmp_path: Path) -> Path:
    """A launcher like a pyenv shim: short helper processes, then exec the interpreter."""
    shim = tmp_path / "python3"
    shim.write_text(
        "#!/bin/sh\n"
        "# like pyenv: ask a few helpers which python to run, then become it\n"
        "for helper in 1 2 3 4 5 6; do sleep 0.08; done\n"
        f'exec "{sys.executable}" "$@"\n'
    )
    shim.chmod(0o755)
    return shim


def test_a_launchers_helpers_do_not_count_as_the_programs_processes(tmp_path):
    shim = fake_shim(tmp_path)
    prog = tmp_path / "two_threads.py"
    prog.write_text(TWO_THREADS)
    summary, snaps, lines = watch([str(shim), str(prog)], hz=4.0)
    assert summary.exit_code == 0 and ("stdout", "done") in lines
    assert summary.max_processes == 1, summary
    assert summary.processes_seen == 1, summary
    assert summary.max_threads >= 2
    assert "1 at once at most, 1 seen" in summary.format_text()


def test_the_process_count_rule():
    from gil_tui.engine.watch.counting import ProcessCount

    count = ProcessCount(root_pid=10)
    root, helper, worker = (10, 1.0), (11, 1.1), (12, 1.2)
    assert count.update({root: 1, helper: 1}) == (1, 1)  # the root counts at once
    assert count.update({root: 2, worker: 3}) == (1, 2)  # the helper came and went
    assert count.update({root: 2, worker: 3}) == (2, 5)  # two samples in a row: counts
    assert count.max_processes == 2 and count.max_threads == 5
    assert count.seen == {root, worker}


def test_after_the_end_a_snapshot_keeps_the_last_counts(tmp_path):
    argv = script(tmp_path, "two.py", TWO_THREADS)
    with WatchSession(argv) as session:
        seen: list[WatchSnapshot] = []
        session.run_headless(8.0, seen.append)
        end = session.sample()
    assert any(s.running and s.thread_count == 2 for s in seen)
    assert not end.running
    assert end.process_count == 1 and end.thread_count >= 1  # not "0 processes, 0 threads"


def test_a_started_program_dies_with_its_parent():
    """PR_SET_PDEATHSIG is set (by the guardian that starts it on Linux): the program asks
    the kernel for it (PR_GET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux")
    code = ("import ctypes; v = ctypes.c_int(); "
            "ctypes.CDLL(None).prctl(2, ctypes.byref(v)); print(v.value)")
    got: list[str] = []
    with WatchSession([sys.executable, "-c", code],
                      on_line=lambda stream, text: got.append(text)) as session:
        assert session.wait(20)
    assert got == [str(int(signal.SIGKILL))]


def test_output_bytes_pass_unchanged_and_lines_are_cut_for_the_view(tmp_path):
    data = b"one\r\ntwo\n\xff\xfe raw\x00\r\n" + b"x" * 70000 + b"\nlast, no newline"
    blob = tmp_path / "blob.bin"
    blob.write_bytes(data)
    code = f"import sys; sys.stdout.buffer.write(open({str(blob)!r}, 'rb').read())"
    chunks: list[bytes] = []
    lines: list[str] = []
    log = tmp_path / "out.log"
    with WatchSession([sys.executable, "-c", code], log_path=log,
                      on_bytes=lambda stream, chunk: chunks.append(chunk),
                      on_line=lambda stream, text: lines.append(text)) as session:
        assert session.wait(20)
    assert b"".join(chunks) == data and log.read_bytes() == data
    assert lines[:3] == ["one", "two", "\ufffd\ufffd raw\x00"]
    assert "".join(lines[3:-1]) == "x" * 70000 and len(lines[3]) == 65536
    assert lines[-1] == "last, no newline"
