"""The Live tab's controls line and its choice of interpreter, without Textual.

Each interpreter is shown with where it comes from (``3.11.7 (GIL) · venv`` next to
``3.11.7 (GIL) · pyenv``), the ones gil-tui cannot run are named with the reason
(:func:`not_offered`), a mode the chosen interpreter cannot run is greyed with
why (:func:`mode_text`), the scale carries the time a run should take, and the
default start method says which one it is.
"""

from __future__ import annotations

import sys
from typing import Sequence

from rich.text import Text

from gil_tui.engine.run.spec import MAX_SCALE, Mode, mode_unavailable
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.system.locations import venv_root
from gil_tui.engine.text import duration_words, join_words, version_label
from gil_tui.ui.selection import Selection, next_option
from gil_tui.ui.tabs.interpreters.rows import support_text
from gil_tui.ui.text import Item

#: The scales `s` steps through, as multiples of the default one (1.0 until the
#: interpreter is calibrated: then these are the old fixed choices).
SCALE_FACTORS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)

#: How each discovery source is named next to an interpreter.
ORIGINS = {"pyenv": "pyenv", "uv": "uv", "path": "PATH", "added": "added"}


def origin(interp: Interpreter) -> str:
    """Where an interpreter comes from: ``venv`` (gil-tui's own, in a venv), ``this
    Python`` (gil-tui's own), ``pyenv``, ``uv``, ``PATH`` or ``added``."""
    if interp.source == "current":
        return "venv" if venv_root(interp.path) else "this Python"
    return ORIGINS.get(interp.source, interp.source)


def python_text(interp: Interpreter) -> str:
    """``3.11.7 (GIL) · pyenv``."""
    return f"{interp.label()} · {origin(interp)}"


def chosen_interpreter(sel: Selection, found: Sequence[Interpreter]) -> Interpreter | None:
    """The interpreter the selection runs in (gil-tui's own until one is chosen), if found."""
    if sel.python is None:
        return next((i for i in found if i.source == "current"), None)
    return next((i for i in found if i.path == sel.python), None)


def version_of(sel: Selection, found: Sequence[Interpreter]) -> tuple[tuple[int, ...], str]:
    """(version_info, implementation) of the selection's interpreter; gil-tui's own
    when it runs there, or while nothing is known of the chosen one."""
    interp = chosen_interpreter(sel, found)
    if interp is not None and interp.version_info is not None:
        return tuple(interp.version_info), interp.implementation or "cpython"
    return tuple(sys.version_info[:3]), sys.implementation.name


def calibration_target(sel: Selection, found: Sequence[Interpreter]) -> tuple[str, str]:
    """(path, version) the selection's calibration is kept under (as ``gil-tui bench
    --scale auto`` keeps it: the path as given, ``3.13.1`` / ``3.14.0t``)."""
    interp = chosen_interpreter(sel, found)
    if interp is not None and interp.version is not None:
        return interp.path, version_label(interp.version, interp.free_threaded)
    import platform
    import sysconfig

    free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return sel.python or sys.executable, version_label(platform.python_version(), free)


def mode_problem(sel: Selection, found: Sequence[Interpreter]) -> str | None:
    """Why the selection's interpreter cannot run its mode (``needs CPython 3.12+``), or None."""
    info, implementation = version_of(sel, found)
    return mode_unavailable(sel.mode, info, implementation)


def mode_warning(sel: Selection, found: Sequence[Interpreter], *, running: bool) -> str | None:
    """What to say when the selected mode cannot run in the selected interpreter: as `m`
    reaches it, or as `r` is refused (``running``); None when it can."""
    problem = mode_problem(sel, found)
    if problem is None:
        return None
    if running:
        return f"Not run: {sel.mode.value} {problem}; m picks another mode, i another Python."
    return f"{sel.mode.value}: {problem} (i picks another Python)."


def mode_text(sel: Selection, found: Sequence[Interpreter]) -> str | Text:
    """The mode; greyed with the reason when the interpreter cannot run it."""
    problem = mode_problem(sel, found)
    if problem is None:
        return sel.mode.value
    return Text(f"{sel.mode.value} ({problem})", style="dim strike")


