"""Find Python interpreters on this machine, and remember the ones the user added.

What one interpreter is, and how it is asked (the probe script, run in its own
process group), is :mod:`gil_tui.engine.system.probe`; its names are also
available here (:class:`Interpreter`, :func:`probe`, :func:`current`,
:func:`parse_probe_output`, :data:`PROBE_SCRIPT`, :data:`MIN_VERSION`).

:func:`discover` gathers candidates (the running interpreter, user-added paths,
pyenv and uv installs, ``python3*`` on ``PATH``), removes duplicates by real
path, probes them in parallel and never raises.  Where to look is
:mod:`gil_tui.engine.system.locations` (it skips pyenv shims: pyenv's versions are
found directly under ``$PYENV_ROOT/versions``).  :func:`add_path` and
:func:`remove_path` keep the user's own list in the interpreters config file.

That file may have been edited by hand, or damaged: :func:`read_user_paths` never
raises.  An entry that is not a path is skipped and one line says so
(:func:`config_warnings`); a file that cannot be read at all (not JSON, nested too
deeply, a number too long, not UTF-8, too large, no list of paths) is used as an
empty list with one line naming it, and is never overwritten: :func:`add_path`
and :func:`remove_path` raise :class:`ConfigError` until it is fixed or deleted.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

from gil_tui import paths
from gil_tui.engine.system import locations
from gil_tui.engine.system.probe import (
    MAGIC,
    MIN_VERSION,
    PROBE_SCRIPT,
    Interpreter,
    current,
    normalise_path,
    parse_probe_output,
    probe,
)
from gil_tui.engine.text import bytes_text, clean_line, plural

#: Source labels, best first: when two candidates are the same interpreter,
#: the one with the better label is kept.
SOURCES = ("current", "added", "pyenv", "uv", "path")


#: the interpreters config is a short list gil-tui writes: a bigger file is not one
MAX_CONFIG_BYTES = 1 << 20
#: at most this many added paths are probed (each one is a subprocess)
MAX_USER_PATHS = 256


class InterpreterError(ValueError):
    """A path the user gave cannot be used; the message says why."""


class ConfigError(OSError):
    """The interpreters config cannot be read, so it is not overwritten; the message
    names the file and says why (one line)."""


# ---------------------------------------------------------------- discovery


def _candidates(extra: Iterable[str]) -> list[tuple[str, str]]:
    cands: list[tuple[str, str]] = []
    if sys.executable:
        cands.append((sys.executable, "current"))
    for path in list(extra) + user_paths():
        cands.append((normalise_path(path), "added"))
    cands.extend((p, "pyenv") for p in locations.pyenv_candidates())
    cands.extend((p, "uv") for p in locations.uv_candidates())
    cands.extend((p, "path") for p in locations.path_candidates())
    return cands


def _rank(source: str) -> int:
    return SOURCES.index(source) if source in SOURCES else len(SOURCES)


def _dedupe_key(path: str) -> tuple[str, str | None]:
    # a venv's python is a symlink to its base interpreter but sees other
    # packages, so it stays a separate entry
    return (os.path.realpath(path), locations.venv_root(path))


def discover(extra: Iterable[str] = (), timeout: float = 5.0) -> list[Interpreter]:
    """Every interpreter found, the running one first, then by version. Never raises."""
    chosen: dict[tuple[str, str | None], tuple[str, str]] = {}
    for path, source in _candidates(extra):
        try:
            key = _dedupe_key(path)
        except (OSError, ValueError):
            key = (path, None)
        held = chosen.get(key)
        if held is None or _rank(source) < _rank(held[1]):
            chosen[key] = (path, source)
    todo = list(chosen.values())
    if not todo:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
        probed = list(pool.map(lambda c: probe(c[0], c[1], timeout), todo))

    # a second pass on what the interpreters said about themselves
    unique: dict[tuple[str, str | None], Interpreter] = {}
    for interp in probed:
        key = (interp.realpath, interp.prefix)
        held = unique.get(key)
        if held is None or _rank(interp.source) < _rank(held.source):
            unique[key] = interp

    def order(interp: Interpreter) -> tuple:
        return (
            interp.source != "current",
            interp.version_info is None,
            interp.version_info or (),
            interp.free_threaded,
            _rank(interp.source),
            interp.path,
        )

    return sorted(unique.values(), key=order)


# ------------------------------------------------------- user-added paths


@dataclass(frozen=True)
class UserPaths:
    """What the interpreters config holds: ``paths`` in the order added (all of them:
    :func:`user_paths` gives the first :data:`MAX_USER_PATHS`); ``warnings``, one line
    each, about what was skipped; ``unreadable``: the file exists but could not be read
    at all (then it must not be overwritten)."""

    paths: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    unreadable: bool = False


def _unreadable(file: os.PathLike[str] | str, why: str) -> UserPaths:
    where = clean_line(os.fspath(file))
    return UserPaths((), (f"the list of added interpreters in {where} cannot be read: {why}; "
                          "fix or delete that file",), unreadable=True)


def _load(raw: bytes) -> object:
    """The file's JSON value; raises ValueError with the reason for a person."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not valid JSON ({exc.msg} at line {exc.lineno} "
                         f"column {exc.colno})") from None
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except (ValueError, OverflowError, TypeError):  # an integer of thousands of digits
        raise ValueError("it holds a number too long to read") from None


