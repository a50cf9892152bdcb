"""What gil-tui remembers between runs, and the rule every remembered value must meet.

A :class:`Settings` is immutable and always valid: each field is checked when it
is built, so the app never sees a value it cannot use.  The ``check_*``
functions are those rules, one per kind of value; each returns the value in its
stored form or raises :class:`SettingError` with a one-line reason.

Pure Python (no Textual): the keys of ``[keymap]`` are only checked for their
shape here; whether an id exists or a key clashes needs the app's bindings
(:func:`gil_tui.settings.keymap.keymap_from_settings`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from gil_tui.engine.run.spec import MAX_SCALE, MAX_WORKERS, Mode, RunSpec, SpecError, Workload

MIN_HZ, MAX_HZ, DEFAULT_HZ = 1.0, 20.0, 4.0
MAX_PATH_CHARS = 4096
MAX_INTERPRETERS = 64
MAX_KEYMAP_ENTRIES = 512
MAX_KEY_CHARS = 200
_THEME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
_BINDING_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
# C0 and C1 controls, DEL, and lone surrogates (undecodable bytes of a path: TOML
# files are UTF-8 and cannot hold them).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class SettingError(ValueError):
    """A value that cannot be a setting; the message says why, in one line."""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_theme(value: Any) -> str | None:
    """A theme name (letters, digits, ``_ . + -``, at most 64), or None for Textual's default.

    Whether the theme exists is for the app to check (``name in app.available_themes``).
    """
    if value is None:
        return None
    if not isinstance(value, str) or not _THEME.fullmatch(value):
        raise SettingError("theme must be a theme name such as \"nord\" or \"textual-dark\"")
    return value


def check_sample_hz(value: Any) -> float:
    """Samples per second of the core bars, a number from 1 to 20."""
    if not _number(value) or not math.isfinite(value) or not MIN_HZ <= value <= MAX_HZ:
        raise SettingError(f"sample_hz must be a number from {MIN_HZ:g} to {MAX_HZ:g}")
    return float(value)


def check_path(value: Any, name: str = "python") -> str:
    """An interpreter path: a non-empty string without control characters."""
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_PATH_CHARS
            or _UNSAFE.search(value)):
        raise SettingError(f"{name} must be the path of an interpreter (text without "
                           "control characters)")
    return value


def check_interpreters(value: Any) -> tuple[str, ...]:
    """A list of interpreter paths (at most 64); repeats are dropped, the order is kept."""
    if not isinstance(value, (list, tuple)):
        raise SettingError("compare.interpreters must be a list of interpreter paths")
    if len(value) > MAX_INTERPRETERS:
        raise SettingError(f"compare.interpreters holds at most {MAX_INTERPRETERS} paths")
    return tuple(dict.fromkeys(check_path(item, "compare.interpreters") for item in value))


def check_workload(value: Any) -> str:
    choices = [w.value for w in Workload]
    if value not in choices:
        raise SettingError(f"live.workload must be one of {', '.join(choices)}")
    return str(value)


def check_mode(value: Any) -> str:
    choices = [m.value for m in Mode]
    if value not in choices:
        raise SettingError(f"live.mode must be one of {', '.join(choices)}")
    return str(value)


def check_workers(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WORKERS:
        raise SettingError(f"live.workers must be a whole number from 1 to {MAX_WORKERS}")
    return value


def check_scale(value: Any) -> float:
    if not _number(value) or not math.isfinite(value) or not 0 < value <= MAX_SCALE:
        raise SettingError(f"live.scale must be a number above 0 and at most {MAX_SCALE:g}")
    return float(value)


def check_keymap(value: Any) -> dict[str, str]:
    """The ``[keymap]`` table's shape: binding ids (``live.run``) to key strings.

    Only the shape is checked here; :func:`~gil_tui.settings.keymap.keymap_from_settings`
    checks the ids and keys against the app's bindings.
    """
    if not isinstance(value, Mapping):
        raise SettingError("keymap must be a table of binding ids and keys")
    if len(value) > MAX_KEYMAP_ENTRIES:
        raise SettingError(f"keymap holds at most {MAX_KEYMAP_ENTRIES} entries")
    out: dict[str, str] = {}
    for key, keys in value.items():
        if not isinstance(key, str) or not _BINDING_ID.fullmatch(key):
            raise SettingError("keymap names bindings by id, such as \"live.run\"")
        if (not isinstance(keys, str) or not keys.strip() or len(keys) > MAX_KEY_CHARS
                or _UNSAFE.search(keys)):
            raise SettingError("each keymap entry must be a key such as \"enter\" or \"ctrl+r\"")
        out[key] = keys
    return out


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class LiveSettings:
    """The Live tab's last selection (``python`` None: the interpreter gil-tui runs on)."""

    workload: str = Workload.CPU.value
    mode: str = Mode.THREADS.value
    workers: int = 2
    scale: float = 1.0
    python: str | None = None

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("workload", check_workload(self.workload))
        put("mode", check_mode(self.mode))
        put("workers", check_workers(self.workers))
        put("scale", check_scale(self.scale))
        if self.python is not None:
            put("python", check_path(self.python, "live.python"))
        try:  # the combination too (asyncio runs the I/O workloads only)
            RunSpec(workload=self.workload, mode=self.mode, workers=self.workers,
                    scale=self.scale)
        except SpecError as exc:
            raise SettingError(f"live: {exc}") from None

    def try_values(self) -> dict[str, str]:
        """The selection as ``Selection.from_try`` takes it (``python`` is not included:
        probe it first, it may be gone since it was saved)."""
        return {"workload": self.workload, "mode": self.mode,
                "workers": str(self.workers), "scale": repr(self.scale)}


@dataclass(frozen=True)
class CompareSettings:
    """The Compare tab's interpreter selection (empty: the tab's own default)."""

    interpreters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "interpreters", check_interpreters(self.interpreters))


@dataclass(frozen=True)
class Settings:
    """Everything gil-tui remembers. Build changed copies with the ``with_*`` methods
    (they raise :class:`SettingError` for a value that cannot be kept)."""

    theme: str | None = None
    sample_hz: float = DEFAULT_HZ
    live: LiveSettings = field(default_factory=LiveSettings)
    compare: CompareSettings = field(default_factory=CompareSettings)
    keymap: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("theme", check_theme(self.theme))
        put("sample_hz", check_sample_hz(self.sample_hz))
        if not isinstance(self.live, LiveSettings):
            raise SettingError("live must be a LiveSettings")
        if not isinstance(self.compare, CompareSettings):
            raise SettingError("compare must be a CompareSettings")
        put("keymap", _frozen(check_keymap(self.keymap)))

    def with_theme(self, theme: str | None) -> "Settings":
        return dataclasses.replace(self, theme=theme)

    def with_sample_hz(self, hz: float) -> "Settings":
        return dataclasses.replace(self, sample_hz=hz)

    def with_live(self, **changes: Any) -> "Settings":
        """E.g. ``with_live(workload="io", mode="asyncio", workers=16)``; ``python=None``
        for the interpreter gil-tui runs on."""
        return dataclasses.replace(self, live=dataclasses.replace(self.live, **changes))

    def with_compare(self, interpreters: Iterable[str]) -> "Settings":
        return dataclasses.replace(self, compare=CompareSettings(tuple(interpreters)))

    def with_keymap(self, keymap: Mapping[str, str]) -> "Settings":
        return dataclasses.replace(self, keymap=dict(keymap))
