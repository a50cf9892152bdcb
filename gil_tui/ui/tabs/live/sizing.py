"""How much work the Live tab's runs do by default, and how long they should take.

A run is there to be watched, so the default scale of the cpu and hash workloads
makes the sequential run last about :data:`~gil_tui.engine.run.calibration.TARGET_S`
seconds on the interpreter at hand (:func:`~gil_tui.engine.run.calibration.default_scale`),
from its calibration: kept in ``calibration.json`` (shared with ``gil-tui bench
--scale auto``), or measured by a short probe before the first run that needs it
(through the Live tab's own runner, so tests replay it). The controls show the
time each run should take (:func:`~gil_tui.engine.run.calibration.expected_seconds`),
or that it is measured on the first run. The waiting workloads (io, sleep) need no
measurement: their default waits are computed (:func:`~gil_tui.engine.run.calibration.wait_scale`).

Each workload keeps its own scale (:meth:`RunSizes.switched`): a cpu scale is a
number of loop iterations, a sleep scale the length of each wait, so one never
carries over to the other.

Without a store (tests) nothing is sized: the scale stays 1.0, as before.
No Textual here.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Sequence

from gil_tui.engine.run.calibration import (
    Calibration,
    CalibrationStore,
    calibrated,
    default_scale,
    expected_seconds,
)
from gil_tui.engine.run.results import RunError
from gil_tui.engine.run.spec import RunSpec, SpecError, Workload
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.ui.selection import Selection
from gil_tui.ui.tabs.live.controls import calibration_target, scale_text

#: What the scale says while the time of its run is not known yet.
UNMEASURED = "measured on first run"

#: A probe run: a spec to its result (the Live tab's runner, driven to the end).
ProbeRun = Callable[[RunSpec], Awaitable[Any]]


def probe_with(runner: Callable[[RunSpec, str | None], Any]) -> ProbeRun:
    """Probe runs through ``runner`` (the Live tab's), driven to their result."""
    from gil_tui.engine.run.runner import drive

    async def probe(spec: RunSpec) -> Any:
        return await drive(runner(spec, None), spec, share=None)

    return probe


class RunSizes:
    """The calibration of each interpreter the Live tab used, kept or measured."""

    def __init__(self, store: Callable[[], CalibrationStore] | None, probe: ProbeRun) -> None:
        self._make_store = store
        self._store: CalibrationStore | None = None
        self._probe = probe
        #: (path, version) -> calibration, once known
        self._known: dict[tuple[str, str], Calibration] = {}
        #: The scale last chosen for the user, per workload (see :meth:`sized`).
        self._auto: dict[Workload, float] = {}
        #: The scale each workload had when another one was picked (see :meth:`switched`).
        self._scales: dict[Workload, float] = {}

    @property
    def enabled(self) -> bool:
        """False without a store: runs keep the scale they are given."""
        return self._make_store is not None

    def _the_store(self) -> CalibrationStore | None:
        if self._store is None and self._make_store is not None:
            self._store = self._make_store()
        return self._store

    def kept(self, python: str, version: str) -> Calibration | None:
        """The calibration of ``python`` at ``version``, if known (no probe runs)."""
        key = (python, version)
        if key not in self._known:
            store = self._the_store()
            found = store.get(python, version) if store is not None else None
            if found is None:
                return None
            self._known[key] = found
        return self._known[key]

    async def measure(self, python: str, version: str) -> Calibration:
        """The calibration, measured now when none is kept (a second or so); raises
        RunError when the probe fails. A file that cannot be written is not an error
        (:meth:`warnings` says it)."""
        store = self._the_store()
        found = await calibrated(python, version, store=store, run_fn=self._run_fn)
        self._known[(python, version)] = found
        return found

    async def _run_fn(self, spec: RunSpec, **_: Any) -> Any:
        return await self._probe(spec)

    def warnings(self) -> list[str]:
        """What went wrong with the file (read or written), said once each."""
        store = self._store
        if store is None or not store.warnings:
            return []
        said, store.warnings = list(store.warnings), []
        return said

    def default_scale(self, sel: Selection, cal: Calibration | None) -> float:
        """The scale of a ~5 s sequential run of the selection's work here (1.0 unknown);
        for waiting work, the length of each wait (no measurement needed)."""
        if not self.enabled:
            return 1.0
        return default_scale(sel.workload, sel.mode, cal)

    @staticmethod
    def expected(sel: Selection, cal: Calibration | None) -> float | None:
        """Seconds the selected run should take on a quiet machine; None unknown."""
        try:
            spec = sel.to_spec()
        except SpecError:
            return None
        return expected_seconds(spec, cal)

    # ------------------------------------------------ for a selection of the Live tab

    def calibration_of(self, sel: Selection, found: Sequence[Interpreter]) -> Calibration | None:
        """The kept calibration of the selection's interpreter, if any."""
        if not self.enabled:
            return None
        return self.kept(*calibration_target(sel, found))

    def default_of(self, sel: Selection, found: Sequence[Interpreter]) -> float:
        return self.default_scale(sel, self.calibration_of(sel, found))

    def expected_of(self, sel: Selection, found: Sequence[Interpreter]) -> float | None:
        return self.expected(sel, self.calibration_of(sel, found))

    def is_default(self, sel: Selection) -> bool:
        """The selection's scale is the one chosen for the user, not with `s`: the default
        last given to its workload (until there is one, 1.0: the settings' default)."""
        return sel.scale == self._auto.get(sel.workload, 1.0)

    def sized(self, sel: Selection, found: Sequence[Interpreter]) -> Selection:
        """``sel`` with the default scale of its interpreter and workload, while its scale is
        the one last chosen for the user (1.0, and this selection's own default, as the
        settings bring it back, count as such: a scale chosen with `s` stays); runs
        without a store are not sized."""
        if not self.enabled:
            return sel
        default = self.default_of(sel, found)
        if not self.is_default(sel) and sel.scale != default:  # (a remembered default is one)
            return sel
        self._auto[sel.workload] = default
        return sel.replace(scale=default)

    def switched(self, old: Selection, new: Selection, found: Sequence[Interpreter]) -> Selection:
        """``new`` (another workload than ``old``, with ``old``'s scale) with the scale of its
        own workload: the one it had when it was left, or its default. A scale given with
        the new workload (a lesson's Try it) stays."""
        if new.workload is old.workload or new.scale != old.scale:
            return new
        self._scales[old.workload] = old.scale
        scale = self._scales.get(new.workload)
        if scale is None or (self._auto.get(new.workload) == scale and self.enabled):
            scale = self.default_of(new, found)  # (its default: for this interpreter)
        return new.replace(scale=scale)

    def needs_probe(self, sel: Selection, found: Sequence[Interpreter]) -> bool:
        """The selection's interpreter was never measured for CPU work: measured before the
        run (then sized, when its scale is the default one)."""
        return (self.enabled and not sel.workload.io_bound
                and self.calibration_of(sel, found) is None)

    def scale_text(self, sel: Selection, found: Sequence[Interpreter]) -> str:
        """``4.4 (~5 s)``; ``auto (measured on first run)`` before the interpreter is
        measured (the run then uses the measured default), ``2 (measured on first run)``
        for a scale chosen with `s` then."""
        expected = self.expected_of(sel, found)
        if expected is not None or not self.needs_probe(sel, found):
            return scale_text(sel, expected)
        value = "auto" if self.is_default(sel) else f"{sel.scale:g}"
        return f"{value} ({UNMEASURED})"

    async def sized_spec(self, spec: RunSpec, sel: Selection, found: Sequence[Interpreter],
                         status: Callable[[str], None], warn: Callable[[str], None]) -> RunSpec:
        """Measure the interpreter of ``sel`` once (a second or so: ``status`` says it),
        then ``spec`` with its default scale; ``spec`` as it was when the probe failed
        (``warn`` says why)."""
        python, version = calibration_target(sel, found)
        status(f"measuring Python {version} once, to size runs to ~5 s…")
        try:
            cal = await self.measure(python, version)
        except RunError as exc:
            warn(f"Not measured ({exc.error.message}): the scale stays {spec.scale:g}.")
            return spec
        for warning in self.warnings():
            warn(warning)
        if spec.workload.io_bound or not self.is_default(sel):
            return spec
        return spec.replace(scale=default_scale(spec.workload, spec.mode, cal))
