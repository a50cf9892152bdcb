"""The user's [keymap]: unknown ids, bad keys, reserved keys and clashes are warnings."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from gil_tui.settings import (
    TEXTUAL_RESERVED,
    KeyNameError,
    keymap_from_settings,
    normalize_key,
    normalize_keys,
)

KNOWN = {
    "app.quit": "q", "app.help": "question_mark,f1", "app.tab.live": "2",
    "live.run": "r", "live.cancel": "x", "live.more": "plus,equals_sign", "live.fewer": "minus",
    "compare.run": "r", "compare.cancel": "x",
    "help.close": "escape,q,question_mark,f1",
}


def keymap(raw, known=KNOWN, reserved=TEXTUAL_RESERVED):
    return keymap_from_settings(raw, known, reserved)


@pytest.mark.parametrize("text, key", [
    ("enter", "enter"), ("r", "r"), ("R", "R"), ("5", "5"), ("f12", "f12"), ("?", "question_mark"),
    ("+", "plus"), ("-", "minus"), ("[", "left_square_bracket"), ("/", "slash"), ("@", "at"),
    ("question_mark", "question_mark"), ("ctrl+r", "ctrl+r"), ("shift+ctrl+r", "ctrl+shift+r"),
    ("alt+shift+up", "alt+shift+up"), ("super+pageup", "super+pageup"), (" ctrl+? ", "ctrl+question_mark"),
    ("é", "é"), ("section_sign", "section_sign"), ("§", "section_sign"),
    ("ctrl+f24", "ctrl+f24"), ("space", "space"),
])
def test_keys_are_normalized_to_textuals_names(text, key):
    assert normalize_key(text) == key


@pytest.mark.parametrize("text, reason", [
    ("Enter", "lowercase"), ("enterr", "names no key"), ("f25", "names no key"),
    ("ctrl+ctrl+a", "repeats a modifier"), ("cmd+a", "unknown modifier"), ("ctrl++", "plus"),
    ("ctrl+R", "lowercase"), ("", "empty"), ("\x1b", "not a key"), ("<any>", "names no key"),
    ("ctrl+", "plus"), ("a b", "names no key"),
    ("latin_small_letter_e_with_acute", "names no key"),  # Textual sends "é" for that key
])
def test_keys_textual_would_never_send_are_refused(text, reason):
    with pytest.raises(KeyNameError, match=reason):
        normalize_key(text)


def test_key_lists_split_on_commas_and_drop_repeats():
    assert normalize_keys("q, ctrl+x,q") == ["q", "ctrl+x"]
    with pytest.raises(KeyNameError):
        normalize_keys("q,,x")


def test_a_good_keymap_passes_normalized_and_quietly():
    assert keymap({"live.run": "enter", "app.quit": "ctrl+x,Q", "app.help": "?"}) == (
        {"live.run": "enter", "app.quit": "ctrl+x,Q", "app.help": "question_mark"}, [])


def test_swapping_two_keys_is_not_a_clash():
    assert keymap({"live.run": "x", "live.cancel": "r"}) == (
        {"live.run": "x", "live.cancel": "r"}, [])


def test_an_unknown_id_is_a_warning_naming_it():
    result, warnings = keymap({"live.runn": "enter", "live.run": "enter"})
    assert result == {"live.run": "enter"}
    assert warnings == ['keymap: unknown binding id "live.runn"']


def test_a_bad_key_is_a_warning_naming_the_id_and_the_key():
    result, warnings = keymap({"live.run": "Enter"})
    assert result == {}
    assert warnings == ['keymap: live.run = "Enter" names no key Textual knows '
                        "(key names are lowercase)"]


def test_a_reserved_key_is_a_warning():
    result, warnings = keymap({"live.run": "ctrl+q", "live.cancel": "tab,c"})
    assert result == {}
    assert warnings == ['keymap: live.run = "ctrl+q": ctrl+q is kept by the app',
                        'keymap: live.cancel = "tab,c": tab is kept by the app']


def test_aliases_of_a_reserved_key_are_reserved_too():
    assert keymap({"live.run": "ctrl+i"})[0] == {}  # ctrl+i is tab


def test_a_clash_with_a_default_key_names_both_and_keeps_the_default():
    result, warnings = keymap({"live.run": "minus"})
    assert result == {}
    assert warnings == ['keymap: live.run = "minus" clashes with live.fewer on minus; '
                        "live.run keeps its default key"]


def test_two_entries_on_one_key_keep_the_first():
    result, warnings = keymap({"live.run": "y", "live.cancel": "y"})
    assert result == {"live.run": "y"}
    assert warnings == ['keymap: live.cancel = "y" clashes with live.run on y; '
                        "live.cancel keeps its default key"]


def test_scopes_keep_to_themselves_but_the_app_scope_reaches_every_tab():
    assert keymap({"live.run": "enter", "compare.run": "enter"}) == (
        {"live.run": "enter", "compare.run": "enter"}, [])
    result, warnings = keymap({"live.run": "q"})
    assert result == {} and "clashes with app.quit on q" in warnings[0]
    result, warnings = keymap({"app.quit": "x"})
    assert result == {} and "app.quit" in warnings[0] and "live.cancel" in warnings[0]


def test_modal_screens_may_shadow_the_app_keys():
    assert keymap({"help.close": "escape,q"}) == ({"help.close": "escape,q"}, [])


def test_a_dropped_remap_brings_its_default_back_and_that_is_checked_too():
    # live.cancel's new key is refused, so it keeps x, which live.run wanted.
    result, warnings = keymap({"live.run": "x", "live.cancel": "ctrl+c"})
    assert result == {}
    assert len(warnings) == 2 and "live.run" in warnings[1] and "live.cancel" in warnings[1]


def test_not_a_table_is_one_warning():
    assert keymap(["live.run", "enter"]) == (
        {}, ["keymap: must be a table of binding ids and keys; ignored"])


def test_text_from_the_file_is_cleaned_in_warnings():
    _, warnings = keymap({"\x1b[2Jlive.x": "a", "live.run": "\x1b]0;x\x07"})
    assert all("\x1b" not in w and "\x07" not in w for w in warnings)


KEY_TEXT = st.lists(st.sampled_from(["ctrl", "shift", "+", ",", "a", "A", "?", "enter", "f1", " ",
                                      "q", "x", "r", "tab", "minus", "-", "é", "\x1b"]),
                    max_size=8).map("".join)


@given(raw=st.dictionaries(st.sampled_from([*KNOWN, "nope", "live"]),
                           KEY_TEXT | st.integers() | st.none(), max_size=6))
@hsettings(deadline=None)
def test_any_table_gives_a_keymap_that_passes_its_own_check(raw):
    result, warnings = keymap(raw)
    assert set(result) <= set(KNOWN) and all(isinstance(w, str) for w in warnings)
    assert len(result) + len(warnings) == len(raw)  # each entry: kept, or one warning
    assert keymap(result) == (result, [])


# ---------------------------------------------------- against the real app and Textual

def app_bindings() -> dict[str, str]:
    """Every binding id of gil-tui's UI with its default keys."""
    import gil_tui.ui
    from textual.binding import Binding

    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(gil_tui.ui.__path__, "gil_tui.ui."):
        module = importlib.import_module(info.name)
        for item in vars(module).values():
            for binding in getattr(item, "BINDINGS", None) or []:
                if isinstance(binding, Binding) and binding.id:
                    found[binding.id] = binding.key
    return found


