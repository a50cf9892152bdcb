"""engine/system/processes: groups and trees started, looked at and ended; our temp folders.

Every waiting here is on an event (a line the child prints, a process state),
never on a guess about the machine's speed; children that must be ended by us
sleep for an hour, so they cannot end by themselves first.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.run.events import WorkerStart
from gil_tui.engine.run.runner import Runner
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.system import processes, scratch
from gil_tui.engine.system.processes import (
    end_group,
    end_process,
    end_process_async,
    end_tree,
    group_alive,
    group_members,
    run_capped,
    signal_group,
    start,
    start_async,
)

ROOT = Path(__file__).resolve().parents[2]
SLEEP = "import time; time.sleep(3600)"


def gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for its parent."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(check, timeout: float = 30.0) -> None:
    """For a state only a broken test never reaches (the bound is a safety net)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the state never came"
        time.sleep(0.01)


@pytest.fixture
def system_temp(monkeypatch):
    """A private "system temp dir" for this process and, through TMPDIR, its children.

    Short (under /tmp, not pytest's long tmp_path): a longer one is replaced by /tmp
    for the fork server's socket (see scratch.base_for_sockets)."""
    folder = Path(tempfile.mkdtemp(prefix="gt", dir="/tmp" if os.path.isdir("/tmp") else None))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- looking


def test_a_zombie_member_does_not_keep_a_group_alive():
    proc = start([sys.executable, "-c", "pass"], scratch=False)
    try:
        wait_until(lambda: psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE)
        os.killpg(proc.pid, 0)  # the trap: the kernel still calls the group alive
        assert group_members(proc.pid) == []
        assert not group_alive(proc.pid)
    finally:
        end_process(proc)
    assert proc.returncode == 0


def test_a_live_member_beside_a_zombie_keeps_the_group_alive():
    code = textwrap.dedent("""
        import os, sys, time
        pid = os.fork()
        if pid == 0:
            os._exit(0)  # a zombie: its parent never reaps it
        print(pid, flush=True)
        time.sleep(3600)
    """)
    proc = start([sys.executable, "-c", code], stdout=subprocess.PIPE, scratch=False)
    try:
        zombie = int(proc.stdout.readline())
        wait_until(lambda: psutil.Process(zombie).status() == psutil.STATUS_ZOMBIE)
        assert group_members(proc.pid) == [proc.pid]
        assert group_alive(proc.pid)
    finally:
        end_process(proc)
        proc.stdout.close()
    assert not group_alive(proc.pid)


# ---------------------------------------------------------------- ending


def test_a_child_that_ignores_sigint_gets_sigkill():
    code = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); " \
           "print('ready', flush=True); time.sleep(3600)"
    proc = start([sys.executable, "-c", code], stdout=subprocess.PIPE, scratch=False)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        assert end_group(proc.pid, 0.2, signal.SIGINT) == 1
        assert proc.wait(5) == -signal.SIGKILL
    finally:
        end_process(proc)
        proc.stdout.close()


def test_a_child_that_honours_the_polite_signal_ends_by_it():
    code = "import time; print('ready', flush=True); time.sleep(3600)"
    proc = start([sys.executable, "-c", code], stdout=subprocess.PIPE, scratch=False)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        # a default SIGTERM ends it, well within the grace
        assert end_group(proc.pid, 30.0, (signal.SIGTERM,)) == 1
        assert proc.wait(5) == -signal.SIGTERM
    finally:
        end_process(proc)
        proc.stdout.close()


ESCAPE = textwrap.dedent("""
    import os, sys, time
    pid = os.fork()
    if pid == 0:
        os.setsid()  # leaves our process group and session
        print(os.getpid(), flush=True)
        time.sleep(3600)
        os._exit(0)
    time.sleep(3600)
""")


def test_end_tree_ends_a_grandchild_that_called_setsid():
    proc = start([sys.executable, "-c", ESCAPE], stdout=subprocess.PIPE, scratch=False)
    escaped = None
    try:
        escaped = int(proc.stdout.readline())
        assert os.getsid(escaped) == escaped != proc.pid
        assert escaped not in group_members(proc.pid)  # a group kill would miss it
        assert end_tree(proc.pid) == 2
        assert gone(escaped) and gone(proc.pid)
    finally:
        end_process(proc)
        proc.stdout.close()
        if escaped is not None and not gone(escaped):
            os.kill(escaped, signal.SIGKILL)


def test_end_process_takes_the_escaped_grandchild_too():
    proc = start([sys.executable, "-c", ESCAPE], stdout=subprocess.PIPE, scratch=False)
    escaped = int(proc.stdout.readline())
    try:
        end_process(proc)  # still running: SIGKILL to the group and the tree at once
        assert proc.returncode == -signal.SIGKILL
        assert gone(escaped)
    finally:
        proc.stdout.close()
        if not gone(escaped):
            os.kill(escaped, signal.SIGKILL)


def test_signal_group_never_signals_us_and_knows_a_gone_group():
    assert signal_group(os.getpgrp(), 0) is False
    proc = start([sys.executable, "-c", "pass"], scratch=False)
    end_process(proc)  # reaped: the group no longer exists
    assert signal_group(proc.pid, 0) is False
    assert end_group(proc.pid) == 0


