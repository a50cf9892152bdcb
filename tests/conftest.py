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
