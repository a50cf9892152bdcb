"""What every live demo shares: its result, its registry entry, and one run of it.

A demo module (:mod:`~gil_tui.engine.demos.race`, ...) writes a *body*, a function
``body(demo: DemoRun, options) -> summary`` that validates its options, calls
``demo.preflight()``, runs its scripts through ``demo.run_script`` and fills
``demo.sections`` and ``demo.data``; :func:`run_body` wraps it into the public
``run_<demo>(python=None, timeout=None, **options) -> DemoResult`` (``None``: the
demo's own time limit, ``DemoInfo.timeout``).
Raising :class:`DemoFailed` ends a demo early with ``ok=False``; a ``ValueError``
is a programming error (an unknown option or an impossible value).

Every string that comes from the interpreter's output (the probe's fields, a
script's error message, a stderr tail, the lines a section shows) goes through
:func:`gil_tui.engine.text.clean` here or in the demo module before it reaches a
``DemoResult``, so neither the CLI nor the app ever sends an escape sequence from
a demo script to the terminal.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from gil_tui.engine.system.processes import ProcOutcome, describe_exit, run_capped
from gil_tui.engine.text import clean, clean_line, gil_label
from gil_tui.worker import WORKER_DIR

__all__ = [
    "FORMAT_VERSION", "SCRIPTS_DIR", "DEFAULT_TIMEOUT", "MAX_LINE", "DemoInterpreter",
    "DemoResult", "DemoInfo", "DemoFailed", "DemoRun", "run_body", "whole_option",
    "number_option", "flag_option", "clean_lines",
]

FORMAT_VERSION = 1
SCRIPTS_DIR = WORKER_DIR / "demo_scripts"
DEFAULT_TIMEOUT = 10.0
#: longest line (characters) kept from a script's output; the rest becomes "…"
MAX_LINE = 400


def clean_lines(text: str, max_line: int = MAX_LINE) -> list[str]:
    """A script's output as cleaned lines (trailing blanks and blank last lines dropped)."""
    lines = [clean(line.rstrip(), max_len=max_line) for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True)
class DemoInterpreter:
    """The interpreter as the demo script saw itself."""

    path: str
    version: str
    gil_enabled: bool
    free_threaded: bool
    implementation: str = "cpython"
    cpu_count: int | None = None

    def label(self) -> str:
        """``3.13.1 (GIL)``, ``3.14.0t (free-threaded, GIL off)``."""
        return gil_label(self.version, self.free_threaded, self.gil_enabled, long=True)

    def to_dict(self) -> dict[str, Any]:
        return dict(asdict(self), label=self.label())

    @classmethod
    def from_probe(cls, path: str, data: dict[str, Any]) -> "DemoInterpreter":
        cpus = data.get("cpu_count")
        return cls(path=path, version=clean_line(data.get("version", "?"), max_len=40),
                   gil_enabled=bool(data.get("gil_enabled", True)),
                   free_threaded=bool(data.get("free_threaded", False)),
                   implementation=clean_line(data.get("implementation", "cpython"), max_len=40),
                   cpu_count=cpus if isinstance(cpus, int) and not isinstance(cpus, bool)
                   else None)


@dataclass
class DemoResult:
    """What a demo showed. ``sections`` hold real output, ``(title, lines)``."""

    name: str
    title: str
    ok: bool
    summary: str
    interpreter: DemoInterpreter | None = None
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    #: why the demo could not run or finish (None when ok)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "title": self.title,
            "ok": self.ok,
            "summary": self.summary,
            "error": self.error,
            "interpreter": self.interpreter.to_dict() if self.interpreter else None,
            "sections": [{"title": t, "lines": list(lines)} for t, lines in self.sections],
            "data": self.data,
            "duration_s": round(self.duration, 3),
        }


@dataclass(frozen=True)
class DemoInfo:
    """A demo in the registry: what it is called, where it belongs, how to run it."""

    name: str
    title: str
    #: slug of the lesson the demo belongs to
    lesson: str
    description: str
    run: Callable[..., DemoResult]
    #: the demo's options and their defaults (every demo also takes ``stop``)
    defaults: dict[str, Any] = field(default_factory=dict)
    #: seconds the whole demo may take when the caller gives no ``timeout``
    timeout: float = DEFAULT_TIMEOUT


class DemoFailed(Exception):
    """Ends a demo early; the reason becomes ``DemoResult.error``."""


