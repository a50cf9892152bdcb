"""What the Compare tab will run next, and the keys that change it.

Pure Python (no Textual): workload, interpreters, workers (``None``: the
engine's default), scale, runs per cell, and for the scaling view the mode and
the largest worker count. Also the `gil-tui compare` command line that prints
the same table, for the copy key's hint.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from typing import Any, Sequence

from gil_tui.engine.compare.model import MODES_FOR, default_targets, default_workers
from gil_tui.engine.run.spec import MAX_WORKERS, Mode, Workload, mode_unavailable
from gil_tui.engine.text import plural
from gil_tui.ui.selection import next_option

WORKLOADS = (Workload.CPU, Workload.IO, Workload.HASH)
SCALES = (0.1, 0.25, 0.5, 1.0, 2.0)
REPEATS = (1, 3, 5)


def sweep_modes(workload: Workload) -> tuple[Mode, ...]:
    """The modes a scaling sweep can use for this workload (never sequential)."""
    return tuple(m for m in MODES_FOR[workload] if m is not Mode.SEQUENTIAL)


def auto_workers(workload: Workload, cores: int | None = None) -> int:
    """The matrix's default workers: the engine's, or from ``cores`` when it is given."""
    if cores is None or workload.io_bound:
        return default_workers(workload)
    return max(2, cores)


def _step(value: int | None, auto: int, step: int, low: int) -> int | None:
    """One more/fewer than the current value; back to ``None`` (auto) when it meets auto."""
    current = auto if value is None else value
    new = min(MAX_WORKERS, max(low, current + step))
    return None if new == auto else new


@dataclass(frozen=True)
class CompareChoice:
    workload: Workload = Workload.CPU
    #: interpreter paths in the matrix, in order (the current one first)
    paths: tuple[str, ...] = ()
    #: workers of the matrix's parallel modes; None: the engine's default
    workers: int | None = None
    scale: float = 1.0
    repeat: int = 3
    #: the scaling view's mode and its largest worker count (None: twice the cores)
    sweep_mode: Mode = Mode.THREADS
    sweep_max: int | None = None
    #: the one interpreter the scaling view sweeps (None: the first of ``paths``)
    sweep_path: str | None = None
    #: True when ``paths`` are the reader's (ticked, or restored from the settings): a
    #: rescan keeps them where they still exist, instead of the default ones
    picked: bool = False

    def replace(self, **changes: Any) -> "CompareChoice":
        return dataclasses.replace(self, **changes)

    def next_workload(self) -> "CompareChoice":
        workload = next_option(WORKLOADS, self.workload)
        mode = self.sweep_mode if self.sweep_mode in sweep_modes(workload) else Mode.THREADS
        return self.replace(workload=workload, workers=None, sweep_mode=mode)

    def next_scale(self) -> "CompareChoice":
        return self.replace(scale=next_option(SCALES, self.scale))

    def next_repeat(self) -> "CompareChoice":
        return self.replace(repeat=next_option(REPEATS, self.repeat))

    def next_sweep_mode(self) -> "CompareChoice":
        return self.replace(sweep_mode=next_option(sweep_modes(self.workload), self.sweep_mode))

    def next(self, what: str) -> "CompareChoice":
        """The next value of one control: ``workload``, ``scale``, ``repeat`` or ``mode``
        (the scaling view's)."""
        steps = {"workload": self.next_workload, "scale": self.next_scale,
                 "repeat": self.next_repeat, "mode": self.next_sweep_mode}
        return steps[what]()

    def add_workers(self, step: int, cores: int | None = None) -> "CompareChoice":
        auto = auto_workers(self.workload, cores)
        return self.replace(workers=_step(self.workers, auto, step, 1))

    def add_sweep_max(self, step: int, cores: int) -> "CompareChoice":
        return self.replace(sweep_max=_step(self.sweep_max, 2 * cores, step, 2))

    def workers_text(self, cores: int | None = None) -> str:
        if self.workers is None:
            return f"auto ({auto_workers(self.workload, cores)})"
        return str(self.workers)

    def sweep_text(self, cores: int) -> str:
        if self.sweep_max is None:
            return f"1-{2 * cores} (auto)"
        return f"1-{self.sweep_max}"


def compare_command(workload: Workload | str, paths: Sequence[str], *, workers: int | None,
                    scale: float, repeat: int, sweep: Mode | None = None,
                    fmt: str = "markdown") -> str:
    """The `gil-tui compare` command line that prints the same table."""
    workload = Workload(workload)
    words = ["gil-tui", "compare", workload.value]
    if sweep is not None:
        words += ["--sweep", sweep.value]
    for path in paths:
        words += ["--python", path]
    if workers is not None:
        words += ["--workers", str(workers)]
    if not workload.io_bound:
        words += ["--scale", f"{scale:g}"]
    if repeat != 1:
        words += ["--repeat", str(repeat)]
    words.append(f"--{fmt}")
    return " ".join(shlex.quote(w) for w in words)


def control_items(choice: CompareChoice, *, view: str, pythons: Sequence[str] | None,
                  cores: int, fixed_cores: int | None = None,
                  table: tuple[int, int] | None = None) -> list[tuple[str, str, str]]:
    """The controls line as (key, name, value) groups. ``pythons``: the selected
    interpreters' labels (None while still looking); ``table``: (n, of) when paging."""
    if pythons is None:
        names = "looking…"
    elif not pythons:
        names = "none"
    elif view == "scaling":
        names = pythons[0]
    else:
        names = ", ".join(pythons[:3]) + (f" +{len(pythons) - 3}" if len(pythons) > 3 else "")
    items = [("w", "workload", choice.workload.value)]
    if view == "scaling":
        items += [("m", "mode", choice.sweep_mode.value), ("i", "python", names),
                  ("+/-", "workers", choice.sweep_text(cores))]
    else:
        items += [("i", "pythons", names), ("+/-", "workers", choice.workers_text(fixed_cores))]
    if not choice.workload.io_bound:
        items.append(("s", "scale", f"{choice.scale:g}"))
    items += [("n", "runs", str(choice.repeat)), ("v", "view", view)]
    if table is not None and table[1] > 1:
        items.append(("[ ]", "table", f"{table[0]}/{table[1]}"))
    return items


def idle_text(choice: CompareChoice, *, view: str, pythons: Sequence[str] | None,
              cores: int, runs: int | None = None, modes: str | None = None,
              refused: str | None = None) -> str:
    """What `r` will do, for the progress line while nothing runs. ``runs``: the plan's
    runs and ``modes`` its modes per interpreter (``3-4`` when not every interpreter can
    run every mode), when known; ``refused``: why `r` cannot run it."""
    if pythons is None:
        return "Looking for interpreters (the Interpreters tab scans them)…"
    if not pythons:
        return "No supported interpreter to run: see the Interpreters tab."
    if refused:
        return refused
    if view == "scaling":
        top = choice.sweep_max or 2 * cores
        return (f"r sweeps {choice.sweep_mode.value} on {pythons[0]} with 1 to {top} workers: "
                f"{(1 + top) * choice.repeat} runs")
    n = len(pythons)
    modes = modes or str(len(MODES_FOR[choice.workload]))
    if runs is None:
        runs = n * int(modes.split("-")[-1]) * choice.repeat
    return f"r runs {plural(n, 'python')} x {modes} modes x {choice.repeat} = {runs} runs"


def sweep_refusal(choice: CompareChoice, python: str, version_info: Sequence[int] | None,
                  implementation: str | None = "cpython") -> str | None:
    """Why the scaling view cannot sweep ``choice.sweep_mode`` on that interpreter
    (``subinterpreters`` need CPython 3.12+), in one line; None when it can."""
    if not version_info:
        return None
    why = mode_unavailable(choice.sweep_mode, tuple(version_info), implementation or "cpython")
    if why is None:
        return None
    return (f"{choice.sweep_mode.value} on {python}: {why} · i chooses another python, "
            f"m another mode")


def usable_interpreters(found: Sequence[Any], keep: Sequence[str] = ()
                        ) -> tuple[list[Any], tuple[str, ...]]:
    """The supported interpreters, the current one first, and the paths to select:
    ``keep`` (what the user picked) where they still exist, else the engine's default
    (one per version and build, free-threaded builds always)."""
    usable = sorted((i for i in found if i.supported and i.version_info),
                    key=lambda i: (i.source != "current", tuple(i.version_info),
                                   i.free_threaded))
    paths = [i.path for i in usable]
    kept = [p for p in keep if p in paths]
    if not kept:
        wanted = {t.path for t in default_targets(usable)}
        kept = [p for p in paths if p in wanted]
    return usable, tuple(p for p in paths if p in kept)
