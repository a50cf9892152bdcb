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


def test_live_remembers_choices_and_its_flags_win(tmp_path, monkeypatch) -> None:
    """As plain `gil-tui`: the saved theme and keymap apply, changes are saved; the flags
    given win over the saved selection, the rest of it stays."""
    from gil_tui import paths
    from gil_tui.commands.live import open_live
    from gil_tui.settings import LiveSettings, Settings, save_settings
    from gil_tui.ui.app import GilTuiApp

    path = tmp_path / "settings.toml"
    monkeypatch.setattr(paths, "settings_path", lambda: path)
    built = []
    monkeypatch.setattr(GilTuiApp, "run", lambda self, *a, **k: built.append(self))
    save_settings(Settings(theme="nord", keymap={"live.run": "enter"},
                           live=LiveSettings(workload="io", mode="asyncio", workers=16,
                                             python="/saved/python")), path)

    def opened(*argv: str):
        args = parse(*argv)
        assert open_live(args, selection_from_args(args)) == 0
        return built[-1]

    app = opened("--workers", "8", "--run")
    assert app.keeper is not None and app.theme == "nord"
    assert app.keymap == {"live.run": "enter"} and app.links.live_run
    selection = app.links.live_selection
    assert (selection.workload, selection.mode, selection.workers) == \
        (Workload.IO, Mode.ASYNCIO, 8)
    assert selection.python is None, "the saved interpreter comes back once a scan finds it"
    selection = opened("--mode", "threads").links.live_selection
    assert (selection.workload, selection.mode, selection.workers) == \
        (Workload.IO, Mode.THREADS, 16)
    # saved values that do not fit with the flags give way (no asyncio for cpu work)
    selection = opened("--workload", "cpu").links.live_selection
    assert (selection.workload, selection.mode) == (Workload.CPU, Mode.THREADS)
    args = parse("--python", "/x/python3")
    chosen = selection_from_args(args).replace(python="/x/python3", python_label="3.13")
    assert open_live(args, chosen) == 0
    assert built[-1].links.live_selection.python == "/x/python3", "--python wins too"


def test_live_flags_alone_without_saved_settings(tmp_path, monkeypatch) -> None:
    from gil_tui import paths
    from gil_tui.commands.live import open_live
    from gil_tui.ui.app import GilTuiApp

    monkeypatch.setattr(paths, "settings_path", lambda: tmp_path / "settings.toml")
    built = []
    monkeypatch.setattr(GilTuiApp, "run", lambda self, *a, **k: built.append(self))
    args = parse("--mode", "processes", "--python", "/x/python3")
    selection = selection_from_args(args).replace(python="/x/python3", python_label="3.13")
    assert open_live(args, selection) == 0
    assert built[0].keeper is not None, "the choices made are remembered from now on"
    assert built[0].links.live_selection == selection


def test_make_app_applies_saved_settings_with_a_live_selection_given() -> None:
    """The saved theme and keymap apply whether or not a Live selection is given; the
    saved selection only stands in for a missing one."""
    from gil_tui.settings import LiveSettings, Settings
    from gil_tui.ui.app import make_app

    settings = Settings(theme="nord", keymap={"live.run": "enter"},
                        live=LiveSettings(workload="io", mode="asyncio", workers=16))
    given = selection_from_args(parse("--workers", "3"))
    app = make_app(tab="live", live_selection=given, settings=settings)
    assert app.theme == "nord" and app.keymap == {"live.run": "enter"}
    assert app.links.live_selection == given
    saved = make_app(tab="live", settings=settings).links.live_selection
    assert (saved.workload, saved.mode, saved.workers) == (Workload.IO, Mode.ASYNCIO, 16)
    assert make_app(tab="live", live_selection=given).links.live_selection == given
