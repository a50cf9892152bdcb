"""The user's ``[keymap]``: binding ids to keys, checked before Textual sees them.

:func:`keymap_from_settings` turns the table from the settings file into the
mapping ``App.set_keymap`` takes, leaving out every entry it cannot honour and
saying why in one line each: an id no binding has, a key Textual would never
send (``Enter``, ``ctrl++``, ``ctrl+ctrl+a``), a key the app keeps for itself
(``ctrl+q``), and a key another binding of the same scope already answers to.

Key syntax (Textual's): ``modifier+...+key``, modifiers among alt, ctrl, hyper,
meta, shift, super (written in that order here, the order Textual reports them);
the key a lowercase name (``enter``, ``f5``, ``pageup``, ``question_mark``,
``left_square_bracket``), a letter or digit (``r``, ``R``, ``5``), or one printable
character, which is written the way Textual names it (``?`` becomes
``question_mark``, ``+`` becomes ``plus``).  Several keys: ``"q,ctrl+x"``.

A binding's scope is its id's first part (``live`` in ``live.run``).  Two
bindings of one scope on one key clash; bindings of a global scope (``app``:
quit, help, the tab keys) clash with every scope but the isolated ones (modal
screens, the separate watch app).  Engine-free: no Textual import.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Collection, Iterable, Mapping

from gil_tui.engine.text import clean_line

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
#: Keys Textual itself binds on every screen (quit, copy/interrupt, palette, focus).
TEXTUAL_RESERVED = frozenset({"ctrl+q", "ctrl+c", "ctrl+p", "tab", "shift+tab", "super+c"})
GLOBAL_SCOPES = frozenset({"app"})
#: Scopes whose keys shadow the app's on purpose (modal screens: ``q`` closes the help
#: rather than quitting) or live in another App (the watch view): never a global clash.
ISOLATED_SCOPES = frozenset({"help", "confirm", "ask", "demo", "watch"})

_NAMED = frozenset(
    {"escape", "enter", "return", "tab", "space", "backspace", "insert", "delete",
     "home", "end", "pageup", "pagedown", "up", "down", "left", "right", "newline"}
    | {f"f{n}" for n in range(1, 25)}
)
# Textual's friendlier names for some Unicode character names (textual.keys).
_REPLACEMENTS = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                 "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}
# Keys Textual reports under another name (textual.keys.KEY_ALIASES): one key, two names.
_SAME_KEY = {"ctrl+i": "tab", "ctrl+m": "enter", "return": "enter", "ctrl+space": "ctrl+at",
             "newline": "ctrl+j"}
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class KeyNameError(ValueError):
    """A key string Textual would never match; the message says why."""


def char_to_key(char: str) -> str:
    """Textual's name for the key that types ``char`` (``?`` -> ``question_mark``)."""
    if char == " ":
        return "space"
    if char.isalnum():
        return char
    try:
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return char
    return _REPLACEMENTS.get(name, name)


_CHAR_NAMES = frozenset(char_to_key(chr(c)) for c in range(33, 127)) - {chr(c) for c in
                                                                       range(33, 127)}


def _known_name(name: str) -> bool:
    if name in _NAMED or name in _CHAR_NAMES:
        return True
    # Any other character by its Unicode name, the way textual.keys.key_to_character finds it.
    try:
        char = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        return False
    return char.isprintable() and char_to_key(char) == name


def normalize_key(text: str) -> str:
    """One key in the form Textual matches: ``shift+ctrl+a`` -> ``ctrl+shift+a``,
    ``?`` -> ``question_mark``.

    Raises :class:`KeyNameError` for a key Textual would never send.
    """
    raw = text.strip()
    if len(raw) == 1:
        if not raw.isprintable():
            raise KeyNameError("is not a key")
        return char_to_key(raw)
    if not raw:
        raise KeyNameError("has an empty key (a comma separates keys; the comma key is comma)")
    *mods, base = raw.split("+")
    if not base or "" in mods:
        raise KeyNameError("has an empty part (the + key is written plus)")
    for mod in mods:
        if mod not in MODIFIERS:
            raise KeyNameError(f"has an unknown modifier {clean_line(mod, max_len=20)!r} "
                            f"(use {', '.join(MODIFIERS)})")
    if len(set(mods)) != len(mods):
        raise KeyNameError("repeats a modifier")
    if len(base) == 1:
        if not base.isprintable() or base == " ":
            raise KeyNameError("is not a key")
        if base.isupper():
            raise KeyNameError("with a modifier, write the letter lowercase (and add shift+)")
        base = char_to_key(base)
    elif not _NAME.fullmatch(base) or not _known_name(base):
        hint = " (key names are lowercase)" if base.lower() != base else ""
        raise KeyNameError(f"names no key Textual knows{hint}")
    ordered = [m for m in MODIFIERS if m in mods]
    return "+".join([*ordered, base])


def normalize_keys(text: str) -> list[str]:
    """A comma-separated key list, each normalized; raises :class:`KeyNameError`."""
    if not isinstance(text, str):
        raise KeyNameError("is not a key string")
    if not text.strip():
        raise KeyNameError("is empty")
    keys = [normalize_key(part) for part in text.split(",")]
    return list(dict.fromkeys(keys))


