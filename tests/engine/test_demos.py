"""The live demos end to end, with real interpreters, at small sizes; their limits and clean-up.

Every process a demo starts runs in its own process group; the ``groups``
fixture (tests/engine/demo_helpers.py) records each group and, after the test,
asserts that none of them has a live process left (psutil), multiprocessing
children, fork servers and resource trackers included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from gil_tui.engine.demos import analysis as an
from gil_tui.engine.demos import main_guard_analysis as mga
from gil_tui.engine.demos import registry as demos
from gil_tui.engine.demos.registry import DEMOS, SCRIPTS_DIR, DemoResult, run_demo
from gil_tui.engine.system.processes import run_capped
from tests.cli_helpers import wait_for_child
from tests.engine.demo_helpers import PYENV, groups, pyenv_python  # noqa: F401

LESSONS = Path(demos.__file__).resolve().parents[2] / "lessons"
# a small race that loses with the call form on every CPython (a 50 µs switch interval
# makes the threads switch often even in a short run); every trial runs (no early stop)
SMALL_RACE = {"threads": 4, "increments": 20_000, "lock_increments": 20_000, "trials": 2,
              "stop_at_loss": False, "switch_interval_ms": 0.05}
SMALL_SWITCH = {"work": 50_000, "chunk": 250}
SMALL_RELEASE = {"hash_scale": 0.01, "cpu_scale": 0.01}


def check_shape(result: DemoResult, name: str) -> None:
    assert result.name == name and result.title == DEMOS[name].title
    assert result.summary and result.duration > 0
    assert all(isinstance(t, str) and isinstance(lines, list) for t, lines in result.sections)
    d = result.to_dict()
    assert set(d) == {"format", "name", "title", "ok", "summary", "error", "interpreter",
                      "sections", "data", "duration_s"}


def check_current_interpreter(result: DemoResult) -> None:
    assert result.interpreter is not None
    assert result.interpreter.version == ".".join(map(str, sys.version_info[:3]))
    assert result.interpreter.free_threaded is False  # no free-threaded build runs the tests


# ---------------------------------------------------------------- registry


def test_registry_names_lessons_that_exist():
    slugs = set()
    for path in LESSONS.glob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines()[:6]:
            if line.startswith("slug:"):
                slugs.add(line.split(":", 1)[1].strip())
    assert list(DEMOS) == ["main-guard", "race", "switch-interval", "gil-release", "costs"]
    for info in DEMOS.values():
        assert info.lesson in slugs and info.description and callable(info.run)
    assert [i.name for i in demos.demos_for_lesson("the-gil")] == ["switch-interval", "gil-release"]
    assert demos.demos_for_lesson("nope") == []


def test_scripts_exist_and_templates_carry_the_method_line():
    for name in ("demo_common.py", "race.py", "switch_interval.py"):
        assert (SCRIPTS_DIR / name).is_file()
    without = (SCRIPTS_DIR / "main_guard_without.py").read_text()
    with_guard = (SCRIPTS_DIR / "main_guard_with.py").read_text()
    assert demos.METHOD_LINE in without and demos.METHOD_LINE in with_guard
    assert "__main__" not in without.replace("'__main__'", "") and 'if __name__ == "__main__":' in with_guard
    assert "set_start_method" not in without and "get_context(START_METHOD)" in without


def test_programming_errors_raise():
    with pytest.raises(ValueError, match="unknown demo"):
        run_demo("nope")
    with pytest.raises(ValueError, match="unknown option"):
        demos.run_race(bogus=1)
    with pytest.raises(ValueError, match="timeout"):
        demos.run_race(timeout=0)
    with pytest.raises(ValueError, match="threads"):
        demos.run_race(threads=0)
    with pytest.raises(ValueError, match="methods"):
        demos.run_main_guard(methods=["thread"])
    with pytest.raises(ValueError, match="stop"):
        demos.run_race(stop=True)


# ---------------------------------------------------------------- main guard


def test_main_guard_shows_the_error_under_spawn_and_forkserver_and_cleans_up(groups):
    result = demos.run_main_guard()
    check_shape(result, "main-guard")
    check_current_interpreter(result)
    assert result.ok, result.error
    data = result.data
    assert data["methods"] == ["spawn", "forkserver", "fork"]
    assert data["version"] == result.interpreter.version and data["pool"] is False
    assert data["forkserver_preloads_main"] is mga.forkserver_preloads_main(sys.version_info)
    assert not Path(data["temp_dir"]).exists()
    runs = {(r["method"], r["guard"]): r for r in data["runs"]}
    assert len(runs) == 6
    preload = data["forkserver_preloads_main"]
    for method in ("spawn",) + (() if preload else ("forkserver",)):
        run = runs[(method, False)]
        assert run["outcome"] == mga.CHILD_FAILED and run["as_expected"] is True
        assert run["exit_code"] == 0  # the parent carries on
        assert run["top_level_names"] == ["__main__", "__mp_main__"]  # child cap: one re-run
        assert run["runtime_error"] and run["child_exit_code"] == 1 and not run["greeted"]
        assert not run["capped"] and run["peak_descendants"] <= demos.MAX_DESCENDANTS
        guarded = runs[(method, True)]
        assert guarded["outcome"] == mga.RERAN_IN_CHILD
        assert guarded["greeted"] and guarded["child_exit_code"] == 0
    fork = runs[("fork", False)]
    assert fork["outcome"] == mga.RAN_ONCE and fork["top_level_names"] == ["__main__"]
    assert fork["greeted"] and fork["child_exit_code"] == 0 and not fork["runtime_error"]
    assert all(r["as_expected"] for r in data["runs"])
    titles = [t for t, _ in result.sections]
    assert "spawn, without the guard" in titles and "fork, with the guard" in titles
    spawn_lines = dict(result.sections)["spawn, without the guard"]
    assert any(line.startswith("RuntimeError") for line in spawn_lines)
    assert any("no_guard.py" in line and "<module>" in line for line in spawn_lines)
    assert "RuntimeError" in result.summary and "under fork the top level ran once" in result.summary
    assert mga.version_note(sys.version_info, ["forkserver"]) in result.summary


def test_main_guard_runs_only_the_methods_asked_for(groups):
    result = demos.run_main_guard(methods="fork")
    assert result.ok and [r["method"] for r in result.data["runs"]] == ["fork", "fork"]
    assert "fork server" not in result.summary  # no forkserver run: no version row to name


def test_the_watchdog_kills_a_script_that_starts_too_many_processes(groups, tmp_path):
    breeder = tmp_path / "breeder.py"
    breeder.write_text(
        "import subprocess, sys, time\n"
        "kids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])"
        " for _ in range(8)]\n"
        "time.sleep(30)\n"
    )
    outcome = run_capped([sys.executable, str(breeder)], deadline=time.monotonic() + 20,
                         max_descendants=3)
    # the watchdog ended it (capped), not the deadline (the breeder sleeps 30 s, past it)
    assert outcome.capped and not outcome.timed_out
    assert 3 < outcome.peak_descendants <= 8
    assert outcome.returncode is not None and outcome.returncode < 0


def test_run_capped_reports_a_missing_program():
    outcome = run_capped(["/nonexistent/python"], deadline=time.monotonic() + 5)
    assert outcome.start_error and "no such interpreter" in outcome.start_error


# ---------------------------------------------------------------- race


def test_race_call_form_loses_and_the_lock_never_does(groups):
    lost_with_call = False
    for _ in range(5):
        result = demos.run_race(**SMALL_RACE)
        check_shape(result, "race")
        check_current_interpreter(result)
        assert result.ok, result.error
        data = result.data
        assert data["expected"] == 80_000 and data["trials_run"] == 2
        assert data["stop_at_loss"] is False and data["stopped_at_loss"] is False
        assert [t["variant"] for t in data["trials"]] == ["plain", "call", "lock"] * 2
        for trial in data["trials"]:
            assert trial["expected"] == trial["actual"] + trial["lost"] == 80_000
            assert trial["lost"] >= 0
        assert all(t["lost"] == 0 for t in data["trials"] if t["variant"] == "lock")
        assert data["variants"]["lock"]["losing_trials"] == 0
        assert data["variants"]["lock"]["label"] == "counter += one() with a Lock"
        assert [t for t, _ in result.sections] == ["Trials", "Lost updates"]
        assert "With a Lock nothing was lost in 2 trials." in result.summary
        assert result.summary.endswith(an.ONLY_A_LOCK)
        if data["variants"]["call"]["losing_trials"]:
            lost_with_call = True
            break
    assert lost_with_call, "counter += one() never lost an update in 5 runs"


def test_race_stops_at_the_first_trial_that_loses(groups):
    result = demos.run_race(threads=4, increments=20_000, lock_increments=5_000, trials=4,
                            switch_interval_ms=0.05)
    assert result.ok, result.error
    data = result.data
    assert data["stop_at_loss"] is True and data["lock_increments"] == 5_000
    lock_rows = [t for t in data["trials"] if t["variant"] == "lock"]
    assert all(t["expected"] == 20_000 and t["lost"] == 0 for t in lock_rows)
    unlocked = {}
    for t in data["trials"]:
        if t["variant"] != "lock":
            unlocked[t["trial"]] = unlocked.get(t["trial"], 0) + t["lost"]
    runs = data["trials_run"]
    assert sorted(unlocked) == list(range(runs))
    assert all(unlocked[n] == 0 for n in range(runs - 1)), "it went on after a losing trial"
    if data["stopped_at_loss"]:
        assert unlocked[runs - 1] > 0
    else:
        assert runs == 4 or data["budget_cut"]
    assert "up to 4 trials; it stops after the first" in result.sections[0][1][1]


def test_race_defaults_are_the_lessons_million_per_thread():
    info = DEMOS["race"]
    assert info.defaults["increments"] == 1_000_000 and info.defaults["threads"] == 4
    assert info.defaults["lock_increments"] == 100_000 and info.defaults["stop_at_loss"] is True
    lesson = (LESSONS / "08-free-threading.md").read_text(encoding="utf-8")
    assert "run(with_call, 1_000_000)" in lesson and "run(locked, 100_000)" in lesson
    with pytest.raises(ValueError, match="stop_at_loss"):
        demos.run_race(stop_at_loss="maybe")


@pytest.mark.slow
def test_race_at_the_defaults_loses_with_the_call_form(groups):
    result = demos.run_race(timeout=60)
    assert result.ok and result.data["variants"]["call"]["losing_trials"] >= 1
    assert result.data["variants"]["lock"]["losing_trials"] == 0


def test_race_times_out_quickly_with_what_it_saw(groups):
    # 4 threads x 100 million increments x 3 forms cannot finish in 2 s on any machine: if the
    # time limit did not end the script, the result would be ok (or another error) instead;
    # the groups fixture checks that the script and its children are gone
    result = demos.run_race(increments=100_000_000, trials=1, timeout=2.0)
    assert not result.ok and "did not finish within 2 s" in result.error


def test_a_stop_event_ends_the_demo(groups):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    # it cannot finish before the stop (100 million increments per thread); had the stop been
    # missed, the 30 s limit would end it with another error
    result = demos.run_race(increments=100_000_000, trials=1, timeout=30, stop=stop)
    assert not result.ok and result.error == "the demo was stopped"


def test_bad_interpreters_give_a_clear_reason(groups, tmp_path):
    missing = run_demo("race", python=str(tmp_path / "nope"))
    assert not missing.ok and "no such file" in missing.error and missing.interpreter is None
    not_python = tmp_path / "fake"
    not_python.write_text("#!/bin/sh\necho hello\n")
    not_python.chmod(0o755)
    fake = run_demo("switch-interval", python=str(not_python))
    assert not fake.ok and "did not answer like Python" in fake.error
    if (PYENV / "2.7.18" / "bin" / "python").exists():
        old = run_demo("main-guard", python=str(PYENV / "2.7.18" / "bin" / "python"))
        assert not old.ok and "needs CPython >= 3.8" in old.error


def test_a_failing_scripts_stderr_tail_is_cleaned(groups, tmp_path, monkeypatch):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, sys\n"
        "if os.path.basename(sys.argv[0]) == 'race.py':\n"
        "    sys.stderr.write('boom \\x1b[2J\\x1b]0;owned\\x07 done\\n')\n"
        "    sys.stderr.flush()\n"
        "    os._exit(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(hook))
    result = demos.run_race(**SMALL_RACE)
    assert not result.ok and "exited with code 3" in result.error
    assert "boom \\x1b[2J\\x1b]0;owned\\x07 done" in result.error
    assert "\x1b" not in result.error and "\x07" not in result.error


# ---------------------------------------------------------------- switch interval


def test_switch_interval_structure(groups):
    result = demos.run_switch_interval(**SMALL_SWITCH)
    check_shape(result, "switch-interval")
    check_current_interpreter(result)
    assert result.ok, result.error
    rows = result.data["intervals"]
    assert [r["interval_ms"] for r in rows] == [0.5, 5.0, 50.0]
    assert result.data["default_interval_ms"] == 5.0
    for row in rows:
        assert row["wall_s"] > 0 and row["switches"] >= 0 and 0 <= row["max_gap"] <= 1
        assert len(row["checkpoints"]) == 2 and all(len(c) == 20 for c in row["checkpoints"])
        assert all(c == sorted(c) for c in row["checkpoints"])
        assert len(row["activity"]) == 2 and all(len(a) == 40 for a in row["activity"])
    assert len(result.sections) == 3
    assert result.sections[0][1][1].startswith("thread 0 |")
    assert "stamps" not in rows[0]


# ---------------------------------------------------------------- gil release


def test_gil_release_structure(groups):
    result = demos.run_gil_release(**SMALL_RELEASE)
    check_shape(result, "gil-release")
    check_current_interpreter(result)
    assert result.ok, result.error
    runs = result.data["runs"]
    assert [(r["workload"], r["mode"]) for r in runs] == [
        ("hash", "sequential"), ("hash", "threads"), ("cpu", "sequential"), ("cpu", "threads")]
    assert set(result.data["speedup"]) == {"hash", "cpu"}
    assert all(r["wall_s"] > 0 and r["busy_cores"] >= 0 for r in runs)
    assert "2 hash threads ran" in result.summary and "2 cpu threads ran" in result.summary
    assert len(set(groups)) >= 5  # the probe, then one worker per run; none survives


def test_gil_release_with_a_missing_interpreter(groups):
    result = demos.run_gil_release(python="/nonexistent/python3", **SMALL_RELEASE)
    assert not result.ok and "no such file" in result.error


# ---------------------------------------------------------------- other interpreters


@pytest.mark.parametrize("version", ["3.8", "3.13"])
def test_demos_on_pyenv_interpreters(groups, version):
    python = pyenv_python(version)
    race = demos.run_race(python=python, **SMALL_RACE)
    assert race.ok, race.error
    assert race.interpreter.version.startswith(version + ".")
    assert race.data["variants"]["lock"]["losing_trials"] == 0  # plain may lose on 3.8
    guard = demos.run_main_guard(python=python, methods=("spawn", "fork"))
    assert guard.ok, guard.error
    outcomes = {(r["method"], r["guard"]): r for r in guard.data["runs"]}
    assert outcomes[("spawn", False)]["runtime_error"]
    assert outcomes[("spawn", False)]["child_exit_code"] == 1
    assert outcomes[("fork", False)]["greeted"]
    switch = demos.run_switch_interval(python=python, **SMALL_SWITCH)
    assert switch.ok and len(switch.data["intervals"]) == 3


def test_demo_scripts_end_when_the_engine_is_killed(tmp_path):
    """The lifeline: a SIGKILL of the process running the demo ends the demo script too."""
    code = ("from gil_tui.engine.demos.registry import run_race; "
            "run_race(increments=50_000_000, trials=1, timeout=60)")
    # its temp folders (a SIGKILL leaves them) land in a test folder, not the system's
    engine = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ, TMPDIR=str(tmp_path)))
    try:
        script = wait_for_child(engine.pid, "race.py")
        assert script is not None, "the race script never started"
        engine.kill()
        engine.wait(5)
        gone, alive = psutil.wait_procs([script], timeout=5)
        assert not alive, "the race script outlived the engine"
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait(5)
