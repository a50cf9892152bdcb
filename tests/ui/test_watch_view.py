"""The watch view on real short programs: live table, summary, stop, leave."""

from __future__ import annotations

import sys
import textwrap
import time

import psutil
import pytest

from gil_tui.ui.watch.view import ConfirmStop, WatchApp, WatchScreen


def script(tmp_path, body: str) -> list[str]:
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


#: Waits (up to 2 min) for the file its argument names: the test makes it once it has seen enough.
GATED = ("import os, sys, time\nend = time.monotonic() + 120\nwhile not os.path.exists("
         "sys.argv[1]) and time.monotonic() < end:\n    time.sleep(0.02)\n")
BUSY_GATED = GATED.replace("time.sleep(0.02)", "sum(range(10000))")  # it computes meanwhile


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_short_program_gets_a_summary_and_its_output(tmp_path) -> None:
    argv = script(tmp_path, """
        import time
        print("hello from the program", flush=True)
        time.sleep(0.3)
    """)
    app = WatchApp(argv, hz=10)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await wait_for(pilot, lambda: screen.summary is not None)
        await pilot.pause(0.3)
        summary = str(screen.query_one("#watch-summary").render())
        assert "exit code 0" in summary and "waited" in summary
        log_lines = list(screen.query_one("#watch-log").lines)
        assert any("hello from the program" in line for line in log_lines)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_leaving_a_running_program_asks_then_stops_the_tree(tmp_path) -> None:
    argv = script(tmp_path, """
        import multiprocessing, time
        def nap():
            time.sleep(60)
        if __name__ == "__main__":
            kids = [multiprocessing.Process(target=nap) for _ in range(2)]
            for k in kids:
                k.start()
            time.sleep(60)
    """)
    app = WatchApp(argv, hz=10)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session is not None
                       and len(psutil.Process(screen.session.pid).children()) >= 2)
        pids = [screen.session.pid] + [c.pid for c in
                                       psutil.Process(screen.session.pid).children()]
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStop)
        await pilot.press("n")  # keep watching
        await pilot.pause()
        assert app.screen is screen and screen.session.running
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, 15)
    assert app.return_code == 130
    time.sleep(0.3)
    alive = [p for p in pids if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive


async def test_a_command_that_cannot_start_says_so(tmp_path) -> None:
    app = WatchApp([str(tmp_path / "no-such-program")], hz=10)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        stats = str(app.screen.query_one("#watch-stats").render())
        assert "no-such-program" in stats
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 1


# ------------------------------------------------------------ leaving always stops it

SLEEPER = "import time; time.sleep(120)"


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_ctrl_q_stops_the_program_and_exits_130() -> None:
    app = WatchApp([sys.executable, "-c", SLEEPER], hz=10)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
        pid = screen.session.pid
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, 15)
    assert app.return_code == 130
    assert gone(pid)


async def test_a_sigterm_stops_the_program_and_leaves_through_the_app(monkeypatch) -> None:
    import os
    import signal

    got: list[int] = []
    old = signal.signal(signal.SIGTERM, lambda sig, frame: got.append(sig))  # never kill pytest
    try:
        app = WatchApp([sys.executable, "-c", SLEEPER], hz=10)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
            pid = screen.session.pid
            os.kill(os.getpid(), signal.SIGTERM)
            await wait_for(pilot, lambda: not app.is_running or got, 15)
            assert not got, "the app has no SIGTERM handler"
        assert app.return_code == 130
        assert gone(pid)
        assert signal.getsignal(signal.SIGTERM) is not None
    finally:
        signal.signal(signal.SIGTERM, old)


async def test_an_attached_process_is_left_alone_on_quit() -> None:
    import subprocess

    target = subprocess.Popen([sys.executable, "-c", SLEEPER])
    try:
        app = WatchApp(pid=target.pid, hz=10)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: not app.is_running, 15)
        assert target.poll() is None
    finally:
        target.kill()
        target.wait()


# ------------------------------------------------------------ what the screen shows

