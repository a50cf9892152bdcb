"""Snapshots of the screens, compared SVG to SVG (pytest-textual-snapshot).

Update them after an intended change with ``pytest --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

from gil_tui.ui.app import make_app


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)


def test_lessons_80x24(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_settle)


def test_lessons_120x40_third_lesson(snap_compare) -> None:
    assert snap_compare(
        make_app(), terminal_size=(120, 40), press=["n", "n"], run_before=_settle
    )


def test_help_80x24(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["f1"], run_before=_settle)


def test_too_small_hint(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(50, 12), run_before=_settle)
