"""Shared test set-up: never touch the user's own gil-tui files."""

from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_gil_tui_home():
    """Point config, data and history at a throwaway folder (subprocesses inherit it)."""
    old = os.environ.get("GIL_TUI_HOME")
    with tempfile.TemporaryDirectory(prefix="gil-tui-tests-") as home:
        os.environ["GIL_TUI_HOME"] = home
        yield home
    if old is None:
        os.environ.pop("GIL_TUI_HOME", None)
    else:
        os.environ["GIL_TUI_HOME"] = old


@pytest.fixture(autouse=True, scope="session")
def _no_gc_freeze_in_tests():
    """The app freezes the collector's view of its screen 2 s after start; in one test
    process that runs hundreds of apps, that would keep every old app's objects alive.
    (tests/ui/test_app.py checks the freeze itself, with a short delay.)"""
    try:
        from gil_tui.ui.app import GilTuiApp
    except ImportError:  # the UI extras are missing: nothing to do
        yield
        return
    old = GilTuiApp.GC_FREEZE_AFTER
    GilTuiApp.GC_FREEZE_AFTER = 1e9
    yield
    GilTuiApp.GC_FREEZE_AFTER = old