async def test_start_async_and_end_process_async():
    proc = await start_async([sys.executable, "-c", "print('ready', flush=True); " + SLEEP],
                             stdout=asyncio.subprocess.PIPE, lifeline=True)
    assert (await proc.stdout.readline()).strip() == b"ready"
    assert await end_process_async(proc, 5.0, signal.SIGTERM) == 1
    assert proc.returncode == -signal.SIGTERM
    assert not group_alive(proc.pid)


# ---------------------------------------------------------------- running


def test_run_capped_ends_a_script_that_never_finishes():
    outcome = run_capped([sys.executable, "-c", SLEEP], deadline=time.monotonic() + 0.3)
    assert outcome.timed_out and not outcome.capped and not outcome.stopped
    assert outcome.returncode == -signal.SIGKILL
    assert "SIGKILL" in processes.describe_exit(outcome.returncode)


def test_run_capped_reports_start_and_calls_on_start():
    seen: list[int] = []
    outcome = run_capped([sys.executable, "-c", "import os; print(os.getpid())"],
                         deadline=time.monotonic() + 60, on_start=seen.append)
    assert outcome.returncode == 0 and int(outcome.stdout) == seen[0]
    missing = run_capped(["/nonexistent/python"], deadline=time.monotonic() + 60)
    assert isinstance(missing.start_exception, FileNotFoundError)
    assert "no such interpreter" in missing.start_error


# ---------------------------------------------------------------- temp folders


def test_a_child_gets_a_temp_folder_of_ours_removed_when_it_ends(system_temp):
    code = "import tempfile; print(tempfile.gettempdir(), flush=True); " + SLEEP
    proc = start([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        folder = Path(proc.stdout.readline().decode().strip())
        assert folder.parent == system_temp
        assert folder.name.startswith(f"gil-tui-{os.getuid()}-{os.getpid()}-")
        assert str(folder) in scratch.held()
    finally:
        end_process(proc)
        proc.stdout.close()
    assert not folder.exists() and list(system_temp.iterdir()) == []


@pytest.mark.parametrize("how", ["cancel", "sigkill"])
async def test_a_forkserver_run_leaves_no_pymp_folder(system_temp, how):
    runner = Runner(RunSpec("cpu", "processes", workers=2, scale=5.0, start_method="forkserver"))
    acted = False
    async for event in runner.events():
        # the first worker only: the second one's start may be read after the cancel or
        # the kill, when the group and its folder are already gone
        if isinstance(event, WorkerStart) and not acted:
            acted = True
            ours = [Path(p) for p in scratch.held()]
            assert any(list(folder.glob("pymp-*")) for folder in ours)  # the fork server's
            if how == "cancel":
                await runner.cancel()
            else:  # the worker cleans nothing up
                os.kill(runner.pid, signal.SIGKILL)
    assert acted
    assert list(system_temp.iterdir()) == []


def _old(path: Path, hours: float = 2.0) -> Path:
    path.mkdir()
    (path / "pymp-x").mkdir()
    then = time.time() - hours * 3600
    os.utime(path, (then, then))
    return path


def test_sweep_removes_only_stale_folders_of_ours(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    uid = os.getuid()
    stale = _old(tmp_path / f"gil-tui-{uid}-{dead.pid}-run-abc")
    legacy = _old(tmp_path / "gil-tui-main-guard-xyz")
    alive = _old(tmp_path / f"gil-tui-{uid}-{os.getppid()}-run-abc")  # pid still running
    fresh = tmp_path / f"gil-tui-{uid}-{dead.pid}-run-new"
    fresh.mkdir()
    other_uid = _old(tmp_path / f"gil-tui-{uid + 1}-{dead.pid}-run-abc")
    foreign = _old(tmp_path / "pymp-abcdef")
    tests = _old(tmp_path / "gil-tui-tests-abc")
    link = tmp_path / f"gil-tui-{uid}-{dead.pid}-run-link"
    link.symlink_to(foreign)
    removed = scratch.sweep_stale(where=str(tmp_path))
    assert sorted(removed) == sorted([str(stale), str(legacy)])
    for kept in (alive, fresh, other_uid, foreign, tests, link, foreign / "pymp-x"):
        assert os.path.lexists(kept), kept


SIGNALLED = """
import sys, time
from gil_tui.engine.system.processes import run_capped
run_capped([sys.executable, "-c", "import time; time.sleep(3600)"],
           deadline=time.monotonic() + 3600, lifeline=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_term_or_hup_ends_our_children_and_removes_our_folders(system_temp, sig):
    engine = subprocess.Popen([sys.executable, "-c", SIGNALLED], cwd=ROOT)
    try:
        def child() -> psutil.Process | None:
            kids = psutil.Process(engine.pid).children()
            return kids[0] if kids else None

        wait_until(lambda: child() is not None and any(system_temp.iterdir()))
        script = child()
        engine.send_signal(sig)
        assert engine.wait(30) == -sig  # cleaned up, then ended by the signal as before
        assert gone(script.pid)
        assert list(system_temp.iterdir()) == []
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait()