def scope_of(binding_id: str) -> str:
    """``live`` for ``live.run``; ``app`` for ``app.tab.live``."""
    return binding_id.split(".", 1)[0]


def _same(key: str) -> str:
    return _SAME_KEY.get(key, key)


def _show(text: Any) -> str:
    return f'"{clean_line(text, max_len=40)}"'


def _check_entry(binding_id: Any, keys: Any, known: Mapping[str, str],
                 reserved: set[str]) -> tuple[list[str] | None, str | None]:
    """The entry's normalized keys, or None and the warning that says why not."""
    if binding_id not in known:
        return None, f"keymap: unknown binding id {_show(binding_id)}"
    try:
        parsed = normalize_keys(keys)
    except KeyNameError as exc:
        return None, f"keymap: {binding_id} = {_show(keys)} {exc}"
    taken = [k for k in parsed if _same(k) in reserved]
    if taken:
        return None, f"keymap: {binding_id} = {_show(keys)}: {taken[0]} is kept by the app"
    return parsed, None


def _defaults(known: Mapping[str, str]) -> dict[str, list[str]]:
    out = {}
    for binding_id, keys in known.items():
        try:
            out[binding_id] = normalize_keys(keys)
        except KeyNameError:
            out[binding_id] = [k.strip() for k in str(keys).split(",") if k.strip()]
    return out


def _meet(a: str, b: str, global_scopes: Collection[str], isolated: Collection[str]) -> bool:
    sa, sb = scope_of(a), scope_of(b)
    if sa == sb:
        return True
    if sa in isolated or sb in isolated:
        return False
    return sa in global_scopes or sb in global_scopes


def _first_clash(remapped: Iterable[str], effective: Mapping[str, list[str]],
                 global_scopes: Collection[str], isolated: Collection[str],
                 defaults: Mapping[str, list[str]] | None = None,
                 ) -> tuple[str, str, str] | None:
    """(remapped id, other id, key) of a clash of a remapped binding, or None; the
    remapped binding named is the last one in ``remapped`` that clashes.

    Two bindings that share a key in the app's own defaults (active at different
    times, e.g. ``escape`` closing a panel or leaving History) never clash on it."""
    defaults = defaults or {}
    for binding_id in reversed(list(remapped)):
        mine = {_same(k): k for k in effective[binding_id]}
        shared = {_same(k) for k in defaults.get(binding_id, [])}
        for other, keys in effective.items():
            if other == binding_id or not _meet(binding_id, other, global_scopes, isolated):
                continue
            designed = shared & {_same(k) for k in defaults.get(other, [])}
            for key in keys:
                if _same(key) in mine and _same(key) not in designed:
                    return binding_id, other, mine[_same(key)]
    return None


def keymap_from_settings(
    raw: Any,
    known_ids: Mapping[str, str],
    reserved: Collection[str] = TEXTUAL_RESERVED,
    *,
    global_scopes: Collection[str] = GLOBAL_SCOPES,
    isolated_scopes: Collection[str] = ISOLATED_SCOPES,
) -> tuple[dict[str, str], list[str]]:
    """The keymap for ``App.set_keymap`` and one warning line per entry left out.

    ``raw``: the ``[keymap]`` table (``Settings.keymap``); anything but a mapping is one
    warning and no keymap. ``known_ids``: every binding id of the app with its default
    key string (``{"live.run": "r", "app.help": "question_mark,f1", ...}``).
    ``reserved``: keys no binding may take (default :data:`TEXTUAL_RESERVED`).
    ``global_scopes`` clash with every scope except ``isolated_scopes`` (see the module
    docstring).

    An entry whose keys clash with another binding of its scope (after all the other
    remaps: swapping two keys is fine) is left out, the earlier entry in the file
    winning over a later one; the warning names both ids and the key. Keys come back
    normalized (``?`` -> ``question_mark``, ``shift+ctrl+x`` -> ``ctrl+shift+x``).
    """
    if not isinstance(raw, Mapping):
        return {}, ["keymap: must be a table of binding ids and keys; ignored"]
    warnings: list[str] = []
    reserved_keys = {_same(k) for k in _flatten(reserved)}
    accepted: dict[str, list[str]] = {}
    for binding_id, keys in raw.items():
        parsed, warning = _check_entry(binding_id, keys, known_ids, reserved_keys)
        if warning:
            warnings.append(warning)
        else:
            accepted[binding_id] = parsed
    defaults = _defaults(known_ids)
    effective = {**defaults, **accepted}
    while (clash := _first_clash(accepted, effective, global_scopes,
                                 isolated_scopes, defaults)) is not None:
        binding_id, other, key = clash
        warnings.append(f"keymap: {binding_id} = {_show(raw[binding_id])} clashes with "
                        f"{other} on {key}; {binding_id} keeps its default key")
        del accepted[binding_id]
        effective = {**defaults, **accepted}
    return {binding_id: ",".join(keys) for binding_id, keys in accepted.items()}, warnings


def _flatten(keys: Collection[str]) -> list[str]:
    out = []
    for item in keys:
        try:
            out += normalize_keys(item)
        except KeyNameError:
            out.append(str(item))
    return out
