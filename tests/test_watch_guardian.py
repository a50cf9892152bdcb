"""Everything `gil-tui watch` started ends with it, descendants included, SIGKILL or not.

The watched program here starts two multiprocessing workers and a grandchild that
calls ``setsid`` (out of the program's group), writes their pids to a file, then
sleeps: no group kill and no parent-death signal reaches all of them.  gil-tui is
then ended (SIGKILL, or the program's own end) and every one of them must be gone.
Linux only: elsewhere there is no guardian (see gil_tui.engine.system.guardian).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.watch.session import WatchSession
from tests.test_cli_watch import end_everything, gone, run_in_terminal, start_watch, wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the guardian is Linux (PR_SET_CHILD_SUBREAPER)")

GRANDCHILD = ("import os, sys, time; os.setsid(); "
              "open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid())); "
              "os.replace(sys.argv[1] + '.tmp', sys.argv[1]); time.sleep(300)")

#: argv[1]: where to write "program guardian worker worker"; argv[2]: exit code, or
#: "sleep" to sleep after the grandchild is up; argv[3]: "orphan" starts the grandchild
#: through a middle process that exits at once (the grandchild loses its parent)
FAMILY = f"""
import multiprocessing, os, subprocess, sys, time

def work():
    time.sleep(300)

out, then, how = sys.argv[1], sys.argv[2], sys.argv[3]
workers = [multiprocessing.get_context("fork").Process(target=work) for _ in range(2)]
for worker in workers:
    worker.start()
grandchild = [sys.executable, "-c", {GRANDCHILD!r}, out + ".grandchild"]
if how == "orphan":
    subprocess.run([sys.executable, "-c",
                    "import subprocess, sys; subprocess.Popen(sys.argv[1:])", *grandchild])
else:
    subprocess.Popen(grandchild)
while not os.path.exists(out + ".grandchild"):
    time.sleep(0.02)
pids = [os.getpid(), os.getppid()] + [worker.pid for worker in workers]
open(out + ".tmp", "w").write(" ".join(map(str, pids)))
os.replace(out + ".tmp", out)
if then == "sleep":
    time.sleep(300)
for worker in workers:
    worker.kill()
    worker.join()
