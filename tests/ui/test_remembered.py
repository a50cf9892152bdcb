"""Remembered choices and user keymaps in the app (issue 16.2, 16.3)."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import time

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import SelectionList

import gil_tui.ui
from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.settings import CompareSettings, LiveSettings, Settings, load_settings
from gil_tui.ui.app import make_app
from gil_tui.ui.key_catalog import keys_text, known_binding_ids
from gil_tui.ui.settings_bridge import SettingsKeeper
from gil_tui.ui.tabs.compare.pane import ComparePane
from gil_tui.ui.tabs.lessons.pane import LessonsPane
from gil_tui.ui.tabs.live.pane import LivePane
from gil_tui.ui.widgets.key_bar import KeyBar

from .fakes import fake_services


def interp(path: str, version: str, *, ft: bool = False, source: str = "pyenv") -> Interpreter:
    info = tuple(int(p) for p in version.split("."))
    return Interpreter(path, path, source, version, info, "cpython", ft, not ft, 2, False, True,
                       None)


FOUND = [interp("/py/3.12", "3.12.4", source="current"), interp("/py/3.13", "3.13.1"),
         interp("/py/3.14t", "3.14.0", ft=True)]


@pytest.fixture(autouse=True)
def quick_saves(monkeypatch):
    monkeypatch.setattr(SettingsKeeper, "DEBOUNCE", 0.05)


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def saved(path) -> Settings:
    settings, warnings = load_settings(path)
    assert not warnings, warnings
    return settings


def services_with(found=()):
    return dataclasses.replace(fake_services(), discover=lambda: list(found))


# ---------------------------------------------------------------- applied at start


async def test_settings_are_applied_at_start(tmp_path) -> None:
    settings = Settings(theme="nord", sample_hz=2.0,
                        live=LiveSettings(workload="io", mode="asyncio", workers=16,
                                          python="/py/3.13"),
                        compare=CompareSettings(("/py/3.14t", "/py/3.12")))
    app = make_app(services=services_with(FOUND), settings=settings,
                   settings_path=tmp_path / "settings.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "nord", "before the first frame"
        assert app.services.sample_hz == 2.0
        await wait_for(pilot, lambda: app.loader.ready("compare") is not None
                       and app.query_one(ComparePane).interpreters is not None
                       and app.query_one(LivePane).selection.python is not None)
        selection = app.query_one(LivePane).selection
        assert (selection.workload, selection.mode, selection.workers) == \
            (Workload.IO, Mode.ASYNCIO, 16)
        assert selection.python == "/py/3.13" and selection.python_label.startswith("3.13.1")
        assert app.query_one(ComparePane).choice.paths == ("/py/3.12", "/py/3.14t")
        await pilot.pause(0.3)
    assert not (tmp_path / "settings.toml").exists(), "nothing changed: nothing written"


async def test_a_remembered_interpreter_that_is_gone_is_dropped(tmp_path) -> None:
    settings = Settings(live=LiveSettings(python="/gone/python3"),
                        compare=CompareSettings(("/gone/python3",)))
    path = tmp_path / "settings.toml"
    app = make_app(services=services_with(FOUND), settings=settings, settings_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.query(ComparePane)
                       and app.query_one(ComparePane).interpreters is not None)
        assert app.query_one(LivePane).selection.python is None
        assert app.query_one(ComparePane).choice.paths  # the tab's own default
        await pilot.pause(0.3)


async def test_unknown_theme_and_load_warnings_are_said_once_without_markup(tmp_path) -> None:
    warning = "gil-tui: settings file x: line 3 [bold]not TOML[/bold]; using the defaults"
    app = make_app(services=fake_services(), settings=Settings(theme="no-such-theme"),
                   settings_path=tmp_path / "s.toml", settings_warnings=[warning])
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        messages = [n.message for n in app._notifications]
        assert sum(warning in m for m in messages) == 1, messages
        assert any("no-such-theme" in m for m in messages)
        assert all(not n.markup for n in app._notifications if warning in n.message)
        assert app.theme == "textual-dark"


# ---------------------------------------------------------------- saved when changed


async def test_theme_live_selection_and_sample_rate_are_saved(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    app = make_app(tab="live", services=fake_services(), remember=True, settings_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.theme = "gruvbox"
        await wait_for(pilot, lambda: path.exists() and saved(path).theme == "gruvbox")
        await pilot.press("f")  # the sampling rate (saved with the next selection, or on quit)
        await pilot.press("w", "w")  # io, then sleep
        live = app.query_one(LivePane)
        await wait_for(pilot, lambda: saved(path).live.workload == live.selection.workload.value
                       and live.selection.workload is not Workload.CPU)
        assert saved(path).live.workers == live.selection.workers
        assert saved(path).sample_hz == live.sampler.hz


async def test_compare_interpreters_are_saved_when_picked(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    app = make_app(tab="compare", services=services_with(FOUND), remember=True,
                   settings_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        compare = app.query_one(ComparePane)
        await wait_for(pilot, lambda: compare.interpreters is not None)
        await pilot.press("i")
        await pilot.pause()
        options = compare.query_one(SelectionList)
        picked = compare.choice.paths
        assert len(picked) > 1
        options.deselect(picked[-1])
        await wait_for(pilot, lambda: path.exists() and saved(path).compare.interpreters)
        assert saved(path).compare.interpreters == picked[:-1]


async def test_changes_in_a_burst_are_written_once(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    app = make_app(services=fake_services(), remember=True, settings_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for theme in ("nord", "gruvbox", "dracula", "monokai"):
            app.theme = theme
        await wait_for(pilot, lambda: path.exists())
        await pilot.pause(0.3)
        assert app.keeper.writes == 1 and saved(path).theme == "monokai"


async def test_a_save_that_fails_is_said_once(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    app = make_app(services=fake_services(), remember=True,
                   settings_path=blocker / "settings.toml")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        app.theme = "nord"
        await pilot.pause(0.4)
        app.theme = "gruvbox"
        await pilot.pause(0.4)
        failures = [n for n in app._notifications if "Could not save" in n.message]
        assert len(failures) == 1


async def test_quitting_writes_a_pending_change(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(SettingsKeeper, "DEBOUNCE", 30.0)
    path = tmp_path / "settings.toml"
    app = make_app(services=fake_services(), remember=True, settings_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.theme = "nord"
        await pilot.pause()
        assert not path.exists()
        await pilot.press("q")
        await pilot.pause()
    assert saved(path).theme == "nord"


def test_open_app_reads_the_file_only_when_there_is_one(tmp_path, monkeypatch) -> None:
    from gil_tui import paths
    from gil_tui.commands import app as command

    path = tmp_path / "settings.toml"
    monkeypatch.setattr(paths, "settings_path", lambda: path)
    assert command.saved_settings() == (None, [])
    path.write_text('theme = "nord"\n')
    settings, warnings = command.saved_settings()
    assert settings.theme == "nord" and warnings == []


# ---------------------------------------------------------------- keymaps


async def test_a_keymap_remaps_keys_and_the_bar_and_help_show_them(tmp_path) -> None:
    settings = Settings(keymap={"lessons.next": "j", "lessons.previous": "k",
                                "no.such.binding": "z", "lessons.toggle_list": "j"})
    app = make_app(services=fake_services(), settings=settings,
                   settings_path=tmp_path / "s.toml")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        pane = app.query_one(LessonsPane)
        await pilot.press("j")
        await pilot.pause()
        assert pane.index == 1
        await pilot.press("n")  # its old key does nothing now
        await pilot.pause()
        assert pane.index == 1
        await pilot.press("k")
        await pilot.pause()
        assert pane.index == 0
        shown = {item.description: item.display for item in app.query_one(KeyBar).shown}
        assert shown["Next"] == "j" and shown["Prev"] == "k" and shown["Contents"] == "t"
        messages = "\n".join(n.message for n in app._notifications)
        assert "no.such.binding" in messages and "lessons.toggle_list" in messages
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = app.screen.query_one("#help-text").source
        assert "- `j` / `k`: next / previous lesson" in help_text
        assert "- `t`: show or hide the list of lessons" in help_text


def test_keys_text_shows_remapped_and_default_keys() -> None:
    assert keys_text("live.run", {}) == "r"
    assert keys_text("live.run", {"live.run": "enter,ctrl+r"}) == "⏎ or ^r"
    assert keys_text("app.help", {}) == "?"
    assert keys_text("app.help", {}, every=True) == "? or f1"
    assert keys_text("live.more", {}) == "+"
    assert keys_text("no.such", {}) == ""


def _ui_classes() -> list[type]:
    for module in pkgutil.walk_packages(gil_tui.ui.__path__, "gil_tui.ui."):
        importlib.import_module(module.name)
    out, todo = [], [DOMNode]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("gil_tui.ui."):
            out.append(cls)
    return out


def test_every_binding_id_in_the_ui_is_known_to_the_keymap() -> None:
    """The keymap checks ids against a list read without importing every pane; walking
    every class of the UI proves that list complete."""
    known = known_binding_ids()
    found = {}
    for cls in _ui_classes():
        for binding in cls.__dict__.get("BINDINGS", []):  # its own, not Textual's
            if isinstance(binding, Binding):
                assert binding.id, f"{cls.__name__}: {binding.key} has no id"
                found[binding.id] = binding.key
    missing = sorted(set(found) - set(known))
    assert not missing, missing
    assert all(known[i] == key for i, key in found.items())


# ---------------------------------------------------------------- follow-ups


async def test_the_sampling_rate_is_saved_when_f_changes_it(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    app = make_app(tab="live", services=fake_services(), remember=True, settings_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        live = app.query_one(LivePane)
        await wait_for(pilot, lambda: not app.keeper.pending)
        before = live.sampler.hz
        await pilot.press("f")  # nothing else: the rate alone is saved
        assert live.sampler.hz != before
        await wait_for(pilot, lambda: path.exists() and saved(path).sample_hz == live.sampler.hz)
        await pilot.press("f")
        await wait_for(pilot, lambda: saved(path).sample_hz == live.sampler.hz)


def test_the_served_app_remembers_choices(tmp_path, monkeypatch) -> None:
    from gil_tui import paths
    from gil_tui.serve import child, driver
    from gil_tui.ui.app import GilTuiApp

    path = tmp_path / "settings.toml"
    path.write_text('theme = "nord"\n[keymap]\n"live.run" = "enter"\n')
    monkeypatch.setattr(paths, "settings_path", lambda: path)
    monkeypatch.setattr(driver, "end_descendants", lambda: None)  # not pytest's children
    built = []
    monkeypatch.setattr(GilTuiApp, "run", lambda self, *a, **k: built.append(self))
    assert child.main() == 0
    app = built[0]
    assert app.keeper is not None, "changes are saved"
    assert app.theme == "nord" and app.keymap == {"live.run": "enter"}


def test_help_names_every_key_of_the_tabs() -> None:
    """Each binding the help can show has its place in it (its keys come from the
    bindings, as the keymap has them): a new key cannot be left out unnoticed."""
    import re

    from gil_tui.ui.help import HELP, help_text
    from gil_tui.ui.key_catalog import default_keys

    named = set(re.findall(r"\{([a-z_]+(?:\.[a-z_]+)+)\*?\}", HELP))
    assert not sorted(set(default_keys()) - named)
    text = help_text({"compare.back": "ctrl+b", "live.close_costs": "z"})
    assert "`^b` or `h` again: back to the current matrix" in text
    assert "in the scaling view, the one interpreter to sweep" in text
    assert "`c` again\n  or `z` closes the panel" in text
