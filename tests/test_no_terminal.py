"""No terminal, no app: without a terminal the commands that open the app refuse at once."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import pytest

from gil_tui.terminal import FORCE_ENV, is_terminal, require_terminal
from tests.cli_helpers import ROOT, cli_env

DEADLINE = 20  # seconds; a refusal takes well under one, a spinning app never ends


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Closed(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.close()


def check(stdin, stdout, env=None):
    err = io.StringIO()
    code = require_terminal("gil-tui", stdin=stdin, stdout=stdout, stderr=err,
                            environ=env if env is not None else {})
    return code, err.getvalue()


def test_two_terminals_let_the_app_open():
    assert check(FakeTTY(), FakeTTY()) == (None, "")


@pytest.mark.parametrize("stdin, stdout, which", [
    (io.StringIO(), FakeTTY(), "stdin is"),
    (FakeTTY(), io.StringIO(), "stdout is"),
    (io.StringIO(), io.StringIO(), "stdin and stdout are"),
    (FakeTTY(), None, "stdout is"),          # pythonw, or stdout closed before start
    (FakeTTY(), Closed(), "stdout is"),      # closed while running: isatty raises
    (None, None, "stdin and stdout are"),
])
def test_no_terminal_is_exit_2_and_one_line(stdin, stdout, which):
    code, err = check(stdin, stdout)
    assert code == 2
    assert err == (f"gil-tui: the app needs a terminal ({which} not one); for scripts use "
                   "the headless commands: gil-tui --help\n")


def test_the_hint_and_the_command_name_are_the_callers():
    err = io.StringIO()
    code = require_terminal("gil-tui watch", hint="for scripts use --no-tui or --json",
                            stdin=io.StringIO(), stdout=FakeTTY(), stderr=err, environ={})
    assert code == 2
    assert err.getvalue() == ("gil-tui watch: the app needs a terminal (stdin is not one); "
                              "for scripts use --no-tui or --json\n")


def test_no_stderr_at_all_still_refuses_quietly():
    assert require_terminal("gil-tui", stdin=None, stdout=None, stderr=None, environ={}) == 2
    assert require_terminal("gil-tui", stdin=None, stdout=None, stderr=Closed(), environ={}) == 2


def test_force_tui_skips_the_check():
    assert check(io.StringIO(), None, env={FORCE_ENV: "1"}) == (None, "")
    assert check(io.StringIO(), None, env={FORCE_ENV: "0"})[0] == 2


def test_the_real_streams_are_read_at_call_time(monkeypatch, capsys):
    monkeypatch.delenv(FORCE_ENV, raising=False)
    monkeypatch.setattr(sys, "stdin", FakeTTY())
    monkeypatch.setattr(sys, "stdout", None)
    assert require_terminal("gil-tui live") == 2
    assert capsys.readouterr().err.startswith("gil-tui live: the app needs a terminal (stdout")


def test_is_terminal_on_a_real_pty():
    import pty

    master, slave = pty.openpty()
    try:
        with open(slave, "w", closefd=False) as stream:
            assert is_terminal(stream)
    finally:
        os.close(master)
        os.close(slave)
    assert not is_terminal(io.StringIO()) and not is_terminal(None)


# ------------------------------------------------------- the commands, as a script runs them

def run_without_terminal(*args: str) -> tuple[int | None, str]:
    """Run `gil-tui ARGS` with stdin from /dev/null and stdout a pipe; (exit code, stderr).

    A process still running after DEADLINE is killed with its whole group: the code is None.
    """
    env = cli_env()
    env.pop(FORCE_ENV, None)
    proc = subprocess.Popen([sys.executable, "-m", "gil_tui", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=DEADLINE)
        return proc.returncode, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        return None, err


@pytest.mark.parametrize("args", [(), ("live",), ("app", "--tab", "compare"),
                                  ("watch", "--", "true")], ids=" ".join)
def test_the_app_commands_refuse_without_a_terminal(args):
    code, err = run_without_terminal(*args)
    assert code == 2, f"still running after {DEADLINE} s" if code is None else err
    lines = err.splitlines()
    assert len(lines) == 1 and "the app needs a terminal" in lines[0], err
    assert "--help" in lines[0] or "--no-tui" in lines[0]


def test_headless_commands_still_work_without_a_terminal():
    code, err = run_without_terminal("lessons")
    assert code == 0, err
