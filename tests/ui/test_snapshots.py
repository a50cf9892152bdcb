"""Snapshots of the screens, compared SVG to SVG (pytest-textual-snapshot).

Update them after an intended change with ``pytest --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

# The list of demos, as the app loads it after its first frame (the lesson headings say
# "d: demo" from then on): imported here, so that every snapshot has it.
import gil_tui.engine.demos.registry  # noqa: F401
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


async def _full_sparklines(pilot) -> None:
    """The cores' history as long as the sparklines (they redraw with every sample, so
    their length would depend on how many samples came before the picture)."""
    from gil_tui.ui.widgets.core_bars import HISTORY, CoreBars

    bars = pilot.app.query_one("#live-cores", CoreBars)
    for _ in range(100):
        if bars.percents:
            break
        await pilot.pause(0.05)
    for values, value in zip(bars.history, bars.percents):
        values.extend([value] * HISTORY)
    await pilot.pause(0.3)  # the next sample redraws them


async def _settle_live(pilot) -> None:
    await _settle(pilot)
    await _full_sparklines(pilot)


def test_live_idle_80x24(snap_compare) -> None:
    assert snap_compare(make_app(tab="live", services=fake_services()),
                        terminal_size=(80, 24), run_before=_settle_live)


def test_live_busy_machine_80x24(snap_compare) -> None:
    """Nothing runs, other programs keep 1.6 cores busy: the bars show it in their shade."""
    services = fake_services(cores=(97.0, 60.0), own_cpu=lambda: 0.0)
    assert snap_compare(make_app(tab="live", services=services),
                        terminal_size=(80, 24), run_before=_settle_live)


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
    await _full_sparklines(pilot)


def test_live_after_run_100x30(snap_compare) -> None:
    assert snap_compare(make_app(tab="live", services=fake_services()),
                        terminal_size=(100, 30), run_before=_run_and_settle)


def test_live_after_run_80x24(snap_compare) -> None:
    assert snap_compare(make_app(tab="live", services=fake_services()),
                        terminal_size=(80, 24), run_before=_run_and_settle)
