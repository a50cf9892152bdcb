"""The watch view on real short programs: live table, summary, stop, leave."""

from __future__ import annotations

import sys
import textwrap
import time

import psutil

from gil_tui.ui.watch.view import ConfirmStop, WatchApp, WatchScreen


def script(tmp_path, body: str) -> list[str]:
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


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