class DemoRun:
    """One demo run: deadline, stop flag, and what has been seen so far."""

    def __init__(self, info: DemoInfo, python: str | None, timeout: float, stop) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a number of seconds above 0, got {timeout!r}")
        self.info = info
        self.python = python or sys.executable
        self.timeout = float(timeout)
        self.stop = stop
        self.began = time.monotonic()
        self.deadline = self.began + self.timeout
        self.interpreter: DemoInterpreter | None = None
        #: the probe line the last script printed (see demo_common.probe)
        self.probe: dict[str, Any] = {}
        self.sections: list[tuple[str, list[str]]] = []
        self.data: dict[str, Any] = {}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timed_out(self) -> DemoFailed:
        return DemoFailed(f"the demo did not finish within {self.timeout:g} s; "
                          "everything it started was stopped")

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def check(self) -> None:
        if self.stopped():
            raise DemoFailed("the demo was stopped")
        if self.remaining() <= 0:
            raise self.timed_out()

    def preflight(self) -> None:
        """Make sure the interpreter is a CPython >= 3.8 (clear reasons otherwise)."""
        from gil_tui.engine.system.interpreters import probe

        found = probe(self.python, timeout=max(0.05, min(5.0, self.remaining())))
        self.check()
        if not found.supported:
            raise DemoFailed(clean_line(found.reason, max_len=MAX_LINE)
                             or f"{self.python} cannot run the demos")
        self.python = found.path

    def run_script(self, script: str, args: list[str], **kwargs: Any) -> ProcOutcome:
        self.check()
        lifeline = kwargs.setdefault("lifeline", True)
        if lifeline:  # the script ends itself when our end of its stdin closes
            args = [*args, "--lifeline"]
        outcome = run_capped([self.python, str(SCRIPTS_DIR / script), *args],
                             deadline=self.deadline, stop=self.stop, **kwargs)
        if outcome.start_error:
            raise DemoFailed(outcome.start_error)
        return outcome

    def read_lines(self, outcome: ProcOutcome) -> list[dict[str, Any]]:
        """The script's JSON lines (``demo`` field); the probe line fills ``interpreter``.
        A line that is not JSON, or lacks a field its kind needs (:data:`LINE_FIELDS`), is
        skipped: an interpreter's start-up hooks can print anything."""
        lines = []
        for text in outcome.stdout.splitlines():
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError):  # not JSON, a huge number, nested too deeply
                continue
            if isinstance(obj, dict) and isinstance(obj.get("demo"), str) and line_fits(obj):
                lines.append(obj)
                if obj["demo"] == "probe":
                    self.probe = obj
                    self.interpreter = DemoInterpreter.from_probe(self.python, obj)
        return lines

    def finish_script(self, outcome: ProcOutcome, lines: list[dict[str, Any]]) -> None:
        if outcome.stopped:
            raise DemoFailed("the demo was stopped")
        if outcome.timed_out:
            raise self.timed_out()
        if outcome.returncode != 0:
            errors = [clean_line(obj["message"], max_len=MAX_LINE) for obj in lines
                      if obj["demo"] == "error" and "message" in obj]
            tail = [line for line in clean_lines(outcome.stderr) if line.strip()]
            reason = errors[0] if errors else (tail[-1].strip() if tail else "")
            raise DemoFailed(f"the demo script {describe_exit(outcome.returncode)}"
                             + (f": {reason}" if reason else ""))

    def result(self, ok: bool, summary: str, error: str | None = None) -> DemoResult:
        return DemoResult(name=self.info.name, title=self.info.title, ok=ok, summary=summary,
                          interpreter=self.interpreter, sections=self.sections, data=self.data,
                          duration=time.monotonic() - self.began, error=error)


Body = Callable[[DemoRun, dict[str, Any]], str]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 2 ** 63


def _real(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and abs(value) <= 1e15 and math.isfinite(value))


def _stamps(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(s, list) and all(_real(t) for t in s) for s in value)


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


#: what each kind of script line must carry (a missing or wrong field: the line is skipped)
LINE_FIELDS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "trial": {"variant": lambda v: v in ("plain", "call", "lock"), "trial": _whole,
              "expected": _whole, "actual": _whole, "lost": _whole, "seconds": _real},
    "done": {"trials": lambda v: v is None or _whole(v)},
    "interval": {"interval_ms": _real, "wall_s": _real, "cpu_s": _real, "stamps": _stamps},
    "probe": {"start_methods": _names,
              "version_info": lambda v: v is None or (isinstance(v, list)
                                                      and all(_whole(x) for x in v)),
              "switch_interval": lambda v: v is None or _real(v)},
}


#: kinds whose fields may be missing (one that is given must still fit)
_OPTIONAL = ("probe", "done")


def line_fits(obj: dict[str, Any]) -> bool:
    """Whether a script line has the fields its kind needs, of the right types."""
    kind = obj["demo"]
    return all(check(obj[key]) if key in obj else kind in _OPTIONAL
               for key, check in LINE_FIELDS.get(kind, {}).items())


def run_body(info: DemoInfo, python: str | None, timeout: float | None,
             options: dict[str, Any], body: Body) -> DemoResult:
    """Check ``options`` against ``info.defaults``, run ``body``, and make the DemoResult.

    ``timeout`` None: the demo's own (``info.timeout``)."""
    unknown = sorted(set(options) - set(info.defaults) - {"stop"})
    if unknown:
        raise ValueError(f"unknown option(s) for the {info.name} demo: {', '.join(unknown)}; "
                         f"choose from {', '.join(sorted(info.defaults))}, stop")
    stop = options.get("stop")
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise ValueError(f"stop must be a threading.Event, got {stop!r}")
    opts = dict(info.defaults)
    opts.update({k: v for k, v in options.items() if k != "stop"})
    demo = DemoRun(info, python, info.timeout if timeout is None else timeout, stop)
    try:
        summary = body(demo, opts)  # validates its options, then calls demo.preflight()
    except DemoFailed as exc:
        return demo.result(False, str(exc), error=str(exc))
    return demo.result(True, summary)


def whole_option(opts: dict[str, Any], name: str, low: int, high: int) -> int:
    value = opts[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


_FLAGS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def flag_option(opts: dict[str, Any], name: str) -> bool:
    """A yes/no option: True, False, 1, 0, or (from the CLI's ``-o name=yes``) the words
    true/false, yes/no, on/off."""
    value = opts[name]
    if isinstance(value, str) and value.strip().lower() in _FLAGS:
        return _FLAGS[value.strip().lower()]
    if isinstance(value, float) or value not in (True, False, 0, 1):
        raise ValueError(f"{name} must be true or false (1 or 0), got {value!r}")
    return bool(value)


def number_option(opts: dict[str, Any], name: str, low: float, high: float) -> float:
    value = opts[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
        raise ValueError(f"{name} must be a number above {low:g} and at most {high:g}, "
                         f"got {value!r}")
    return float(value)
