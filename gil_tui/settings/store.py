"""The settings file: ``settings.toml`` in the config directory, read at start, rewritten
atomically when a remembered choice changes.

Reading never fails: a file that is not TOML, too large, not UTF-8, or holds a
value gil-tui cannot use gives the defaults for the broken parts and ONE warning
line; the file is first kept aside as ``settings.toml.broken-<YYYYmmdd-HHMMSS>``,
then the repaired settings are written in its place, so the warning comes once.
A missing file is not a problem: the defaults, no warning, nothing written.

Writing goes to a temporary file in the same directory, then ``os.replace``: a
reader (or a crash) never sees half a file.  Comments a person added are not
kept when gil-tui rewrites the file (the header says so).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

from gil_tui import paths
from gil_tui.engine.text import clean_line
from gil_tui.settings import toml_text
from gil_tui.settings.model import (
    DEFAULT_HZ,
    MAX_KEYMAP_ENTRIES,
    CompareSettings,
    LiveSettings,
    SettingError,
    Settings,
    check_interpreters,
    check_keymap,
    check_mode,
    check_path,
    check_sample_hz,
    check_scale,
    check_theme,
    check_workers,
    check_workload,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_BYTES = 256 * 1024
BROKEN_SUFFIX = ".broken-"

HEADER = """\
# gil-tui settings: the choices gil-tui remembers, and your keymap.
# Edit freely while gil-tui is closed. gil-tui rewrites this file when a choice
# changes in the app (comments you add are not kept). A value it cannot use is
# reported once, this file is kept as settings.toml.broken-<time>, and the
# default is used instead. Keys and binding ids: see the README, "Settings".
"""

KEYMAP_EXAMPLE = """\
# Binding ids and keys, e.g.:
# "live.run" = "enter"
# "app.quit" = "ctrl+x,q"
"""


def _top(settings: Settings) -> list[str]:
    lines = []
    if settings.theme is None:
        lines.append('# theme = "textual-dark"')
    else:
        lines.append(toml_text.assignment("theme", settings.theme))
    lines.append(toml_text.assignment("sample_hz", settings.sample_hz))
    return lines


def render_settings(settings: Settings) -> str:
    """The text of a settings file holding ``settings`` (header comment included)."""
    live = settings.live
    lines = [HEADER, *_top(settings), "", "[live]"]
    for name in ("workload", "mode", "workers", "scale"):
        lines.append(toml_text.assignment(name, getattr(live, name)))
    if live.python is None:
        lines.append("# python = \"/usr/bin/python3.13\"  (unset: the Python gil-tui runs on)")
    else:
        lines.append(toml_text.assignment("python", live.python))
    lines += ["", "[compare]",
              toml_text.assignment("interpreters", list(settings.compare.interpreters)),
              "", "[keymap]"]
    if settings.keymap:
        lines += [toml_text.assignment(k, v) for k, v in settings.keymap.items()]
    else:
        lines.append(KEYMAP_EXAMPLE.rstrip("\n"))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ reading

def _name(key: Any) -> str:
    return clean_line(key, max_len=40)


def _pick(table: dict, name: str, check: Callable[[Any], Any], default: Any,
          problems: list[str]) -> Any:
    """``check(table[name])``, or ``default`` (and a problem) when it does not pass."""
    if name not in table:
        return default
    try:
        return check(table[name])
    except SettingError as exc:
        problems.append(f"{exc}, not {clean_line(repr(table[name]), max_len=30)}")
        return default


def _table(data: dict, name: str, problems: list[str]) -> dict:
    table = data.get(name, {})
    if isinstance(table, dict):
        return table
    problems.append(f"[{name}] must be a table")
    return {}


def _unknown(table: dict, known: tuple[str, ...], where: str, problems: list[str]) -> None:
    for name in table:
        if name not in known:
            problems.append(f"unknown setting {where}{_name(name)}")


def _live(table: dict, problems: list[str]) -> LiveSettings:
    _unknown(table, ("workload", "mode", "workers", "scale", "python"), "live.", problems)
    default = LiveSettings()
    values = {
        "workload": _pick(table, "workload", check_workload, default.workload, problems),
        "mode": _pick(table, "mode", check_mode, default.mode, problems),
        "workers": _pick(table, "workers", check_workers, default.workers, problems),
        "scale": _pick(table, "scale", check_scale, default.scale, problems),
        "python": _pick(table, "python", lambda v: check_path(v, "live.python"), None,
                        problems),
    }
    try:
        return LiveSettings(**values)
    except SettingError as exc:  # a combination that cannot run: the default mode
        problems.append(str(exc))
    try:
        return LiveSettings(**{**values, "mode": default.mode})
    except SettingError:
        return default


def _keymap(data: dict, problems: list[str]) -> dict[str, str]:
    """The ``[keymap]`` entries of a usable shape (a bad entry costs that entry only)."""
    table = _table(data, "keymap", problems)
    try:
        return check_keymap(table)
    except SettingError:
        pass
    out: dict[str, str] = {}
    if len(table) > MAX_KEYMAP_ENTRIES:
        problems.append(f"keymap holds at most {MAX_KEYMAP_ENTRIES} entries")
    for name, keys in list(table.items())[:MAX_KEYMAP_ENTRIES]:
        try:
            out.update(check_keymap({name: keys}))
        except SettingError:
            problems.append(f"keymap entry {_name(name)}: must be a binding id and a key "
                            "such as \"enter\" or \"ctrl+r\"")
    return out


def parse_settings(text: str) -> tuple[Settings, list[str]]:
    """Settings from a file's text, and the problems found (empty when all is well).

    Never raises: each part that cannot be used is replaced by its default and
    named in one short problem string (``live.workers must be ...``).
    """
    try:
        data = tomllib.loads(text)
    except Exception as exc:  # noqa: BLE001 - any text at all must give defaults, never a crash
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Settings(), [f"not valid TOML ({clean_line(reason, max_len=80)})"]
    problems: list[str] = []
    _unknown(data, ("theme", "sample_hz", "live", "compare", "keymap"), "", problems)
    theme = _pick(data, "theme", check_theme, None, problems)
    hz = _pick(data, "sample_hz", check_sample_hz, DEFAULT_HZ, problems)
    live = _live(_table(data, "live", problems), problems)
    compare_table = _table(data, "compare", problems)
    _unknown(compare_table, ("interpreters",), "compare.", problems)
    interpreters = _pick(compare_table, "interpreters", check_interpreters, (), problems)
    keymap = _keymap(data, problems)
    settings = Settings(theme=theme, sample_hz=hz, live=live,
                        compare=CompareSettings(interpreters), keymap=keymap)
    return settings, problems


def _read(path: Path) -> bytes | None:
    """The file's first MAX_BYTES + 1 bytes; None when there is no file."""
    try:
        with open(path, "rb") as file:
            return file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None


