"""`gil-tui live`: flags become the Live tab's selection; bad ones never open the app."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gil_tui.cli import build_parser
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


@pytest.mark.parametrize("argv, code, text", [
    (["--workload", "cpu", "--mode", "asyncio"], 2, "asyncio"),
    (["--workers", "0"], 2, "workers"),
    (["--python", "/no/such/python"], 1, "/no/such/python"),
])
def test_bad_input_exits_before_opening_the_app(argv, code, text) -> None:
    out = subprocess.run([sys.executable, "-m", "gil_tui", "live", *argv],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == code
    assert text in out.stderr and "Traceback" not in out.stderr
