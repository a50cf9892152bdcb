"""The main-guard demo live: its time limits, a parent that fails or hangs, clean output.

A 3.14 is not on this machine, so the fork server's ``__main__`` preload of
3.13.8 / 3.14.1 (GH-135295, with gh-143706's ``sys.argv``) is reproduced on 3.13.0
by a test-only variant of the demo's scripts (:data:`PRELOAD_FIX`), so a real run
shows the parent failing (or hanging) where 3.13.0 itself would not. The pure
reading of every outcome, on recorded output, is in test_main_guard_outcomes.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gil_tui.engine.demos import main_guard
from gil_tui.engine.demos import main_guard_analysis as mga
from gil_tui.engine.demos.registry import SCRIPTS_DIR, run_main_guard
from tests.engine.demo_helpers import groups, pyenv_python  # noqa: F401

#: Never shipped: what the fix changed, put into the scripts themselves. In 3.13.0,
#: ForkServer.ensure_running() keeps only the ``main_path`` and ``sys_path`` keys of
#: spawn.get_preparation_data(), which names the script ``init_main_from_path``, so
#: the server never gets it (dead code since 2013). The fix passes it on as
#: ``main_path``; forkserver.main() then imports it (as __mp_main__) before forking
#: children. gh-143706 then set the parent's sys.argv during that import: here the
#: server's ``-c`` command sets it first.
PRELOAD_FIX = '''
# --- test-only: the forkserver __main__ preload of 3.13.8 / 3.14.1, on an older 3.13
import multiprocessing.forkserver as _forkserver
import multiprocessing.spawn as _spawn
import multiprocessing.util as _util
import sys as _sys

_forkserver.set_forkserver_preload(["__main__"])
_prepare = _spawn.get_preparation_data
_spawnv = _util.spawnv_passfds


def _with_main_path(name):
    data = _prepare(name)
    if name == "ignore" and "init_main_from_path" in data:  # the call from ensure_running()
        data["main_path"] = data["init_main_from_path"]
    return data


def _with_argv(path, args, passfds):
    if len(args) > 1 and args[-2] == "-c" and "multiprocessing.forkserver import main" in args[-1]:
        args = list(args[:-1]) + ["import sys; sys.argv[:] = %r; %s" % (_sys.argv, args[-1])]
    return _spawnv(path, args, passfds)


_spawn.get_preparation_data = _with_main_path
_util.spawnv_passfds = _with_argv
# --- end of the test-only part
'''

SLEEP_IN_MAIN_GUARD_SCRIPTS = """
import os, sys, time
if os.path.basename(sys.argv[0]) in ("no_guard.py", "guarded.py", "pool_no_guard.py"):
    print("sleeping", flush=True)
    time.sleep(3600)
"""

ESCAPES_IN_MAIN_GUARD_SCRIPTS = """
import os, sys
if os.path.basename(sys.argv[0]) in ("no_guard.py", "guarded.py"):
    print("\\x1b[2J\\x1b]0;owned\\x07 red \\x1b[31mtext\\r", flush=True)
"""


def _hook(tmp_path: Path, monkeypatch, code: str) -> None:
    """A sitecustomize the demo's scripts run first (they inherit our environment)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(code)
    monkeypatch.setenv("PYTHONPATH", str(hook))


def _with_fix(tmp_path: Path, monkeypatch) -> None:
    """Point the demo at template copies that carry PRELOAD_FIX right after their imports."""
    folder = tmp_path / "templates"
    folder.mkdir()
    for _kind, _guard, template, _name in main_guard.SCRIPTS:
        source = (SCRIPTS_DIR / template).read_text(encoding="utf-8")
        assert "import os\n" in source and main_guard.METHOD_LINE in source
        (folder / template).write_text(source.replace("import os\n", "import os\n" + PRELOAD_FIX, 1))
    monkeypatch.setattr(main_guard, "TEMPLATES_DIR", folder)


def test_a_run_that_cannot_finish_is_reported_as_hung_and_the_demo_goes_on(
        groups, tmp_path, monkeypatch):
    """Each run sleeps for an hour at start-up: the run's own limit stops it, and the next runs."""
    _hook(tmp_path, monkeypatch, SLEEP_IN_MAIN_GUARD_SCRIPTS)
    result = run_main_guard(methods=("spawn",), run_timeout=1.0, timeout=60)
    assert result.ok, result.error
    runs = result.data["runs"]
    assert [(r["guard"], r["outcome"]) for r in runs] == [(False, mga.HUNG), (True, mga.HUNG)]
    for run in runs:
        assert run["timed_out"] and run["limit_s"] == 1.0 and run["output"] == ["sleeping"]
    assert "the parent hung" in result.summary and "stopped it after 1.00 s" in result.summary
    assert "(the demo's time limit for one run)" in result.summary
    note = dict(result.sections)["spawn, without the guard"][-1]
    assert note.startswith("[gil-tui] the script neither finished nor failed within 1.00 s")
    # spawn children should fail, not hang: the summary says the table expected otherwise
    assert "That is not what the lesson's table says" in result.summary
    assert not Path(result.data["temp_dir"]).exists()


