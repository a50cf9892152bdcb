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


# ------------------------------------------------------------------ hypothesis

#: examples per property: the default run (`make test`) and the runs that include the
#: slow checks (`make test-all`, `pytest -m slow`). The property files leave max_examples
#: to the profile loaded here (conftest is imported before them).
QUICK_EXAMPLES = 40
THOROUGH_EXAMPLES = 300


def _runs_slow_checks(config: pytest.Config) -> bool:
    """True unless the marker expression leaves the slow checks out (the default addopts)."""
    expression = (config.getoption("markexpr", "") or "").replace(" ", "")
    return "notslow" not in expression


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import HealthCheck, settings

    common = dict(deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("gil-tui-quick", max_examples=QUICK_EXAMPLES, **common)
    settings.register_profile("gil-tui-thorough", max_examples=THOROUGH_EXAMPLES, **common)
    if config.getoption("hypothesis_profile", None):  # --hypothesis-profile wins
        return
    thorough = _runs_slow_checks(config) or os.environ.get("GIL_TUI_THOROUGH") == "1"
    settings.load_profile("gil-tui-thorough" if thorough else "gil-tui-quick")
