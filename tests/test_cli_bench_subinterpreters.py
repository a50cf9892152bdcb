"""`gil-tui bench --mode subinterpreters` (issue 15): refused before any work on an
interpreter that cannot (exit 2, one line), and the API named where it ran."""

from __future__ import annotations

import json
import subprocess
import sys

import psutil
import pytest

from tests.test_cli_bench import ROOT, env, one_clear_line, pyenv_python

SUBS_TINY = ["--workload", "cpu", "--mode", "subinterpreters", "--workers", "2", "--tasks", "2",
             "--scale", "0.005"]
OLD_PYTHON = sys.version_info < (3, 12)  # the venv's 3.11 here


def bench_in(home, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gil_tui", "bench", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env=dict(env(), GIL_TUI_HOME=str(home)))


def history(home) -> list[str]:
    path = home / "data" / "history.jsonl"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.skipif(not OLD_PYTHON, reason="this interpreter can run subinterpreters")
@pytest.mark.parametrize("extra", [[], ["--json"], ["--scale", "auto", "--json"]])
def test_this_old_interpreter_is_refused_before_any_work(tmp_path, extra):
    args = [a for a in SUBS_TINY if a not in ("--scale", "0.005")] if "auto" in extra \
        else SUBS_TINY
    done = bench_in(tmp_path, *args, *extra)
    assert done.returncode == 2
    line = one_clear_line(done.stderr)
    version = ".".join(map(str, sys.version_info[:3]))
    assert line.startswith("gil-tui bench: error: --mode subinterpreters needs CPython 3.12+")
    assert f"is CPython {version}" in line and "--python" in line
    assert "measuring" not in done.stderr  # --scale auto did not start a calibration
    assert done.stdout == ""  # no summary, no JSON: nothing ran
    assert history(tmp_path) == []
    assert not (tmp_path / "data" / "calibration.json").exists()


def test_an_old_python_given_with_python_is_refused(tmp_path):
    old = pyenv_python("3.11")
    done = bench_in(tmp_path, *SUBS_TINY, "--python", old, "--json")
    assert done.returncode == 2 and done.stdout == ""
    line = one_clear_line(done.stderr)
    assert "needs CPython 3.12+" in line and f"{old} is CPython 3.11." in line
    assert history(tmp_path) == []


def test_the_refusal_starts_no_worker(monkeypatch, capsys):
    """In process: the runner is never reached, so no bench_worker can have been spawned."""
    from gil_tui.cli import main
    from gil_tui.engine.run import runner

    def no_run(*args, **kwargs):
        raise AssertionError("a worker was started")

    monkeypatch.setattr(runner, "run", no_run)
    monkeypatch.setattr(runner.Runner, "__init__", no_run)
    monkeypatch.setattr("gil_tui.engine.system.probe.probe", lambda *a, **k: old_interpreter())
    monkeypatch.setattr("gil_tui.engine.system.interpreters.probe",
                        lambda *a, **k: old_interpreter())
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    assert main(["bench", *SUBS_TINY, "--python", "/py/3.11", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "needs CPython 3.12+" in err and "/py/3.11 is CPython 3.11.7" in err
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


def old_interpreter():
    from gil_tui.engine.system.probe import Interpreter

    return Interpreter(path="/py/3.11", realpath="/py/3.11", source="added", version="3.11.7",
                       version_info=(3, 11, 7), implementation="cpython", free_threaded=False,
                       gil_enabled=True, cpu_count=2, has_aiohttp=False, supported=True,
                       reason=None)


def test_a_worker_that_refuses_the_mode_is_a_usage_error_too():
    """Past the pre-flight (a build without the module, say), the worker's own refusal
    (``unsupported: true``) also exits 2 with its one line; here a 3.11 worker refuses."""
    import io

    from gil_tui.commands.bench import run_bench
    from gil_tui.engine.run.spec import RunSpec

    old = pyenv_python("3.11")
    out, err = io.StringIO(), io.StringIO()
    spec = RunSpec("cpu", "subinterpreters", workers=2, tasks=2, scale=0.005, python=old)
    assert run_bench(spec, out=out, err=err) == 2
    assert out.getvalue() == ""
    line = one_clear_line(err.getvalue())
    assert "subinterpreters need CPython 3.12 or later" in line and "3.11" in line


@pytest.mark.parametrize("version, api, shown", [
    ("3.12", "_xxsubinterpreters (private, 3.12)",
     "_xxsubinterpreters (private in 3.12: may change)"),
    ("3.13", "_interpreters (private, 3.13)", "_interpreters (private in 3.13: may change)"),
])
def test_a_run_names_the_api_and_says_it_is_private(tmp_path, version, api, shown):
    python = pyenv_python(version)
    done = bench_in(tmp_path, *SUBS_TINY, "--python", python, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["spec"]["mode"] == "subinterpreters" and data["subinterpreters_api"] == api
    workers = data["workers"]
    assert len(workers) == 2 and len({w["pid"] for w in workers}) == 1  # one process
    assert len({w["thread_id"] for w in workers}) == 2  # a thread each
    text = bench_in(tmp_path, *SUBS_TINY, "--python", python)
    assert text.returncode == 0, text.stderr
    assert "cpu, subinterpreters x2 on CPython" in text.stdout
    assert f"through {shown}" in text.stdout
    assert len(history(tmp_path)) == 2


def test_threads_name_no_api():
    done = subprocess.run([sys.executable, "-m", "gil_tui", "bench", "--workload", "cpu",
                           "--mode", "threads", "--tasks", "2", "--scale", "0.005", "--json"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env=env())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["subinterpreters_api"] is None
