"""`gil-tui live`: flags become the Live tab's selection; bad ones never open the app."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gil_tui.cli import build_parser
from gil_tui.terminal import FORCE_ENV
from tests.cli_helpers import ROOT, cli_env, one_clear_line
from gil_tui.commands.live import selection_from_args
from gil_tui.engine.run.spec import Mode, SpecError, Workload


def parse(*argv: str):
    return build_parser().parse_args(["live", *argv])


def test_flags_become_the_selection() -> None:
    args = parse("--workload", "io", "--mode", "asyncio", "--workers", "32", "--run")
    selection = selection_from_args(args)
    assert selection.workload is Workload.IO and selection.mode is Mode.ASYNCIO
    assert selection.workers == 32 and args.run


def test_no_flags_give_the_default_selection() -> None:
    selection = selection_from_args(parse())
    assert selection.workload is Workload.CPU and selection.mode is Mode.THREADS


def test_inconsistent_flags_are_refused() -> None:
    with pytest.raises(SpecError):
        selection_from_args(parse("--workload", "cpu", "--mode", "asyncio"))
    with pytest.raises(SpecError):
        selection_from_args(parse("--mode", "threads", "--start-method", "spawn"))


def live(*argv: str, terminal: bool = False) -> subprocess.CompletedProcess:
    """`gil-tui live ARGV` with stdin from /dev/null and stdout a pipe: no terminal, unless
    ``terminal`` (GIL_TUI_FORCE_TUI=1 skips the check, to reach what comes after it)."""
    env = cli_env()
    env.pop(FORCE_ENV, None)
    if terminal:
        env[FORCE_ENV] = "1"
    return subprocess.run([sys.executable, "-m", "gil_tui", "live", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("argv, code, text", [
    (["--workload", "cpu", "--mode", "asyncio"], 2, "asyncio"),
    (["--workers", "0"], 2, "workers"),
    (["--python", ""], 2, "error: --python needs a path (got an empty one)"),
    (["--python", "  "], 2, "error: --python needs a path (got an empty one)"),
])
def test_bad_input_exits_before_opening_the_app(argv, code, text) -> None:
    # usage errors come first, with or without a terminal
    for terminal in (False, True):
        out = live(*argv, terminal=terminal)
        assert out.returncode == code and out.stdout == ""
        assert "Traceback" not in out.stderr and text in out.stderr.splitlines()[-1]
        if "--python" in argv:  # ours: one line (argparse's own errors come after its usage)
            one_clear_line(out.stderr)


def test_a_python_that_cannot_run_fails_before_the_app() -> None:
    out = live("--python", "/no/such/python", terminal=True)
    assert out.returncode == 1
    assert one_clear_line(out.stderr) == "gil-tui live: no such file: /no/such/python"


def test_without_a_terminal_it_refuses_before_the_probe(tmp_path) -> None:
    marker = tmp_path / "probed"
    python = tmp_path / "python3"
    python.write_text(f"#!/bin/sh\ntouch {marker}\n")
    python.chmod(0o755)
    out = live("--workers", "2", "--python", str(python))
    assert out.returncode == 2
    assert one_clear_line(out.stderr).startswith("gil-tui live: the app needs a terminal")
    assert not marker.exists(), "the interpreter was probed before the terminal check"