def about(seconds: float | None) -> str:
    """``~5 s``, ``~1.5 s`` (tenths under 3 s), ``~1 m 10 s``, ``<1 s`` for an expected
    duration; "" when unknown."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "<1 s"
    if seconds < 3:
        return f"~{seconds:.1f}".rstrip("0").rstrip(".") + " s"
    return f"~{duration_words(seconds)}"


def scale_text(sel: Selection, expected: float | None) -> str:
    """``1.7 (~5 s)``: the scale, and how long the run should take on a quiet machine."""
    when = about(expected)
    return f"{sel.scale:g}" + (f" ({when})" if when else "")


def start_text(sel: Selection, default_method: str | None) -> str:
    """``fork``, or ``default (fork)``: which one the interpreter's default is."""
    if sel.start_method:
        return sel.start_method
    return f"default ({default_method})" if default_method else "default"


def control_items(sel: Selection, hz: float, found: Sequence[Interpreter] = (),
                  expected: float | None = None, scale: str | None = None) -> list[Item]:
    """What each key sets now: ``w workload cpu``, ``m mode threads``, ...; the scale of
    every workload (for io and sleep: the length of each wait) with the time its run
    should take (``scale``: that text as the sizing says it, else from ``expected``)."""
    tasks = sel.to_spec().effective_tasks
    items: list[Item] = [
        ("w", "workload", sel.workload.value), ("m", "mode", mode_text(sel, found)),
        ("+/-", "workers", "1" if sel.mode is Mode.SEQUENTIAL else str(sel.workers)),
        ("t", "tasks", str(tasks)),
        ("s", "scale", scale if scale is not None else scale_text(sel, expected))]
    if sel.mode is Mode.PROCESSES:
        interp = chosen_interpreter(sel, found)
        items.append(("k", "start", start_text(sel, interp.start_method if interp else None)))
    interp = chosen_interpreter(sel, found)
    python = python_text(interp) if interp is not None and interp.supported else sel.python_label
    items += [("i", "python", python), ("f", "sampling", f"{hz:g} Hz")]
    return items


def next_python(sel: Selection, found: Sequence[Interpreter]) -> Selection | None:
    """The selection with the next supported interpreter; None while none is known."""
    choices = [i for i in found if i.supported]
    if not choices:
        return None
    paths = [i.path for i in choices]
    current = sel.python if sel.python in paths else None
    if current is None and sel.python is None:  # gil-tui's own is the one in use
        current = next((i.path for i in choices if i.source == "current"), None)
    chosen = choices[0] if current is None else \
        next_option(choices, choices[paths.index(current)])
    return sel.replace(python=chosen.path, python_label=chosen.label())


def with_current_python(sel: Selection, found: Sequence[Interpreter]) -> Selection:
    """Until an interpreter is chosen, the label of the one gil-tui runs on."""
    if sel.python is None:
        current = next((i for i in found if i.source == "current"), None)
        if current is not None:
            return sel.replace(python_label=current.label())
    return sel


def not_offered(found: Sequence[Interpreter]) -> str:
    """One line naming the interpreters `i` skips and why (empty when it skips none):
    ``Not offered: 2.7.18, 3.6.15 and 3.7.16 (needs 3.8+).``"""
    groups: dict[str, list[str]] = {}
    for interp in found:
        if interp.supported:
            continue
        name = interp.label().replace(" (unsupported)", "") if interp.version else interp.path
        groups.setdefault(support_text(interp), []).append(name)
    if not groups:
        return ""
    parts = [f"{join_words(names)} ({why})" for why, names in groups.items()]
    return "Not offered: " + "; ".join(parts) + "."


def python_message(sel: Selection, found: Sequence[Interpreter]) -> str:
    """What `i` says: the interpreter chosen, where it is (n of m), and what is skipped."""
    choices = [i for i in found if i.supported]
    interp = chosen_interpreter(sel, found)
    text = ""
    if interp is not None and interp in choices:
        text = f"Python {python_text(interp)} ({choices.index(interp) + 1} of {len(choices)})."
    skipped = not_offered(found)
    return f"{text} {skipped}".strip()


def scale_choices(default: float) -> list[float]:
    """The scales `s` offers: :data:`SCALE_FACTORS` times the default, two digits each."""
    choices = {min(MAX_SCALE, float(f"{default * factor:.2g}")) for factor in SCALE_FACTORS}
    return sorted(choice for choice in choices if choice > 0)


def next_scale(sel: Selection, default: float) -> Selection:
    """The selection with the next scale around the default one."""
    return sel.replace(scale=next_option(scale_choices(default), sel.scale))