def screen_text(app) -> str:
    """Everything drawn on the screen now, row after row (read from the SVG export)."""
    import html
    import re

    svg = app.export_screenshot()
    rows: dict[int, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text [^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        x, y, text = float(match.group(1)), float(match.group(2)), match.group(3)
        rows.setdefault(round(y), []).append((x, html.unescape(text)))
    text = "\n".join("".join(t for _, t in sorted(parts)).replace("\xa0", " ")
                      for _, parts in sorted(rows.items()))
    return re.sub("[\u2500-\u259f]", " ", text)  # borders and bars are not words


def readable(sentence: str, text: str) -> bool:
    """Every word of ``sentence`` is on the screen, in order (it may wrap over rows)."""
    words = text.split()
    at = 0
    for word in sentence.split():
        while at < len(words) and words[at] != word:
            at += 1
        if at == len(words):
            return False
        at += 1
    return True


async def test_the_quit_dialog_fits_80_columns() -> None:
    app = WatchApp([sys.executable, "-c", SLEEPER], hz=10)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmStop), 5)
        await wait_for(pilot, lambda: readable(ConfirmStop.QUESTION, screen_text(app)), 5)
        text = screen_text(app)
        for button in ("Stop it (y)", "Keep watching (n)"):
            assert button in text, text
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, 15)


async def test_the_summary_fits_80x24(tmp_path) -> None:
    argv = script(tmp_path, """
        import time
        for n in range(3):
            print("line", n, flush=True)
        time.sleep(0.5)
    """)
    app = WatchApp(argv, hz=10)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.summary is not None)
        await wait_for(pilot, lambda: readable(screen.summary.verdict(), screen_text(app)), 5)
        assert readable(screen.summary.describe_exit(), screen_text(app)), screen_text(app)
        await pilot.press("q")


async def test_a_launchers_helpers_count_the_same_in_the_app(tmp_path) -> None:
    from tests.engine.test_watch import TWO_THREADS, fake_shim

    shim = fake_shim(tmp_path)
    prog = tmp_path / "two_threads.py"
    prog.write_text(TWO_THREADS)
    app = WatchApp([str(shim), str(prog)], hz=4)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.summary is not None)
        await pilot.pause(0.5)
        summary = screen.summary
        assert summary.max_processes == 1 and summary.processes_seen == 1, summary
        stats = str(screen.query_one("#watch-stats").render())
        assert "0 processes" not in stats and "1 process" in stats, stats
        await pilot.press("q")


async def test_control_characters_in_the_command_are_not_sent_to_the_terminal() -> None:
    app = WatchApp([sys.executable, "-c", "pass", "\x1b]0;owned\x07"], hz=10)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.summary is not None)
        await pilot.pause(0.2)
        for widget in ("#watch-title", "#watch-summary"):
            shown = str(screen.query_one(widget).render())
            assert "\x1b" not in shown and "\x07" not in shown and "\\x1b" in shown
        await pilot.press("q")


async def test_quitting_the_main_app_stops_a_program_watched_from_the_palette() -> None:
    from gil_tui.ui.app import make_app

    from .fakes import fake_services

    app = make_app(services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_watch(f"{sys.executable} -c 'import time; time.sleep(120)'")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen)
                       and app.screen.session is not None and app.screen.session.running)
        pid = app.screen.session.pid
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, 15)
    assert gone(pid)


async def test_the_users_keymap_applies_in_the_watch_app(tmp_path, monkeypatch) -> None:
    """`gil-tui watch` reads the settings' [keymap] as the main app does: its entries for
    the watch view apply (key bar too), their problems are said once, the main app's
    entries are left to the main app."""
    from gil_tui import paths
    from gil_tui.commands import app as command
    from gil_tui.ui.widgets.key_bar import KeyBar

    path = tmp_path / "settings.toml"
    path.write_text('[keymap]\n"watch.log" = "o"\n"watch.stop" = "ctrl+q"\n'
                    '"live.run" = "enter"\n"no.such.binding" = "z"\n')
    monkeypatch.setattr(paths, "settings_path", lambda: path)
    built = []
    monkeypatch.setattr(WatchApp, "run", lambda self, *a, **k: built.append(self))
    argv = [sys.executable, "-c", SLEEPER]
    assert command.open_watch(argv, hz=10) == 0
    app = built[0]
    assert app.keymap == {"watch.log": "o"}
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
        bar = screen.query_one(KeyBar)
        shown = {item.description: item.display for item in bar.shown}
        assert shown["Output"] == "o"
        await pilot.press("l")  # its old key does nothing now
        await pilot.pause()
        assert not screen.has_class("-no-log")
        await pilot.press("o")
        await pilot.pause()
        assert screen.has_class("-no-log")
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and "watch.stop" in messages[0], messages
        assert "live.run" not in messages[0] and "no.such.binding" not in messages[0]
        pid = screen.session.pid
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, 15)
    assert gone(pid)


