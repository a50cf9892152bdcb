"""Snapshots of the screens, compared SVG to SVG (pytest-textual-snapshot).

Update them after an intended change with ``pytest --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

from gil_tui.ui.app import make_app
from tests.ui.fakes import fake_services


async def _settle(pilot) -> None:
    # Not workers.wait_for_complete(): the Live tab's sampler runs for the app's lifetime.
    await pilot.pause()
    await pilot.pause(0.4)


def test_lessons_80x24(snap_compare) -> None:
    assert snap_compare(make_app(services=fake_services()), terminal_size=(80, 24), run_before=_settle)


def test_lessons_120x40_third_lesson(snap_compare) -> None:
    assert snap_compare(
        make_app(services=fake_services()), terminal_size=(120, 40), press=["n", "n"], run_before=_settle
    )


def test_help_80x24(snap_compare) -> None:
    assert snap_compare(make_app(services=fake_services()), terminal_size=(80, 24), press=["f1"], run_before=_settle)


def test_too_small_hint(snap_compare) -> None:
    assert snap_compare(make_app(services=fake_services()), terminal_size=(50, 12), run_before=_settle)


# The Live tab with a replayed run and fixed samples, so every figure is the same each time.


def test_live_idle_80x24(snap_compare) -> None:
    assert snap_compare(make_app(tab="live", services=fake_services()),
                        terminal_size=(80, 24), run_before=_settle)


async def _run_and_settle(pilot) -> None:
    from gil_tui.ui.tabs.live.pane import LivePane

    pane = pilot.app.query_one(LivePane)
    await pilot.press("r")
    for _ in range(200):
        if not pane.running and len(pane.session.records) == 2:
            break
        await pilot.pause(0.05)
    pilot.app.clear_notifications()
    await pilot.pause(0.3)


def test_live_after_run_100x30(snap_compare) -> None:
    assert snap_compare(make_app(tab="live", services=fake_services()),
                        terminal_size=(100, 30), run_before=_run_and_settle)


def test_live_after_run_80x24(snap_compare) -> None:
    assert snap_compare(make_app(tab="live", services=fake_services()),
                        terminal_size=(80, 24), run_before=_run_and_settle)