def _keep_aside(path: Path) -> Path:
    """Rename the file to ``<name>.broken-<time>`` (``-2``, ``-3``... if taken); the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}{BROKEN_SUFFIX}{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{BROKEN_SUFFIX}{stamp}-{n}")
    os.replace(path, target)
    return target


def _summary(problems: list[str], shown: int = 2) -> str:
    text = "; ".join(problems[:shown])
    if len(problems) > shown:
        text += f" (+{len(problems) - shown} more)"
    return text


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """The saved settings and the warnings to show (none, or exactly one line).

    ``path`` defaults to ``paths.settings_path()`` (inside ``$GIL_TUI_HOME/config`` when
    that is set). Never raises. A broken file is renamed aside and the repaired settings
    (defaults for the broken parts) are written in its place; when that cannot be done,
    the warning says so and the file is left as it was.
    """
    path = path or paths.settings_path()
    try:
        raw = _read(path)
    except OSError as exc:
        return Settings(), [f"gil-tui: cannot read the settings file {path} "
                            f"({exc.strerror or exc}); using the defaults"]
    if raw is None:
        return Settings(), []
    if len(raw) > MAX_BYTES:
        settings, problems = Settings(), [f"larger than {MAX_BYTES // 1024} KiB"]
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            settings, problems = Settings(), ["not UTF-8 text"]
        else:
            settings, problems = parse_settings(text)
    if not problems:
        return settings, []
    try:
        kept = _keep_aside(path)
    except OSError as exc:
        return settings, [f"gil-tui: settings file {path}: {_summary(problems)}; using the "
                          f"defaults for those (could not keep the file aside: "
                          f"{exc.strerror or exc})"]
    try:
        save_settings(settings, path)
    except OSError:
        pass  # the defaults are in use; the next start tries again
    return settings, [f"gil-tui: settings file {path}: {_summary(problems)}; using the "
                      f"defaults for those (the old file is kept as {kept.name})"]


# ------------------------------------------------------------------ writing

def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` atomically (temporary file + ``os.replace``); the path written.

    Creates the config directory when needed. Raises OSError when the file cannot be
    written (a read-only home): the caller decides whether to tell the user.
    """
    import tempfile  # only when writing: not on the way to the first frame

    path = path or paths.settings_path()
    text = render_settings(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