# ------------------------------------------------------------ issue 13: title, help, keys, bars

def shown_keys(screen) -> list[str]:
    from gil_tui.ui.widgets.key_bar import KeyBar

    return [item.description for item in screen.query_one(KeyBar).shown]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_title_has_no_icon_that_means_nothing(size) -> None:
    """As in the main app (item 24): no ⭘ at the top, the title says what this is."""
    app = WatchApp([sys.executable, "-c", SLEEPER], hz=10)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
        await pilot.pause(0.2)
        assert not screen.query("HeaderIcon")
        top = screen_text(app).splitlines()[0]
        assert "⭘" not in top and "gil-tui watch" in top, top
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, 15)


async def test_question_mark_explains_the_keys_and_the_verdict() -> None:
    from gil_tui.ui.watch.help import WatchHelp

    app = WatchApp([sys.executable, "-c", SLEEPER], hz=10, keymap={"watch.log": "o"})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.session is not None and screen.session.running)
        await wait_for(pilot, lambda: "Help" in shown_keys(screen), 5)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchHelp), 5)
        text = " ".join(app.screen.text.split())
        for line in ("`q`: leave", "`s`: stop the program", "`o`: show or hide the program's "
                     "output", "`?`: this help", "it mostly waited", "the figures are noisy"):
            assert line in text, line
        assert "{" not in text  # every key was filled in
        await wait_for(pilot, lambda: readable("gil-tui watch Runs one program",
                                               screen_text(app)), 5)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, 5)
        assert screen.session.running  # the help left the program alone
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, 15)


async def test_the_stop_key_goes_once_the_program_has_ended(tmp_path) -> None:
    gate = tmp_path / "go"
    argv = [sys.executable, "-c", GATED, str(gate)]
    app = WatchApp(argv, hz=10)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: "Stop program" in shown_keys(screen), 10)
        gate.touch()  # only now may the program end
        await wait_for(pilot, lambda: screen.summary is not None)
        await wait_for(pilot, lambda: "Stop program" not in shown_keys(screen), 5)
        assert "Stop program" not in screen_text(app)
        assert {"Leave", "Output", "Help"} <= set(shown_keys(screen))
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, 15)


async def test_the_bars_tell_the_program_from_other_programs(tmp_path, monkeypatch) -> None:
    """Item 9 in the watch view: the bars are split (ours solid, other programs ▒, a
    legend row) and, when the machine was full of other work, the verdict says the
    figures are noisy rather than conclude."""
    from gil_tui.engine.watch import measure
    from gil_tui.engine.watch.summary import SHORT_RUN_S
    from gil_tui.ui.widgets.core_bars import CoreBars
    from tests.engine.test_watch_summary import FakeMeter

    class FullMachine(FakeMeter):
        OTHERS = (psutil.cpu_count() or 1) - 0.05

    monkeypatch.setattr(measure, "ShareMeter", FullMachine)
    gate = tmp_path / "go"
    argv = [sys.executable, "-c", BUSY_GATED, str(gate)]  # it computes: a verdict to hold back
    app = WatchApp(argv, hz=10)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        bars = screen.query_one("#watch-cores", CoreBars)
        await wait_for(pilot, lambda: bars.ours is not None, 10)
        assert "other programs" in str(bars.render())
        await wait_for(pilot, lambda: screen.session.summary().wall_s >= SHORT_RUN_S, 10)
        gate.touch()  # only now may it end, having run long enough for a verdict
        await wait_for(pilot, lambda: screen.summary is not None)
        verdict = screen.summary.verdict()
        assert verdict.startswith(f"Other programs used {FullMachine.OTHERS:.1f} cores"), verdict
        await wait_for(pilot, lambda: readable(verdict, screen_text(app)), 5)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, 15)