sys.exit(int(then))
"""


def family(tmp_path: Path, then: str = "sleep", how: str = "direct") -> tuple[list[str], Path]:
    out = tmp_path / "pids"
    return [sys.executable, "-c", FAMILY, str(out), then, how], out


def read_family(out: Path) -> dict[str, int] | None:
    """{"program", "guardian", "worker1", "worker2", "grandchild"} once all are written."""
    try:
        program, guardian, *workers = map(int, out.read_text().split())
        grandchild = int(Path(f"{out}.grandchild").read_text())
    except (OSError, ValueError):
        return None
    return {"program": program, "guardian": guardian, "worker1": workers[0],
            "worker2": workers[1], "grandchild": grandchild}


def wait_family(out: Path, proc: subprocess.Popen | None = None) -> dict[str, int]:
    def ready():
        assert proc is None or proc.poll() is None, "gil-tui watch ended early"
        return read_family(out)
    pids = wait_until(ready, what="the program, its workers and its grandchild")
    for name, pid in pids.items():
        assert not gone(pid), f"{name} is not running"
    assert psutil.Process(pids["grandchild"]).pid == os.getsid(pids["grandchild"])
    return pids


def assert_all_end(pids: dict[str, int]) -> None:
    for name, pid in pids.items():
        wait_until(lambda: gone(pid), what=f"{name} (pid {pid}) to end")


def kill_leftovers(pids: dict[str, int] | None) -> None:
    for pid in (pids or {}).values():
        if pid == os.getpid():  # an attached program's parent is this test
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ------------------------------------------------------------ SIGKILL of gil-tui


@pytest.mark.parametrize("how", ["direct", "orphan"])
def test_sigkill_of_watch_no_tui_ends_the_program_and_every_descendant(tmp_path, how):
    argv, out = family(tmp_path, how=how)
    proc = start_watch("--no-tui", "--", *argv)
    pids = None
    try:
        pids = wait_family(out, proc)
        proc.kill()
        proc.wait(10)
        assert_all_end(pids)
    finally:
        end_everything(proc)
        kill_leftovers(pids)


def test_sigkill_of_the_watch_app_ends_the_program_and_every_descendant(tmp_path):
    argv, out = family(tmp_path)
    proc, _drawn = run_in_terminal("--", *argv)
    pids = None
    try:
        pids = wait_family(out, proc)
        proc.kill()
        proc.wait(10)
        assert_all_end(pids)
    finally:
        end_everything(proc)
        kill_leftovers(pids)


# ------------------------------------------------------------ normal ends


def test_a_program_that_exits_leaves_nothing_and_its_code_is_reported(tmp_path):
    argv, out = family(tmp_path, then="5", how="orphan")
    proc = start_watch("--no-tui", "--", *argv, stdout=subprocess.PIPE, text=True)
    pids = None
    try:
        stdout, err = proc.communicate(timeout=60)
        pids = read_family(out)
        assert pids is not None, err
        assert proc.returncode == 5, err
        assert "exit code 5" in stdout
        assert_all_end(pids)  # the setsid grandchild too, and the guardian
    finally:
        end_everything(proc)
        kill_leftovers(pids)


def test_a_session_ends_what_the_program_left_and_counts_it(tmp_path):
    argv, out = family(tmp_path, then="0", how="orphan")
    with WatchSession(argv) as session:
        assert session.wait(60)
        summary = session.summary()
    pids = read_family(out)
    try:
        assert pids is not None and summary.exit_code == 0
        assert summary.leftovers_ended >= 1  # the grandchild, handed to the guardian
        for name, pid in pids.items():
            assert gone(pid), f"{name} (pid {pid}) is still running"
    finally:
        kill_leftovers(pids)


def test_stop_ends_an_orphaned_setsid_grandchild_and_the_guardian(tmp_path):
    argv, out = family(tmp_path, how="orphan")
    pids = None
    with WatchSession(argv) as session:
        try:
            pids = wait_until(lambda: read_family(out), what="the family")
            assert psutil.Process(pids["grandchild"]).ppid() == pids["guardian"]  # adopted
            session.stop()
            assert session.done and session.summary().interrupted
            for name, pid in pids.items():
                assert gone(pid), f"{name} (pid {pid}) is still running"
        finally:
            kill_leftovers(pids)


def test_an_attached_pid_has_no_guardian_and_survives_a_sigkill(tmp_path):
    argv, out = family(tmp_path)
    target = subprocess.Popen(argv, start_new_session=True)
    pids = None
    try:
        pids = wait_until(lambda: read_family(out), what="the family")
        proc = start_watch("--no-tui", "--pid", str(target.pid))
        try:
            wait_until(lambda: proc.poll() is not None or _has_stop_handler(proc.pid),
                       what="gil-tui watch to be ready")
            assert proc.poll() is None
            assert psutil.Process(proc.pid).children() == []  # nothing started, no guardian
            proc.kill()
            proc.wait(10)
        finally:
            end_everything(proc)
        for name in ("program", "worker1", "worker2", "grandchild"):
            assert not gone(pids[name]), f"the attached program's {name} was ended"
    finally:
        kill_leftovers(pids)
        end_everything(target)


def _has_stop_handler(pid: int) -> bool:
    from tests.test_cli_watch import catches

    return catches(pid, signal.SIGTERM)


# ------------------------------------------------------------ the guardian itself

PARENT = "import os; print(os.getppid())"


def _guardians() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children():
        try:
            if "gil_tui.engine.system.guardian" in child.cmdline() and not gone(child.pid):
                found.append(child)
        except psutil.Error:
            pass
    return found


def test_the_program_runs_below_a_guardian_that_is_reaped_at_the_end():
    lines: list[str] = []
    with WatchSession([sys.executable, "-c", PARENT],
                      on_line=lambda stream, text: lines.append(text)) as session:
        assert session.wait(30)
    parent = int(lines[0])
    assert parent != os.getpid() and parent != session.pid
    assert session.exit_code == 0 and session.summary().cpu_source == "rusage"  # from it
    assert gone(parent) and _guardians() == []


def test_without_a_guardian_the_program_is_our_child_and_its_code_is_read(monkeypatch):
    from gil_tui.engine.system import guardian

    monkeypatch.setattr(guardian, "SUPPORTED", False)  # the fallback of other systems
    lines: list[str] = []
    code = PARENT + "; raise SystemExit(7)"
    with WatchSession([sys.executable, "-c", code],
                      on_line=lambda stream, text: lines.append(text)) as session:
        assert session.wait(30)
    assert lines == [str(os.getpid())] and session.exit_code == 7
    assert session.summary().cpu_source == "rusage"  # os.wait4's figure


def test_a_program_that_cannot_start_leaves_no_guardian(tmp_path):
    from gil_tui.engine.system import guardian

    with pytest.raises(FileNotFoundError):
        guardian.launch([str(tmp_path / "no-such-program")])
    plain = tmp_path / "not-executable"
    plain.write_text("#!/bin/sh\n")
    with pytest.raises(PermissionError):
        guardian.launch([str(plain)])
    with pytest.raises(OSError):
        guardian.launch([sys.executable], cwd=str(tmp_path / "no-such-folder"))
    assert _guardians() == []


def test_a_killed_guardian_takes_the_program_along_and_the_session_ends(tmp_path):
    with WatchSession([sys.executable, "-c", "import time; time.sleep(300)"]) as session:
        keeper = psutil.Process(session.pid).parent()
        assert keeper is not None and keeper.ppid() == os.getpid()
        keeper.kill()
        assert session.wait(30)  # the program died with it (PR_SET_PDEATHSIG)
        assert gone(session.pid) and session.exit_code is None
    assert _guardians() == []


def test_a_folder_with_modules_named_like_the_standard_librarys_does_not_break_it(
        tmp_path, monkeypatch):
    """The guardian starts isolated: a learner's json.py or subprocess.py in the folder
    gil-tui runs from (which `python -m` would put first on sys.path) is not imported."""
    for name in ("json", "subprocess", "select", "selectors", "ctypes"):
        (tmp_path / f"{name}.py").write_text('raise SystemExit("shadowed: " + __name__)\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with WatchSession([sys.executable, "-I", "-c", "print('fine')"]) as session:
        assert session.wait(30)
    assert session.exit_code == 0
    assert _guardians() == []