def test_every_default_key_of_the_app_is_a_key_this_module_accepts():
    known = app_bindings()
    assert {"app.quit", "live.run", "compare.run", "lessons.next"} <= set(known)
    for binding_id, keys in known.items():
        normalize_keys(keys)  # raises for a key the rules would refuse
    # remapping each binding to its own default keys is never a clash
    for binding_id, keys in known.items():
        assert keymap_from_settings({binding_id: keys}, known) == (
            {binding_id: ",".join(normalize_keys(keys))}, []), binding_id


async def test_textual_fires_the_bindings_this_keymap_returns():
    from textual.app import App
    from textual.binding import Binding

    class Tiny(App[None]):
        BINDINGS = [Binding("r", "hit('run')", id="live.run"),
                    Binding("x", "hit('cancel')", id="live.cancel")]
        hits: list[str] = []

        def action_hit(self, what: str) -> None:
            self.hits.append(what)

    result, warnings = keymap_from_settings(
        {"live.run": "?,shift+ctrl+y", "live.cancel": "+"}, {"live.run": "r", "live.cancel": "x"})
    assert warnings == []
    app = Tiny()
    async with app.run_test() as pilot:
        app.set_keymap(result)
        await pilot.press("question_mark", "ctrl+shift+y", "plus", "r", "x")
        await pilot.pause()
    assert app.hits == ["run", "run", "cancel"]


def test_the_watch_app_checks_only_its_own_entries():
    """`gil-tui watch` applies the watch view's and its dialog's entries; the main app's
    (and their problems) are the main app's to report."""
    from gil_tui.ui.key_catalog import watch_keymap

    raw = {"watch.log": "o", "confirm.yes": "j", "live.run": "o", "no.such.binding": "z",
           "app.quit": "ctrl+q", "watch.stop": "ctrl+q", "watch.nope": "p",
           "watch.leave": "o"}
    applied, warnings = watch_keymap(raw)
    assert applied == {"watch.log": "o", "confirm.yes": "j"}
    assert len(warnings) == 3, warnings
    text = "\n".join(warnings)
    assert "watch.stop" in text and "watch.nope" in text and "watch.leave" in text
    assert "live.run" not in text and "no.such.binding" not in text and "app.quit" not in text
    assert watch_keymap({}) == ({}, [])