def test_the_whole_demo_times_out_and_leaves_nothing(groups, tmp_path, monkeypatch):
    """The demo's own timeout still ends it all when it comes before a run's limit."""
    _hook(tmp_path, monkeypatch, SLEEP_IN_MAIN_GUARD_SCRIPTS)
    timeout = 4.0
    began = time.monotonic()
    result = run_main_guard(timeout=timeout, run_timeout=600)
    assert time.monotonic() - began < timeout + 10  # our own waits are bounded
    assert not result.ok and f"did not finish within {timeout:g} s" in result.error
    assert result.summary == result.error
    runs = result.data["runs"]
    assert len(runs) == 1 and runs[0]["timed_out"] and runs[0]["limit_s"] is None
    assert runs[0]["output"] == ["sleeping"]
    assert not Path(result.data["temp_dir"]).exists()


def test_a_pool_without_the_guard_hangs_under_spawn_and_is_stopped(groups):
    """Under spawn a Pool keeps replacing workers that die: it can never finish."""
    result = run_main_guard(methods=("spawn", "fork"), pool=True, run_timeout=1.5, timeout=60)
    assert result.ok, result.error
    pools = {r["method"]: r for r in result.data["runs"] if r["script"] == "pool"}
    assert pools["spawn"]["outcome"] == mga.HUNG and pools["spawn"]["as_expected"] is True
    assert pools["spawn"]["limit_s"] == 1.5
    assert pools["fork"]["outcome"] == mga.RAN_ONCE and pools["fork"]["pool_results"]
    assert "With a Pool and no guard, under spawn the parent hung" in result.summary
    titles = [t for t, _ in result.sections]
    assert "pool_no_guard.py (START_METHOD set to each method in turn)" in titles
    assert "spawn, a Pool without the guard" in titles


def test_with_the_preload_fix_the_parent_fails_on_3_13_0(groups, tmp_path, monkeypatch):
    """3.13.0 plus the fix, reproduced: a real run shows the parent failing (or hanging)."""
    python = pyenv_python("3.13.0")
    _with_fix(tmp_path, monkeypatch)
    result = run_main_guard(python=python, methods=("forkserver", "spawn"), pool=True,
                            run_timeout=5.0, timeout=60)
    assert result.ok, result.error
    assert result.interpreter.version == "3.13.0"
    assert result.data["forkserver_preloads_main"] is False  # 3.13.0 itself: before the fix
    runs = {(r["method"], r["script"], r["guard"]): r for r in result.data["runs"]}
    unguarded = runs[("forkserver", "process", False)]
    assert unguarded["outcome"] in (mga.PARENT_FAILED, mga.HUNG), unguarded["output"]
    if unguarded["outcome"] == mga.PARENT_FAILED:
        assert unguarded["exit_code"] == 1 and unguarded["failed_in_start"]
        assert unguarded["parent_error"].startswith(("EOFError", "ConnectionResetError"))
        assert unguarded["child_exit_code"] is None  # the parent never got that far
    # the fork server ran the top level (as __mp_main__) and died at its own start()
    assert unguarded["top_level_names"] == ["__main__", "__mp_main__"]
    assert unguarded["runtime_error"]
    assert unguarded["as_expected"] is False  # the table's row for 3.13.0 says: like spawn
    guarded = runs[("forkserver", "process", True)]
    assert guarded["outcome"] == mga.PRELOADED and guarded["greeted"]
    pool = runs[("forkserver", "pool", False)]
    assert pool["outcome"] in (mga.PARENT_FAILED, mga.HUNG), pool["output"]
    # spawn has no preload: the fix changes nothing there
    assert runs[("spawn", "process", False)]["outcome"] == mga.CHILD_FAILED
    assert runs[("spawn", "process", True)]["outcome"] == mga.RERAN_IN_CHILD
    summary = result.summary
    assert "under forkserver the parent" in summary
    assert "in the fork server (as __mp_main__), not in the child" in summary
    assert "That is not what the lesson's table says for 3.13.0" in summary
    section = dict(result.sections)["forkserver, without the guard"]
    if unguarded["outcome"] == mga.PARENT_FAILED:
        assert section[-2].startswith(("EOFError", "ConnectionResetError"))


def test_the_preload_fix_is_needed_for_that_3_13_0_shows_like_spawn(groups):
    """Without the test-only fix, 3.13.0's forkserver behaves as its table row says."""
    python = pyenv_python("3.13.0")
    result = run_main_guard(python=python, methods=("forkserver",))
    assert result.ok, result.error
    outcomes = [(r["guard"], r["outcome"], r["as_expected"]) for r in result.data["runs"]]
    assert outcomes == [(False, mga.CHILD_FAILED, True), (True, mga.RERAN_IN_CHILD, True)]
    assert "On 3.13.0 (before the 3.13.8 fix) the fork server does not run" in result.summary


def test_escape_sequences_from_the_scripts_never_reach_a_section(groups, tmp_path, monkeypatch):
    _hook(tmp_path, monkeypatch, ESCAPES_IN_MAIN_GUARD_SCRIPTS)
    result = run_main_guard(methods=("fork",))
    assert result.ok, result.error
    text = "\n".join(line for _, lines in result.sections for line in lines)
    assert "\\x1b[2J" in text and "\\x07" in text
    for forbidden in ("\x1b", "\x07", "\r"):
        assert forbidden not in text and forbidden not in result.summary
        assert all(forbidden not in line for r in result.data["runs"] for line in r["output"])


def test_bad_option_values_are_programming_errors():
    with pytest.raises(ValueError, match="pool"):
        run_main_guard(pool="perhaps")
    with pytest.raises(ValueError, match="run_timeout"):
        run_main_guard(run_timeout=0)
    assert main_guard.INFO.timeout == 20.0 and main_guard.INFO.defaults["pool"] is False