def read_user_paths() -> UserPaths:
    """The interpreters config as it is, with a line for every problem. Never raises."""
    file = paths.interpreters_path()
    try:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device never end
            return _unreadable(file, "it is not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            return _unreadable(file, f"it is larger than {bytes_text(MAX_CONFIG_BYTES)}")
        with open(file, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return UserPaths()
    except (OSError, ValueError) as exc:
        return _unreadable(file, getattr(exc, "strerror", None) or str(exc))
    try:
        data = _load(raw)
    except ValueError as exc:
        return _unreadable(file, str(exc))
    items = data.get("paths") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return _unreadable(file, 'it holds no list of paths ({"paths": [...]})')
    kept = [p for p in items if isinstance(p, str) and p.strip() and "\0" not in p]
    warnings = []
    if len(kept) < len(items):
        skipped = len(items) - len(kept)
        warnings.append(f"{clean_line(os.fspath(file))}: skipped "
                        f"{plural(skipped, 'entry', 'entries')} that "
                        f"{'is not a path' if skipped == 1 else 'are not paths'} "
                        "(dropped when the list is next saved)")
    if len(kept) > MAX_USER_PATHS:
        warnings.append(f"{clean_line(os.fspath(file))}: only the first {MAX_USER_PATHS} of "
                        f"{len(kept)} added interpreters are used")
    return UserPaths(tuple(kept), tuple(warnings))


def user_paths() -> list[str]:
    """The interpreter paths the user added, in the order added: the first
    :data:`MAX_USER_PATHS` (see :func:`read_user_paths`)."""
    return list(read_user_paths().paths[:MAX_USER_PATHS])


def config_warnings() -> list[str]:
    """One line per problem in the interpreters config; empty when it is fine or absent."""
    return list(read_user_paths().warnings)


def _writable_user_paths() -> list[str]:
    """The list to change and save; raises :class:`ConfigError` when the file is unreadable."""
    found = read_user_paths()
    if found.unreadable:
        raise ConfigError(found.warnings[0])
    return list(found.paths)


def _save_user_paths(items: list[str]) -> None:
    file = paths.interpreters_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(json.dumps({"v": 1, "paths": items}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, file)


def add_path(path: str, timeout: float = 5.0) -> Interpreter:
    """Probe ``path`` and remember it; raise :class:`InterpreterError` if it cannot be used,
    :class:`ConfigError` if the interpreters config cannot be read (it is left alone)."""
    _writable_user_paths()  # before the probe: say it at once
    interp = probe(path, "added", timeout)
    if not interp.supported:
        raise InterpreterError(interp.reason or f"{path} cannot be used")
    items = _writable_user_paths()
    if interp.path not in items:
        items.append(interp.path)
        _save_user_paths(items)
    return interp


def remove_path(path: str) -> bool:
    """Forget a user-added path; False when it was not in the list. Raises
    :class:`ConfigError` if the interpreters config cannot be read (it is left alone)."""
    items = _writable_user_paths()
    if not path or "\0" in path:
        return False
    full = normalise_path(path)
    kept = [p for p in items if p != full and p != path]
    if len(kept) == len(items):
        real = os.path.realpath(full)
        kept = [p for p in items if os.path.realpath(p) != real]
    if len(kept) == len(items):
        return False
    _save_user_paths(kept)
    return True


__all__ = [
    "MAGIC",
    "MAX_CONFIG_BYTES",
    "MAX_USER_PATHS",
    "ConfigError",
    "Interpreter",
    "InterpreterError",
    "MIN_VERSION",
    "PROBE_SCRIPT",
    "SOURCES",
    "UserPaths",
    "add_path",
    "config_warnings",
    "current",
    "discover",
    "normalise_path",
    "parse_probe_output",
    "probe",
    "read_user_paths",
    "remove_path",
    "user_paths",
]
