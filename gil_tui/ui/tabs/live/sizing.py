"""How much work the Live tab's runs do by default, and how long they should take.

A run is there to be watched, so the default scale of the cpu and hash workloads
makes the sequential run last about :data:`~gil_tui.engine.run.calibration.TARGET_S`
seconds on the interpreter at hand (:func:`~gil_tui.engine.run.calibration.default_scale`),
from its calibration: kept in ``calibration.json`` (shared with ``gil-tui bench
--scale auto``), or measured by a short probe before the first run that needs it
(through the Live tab's own runner, so tests replay it). The controls show the
time each run should take (:func:`~gil_tui.engine.run.calibration.expected_seconds`).

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
from gil_tui.engine.run.spec import RunSpec, SpecError
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.ui.selection import Selection
from gil_tui.ui.tabs.live.controls import calibration_target

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
        #: The scale last chosen for the user (see :meth:`sized`).
        self.auto_scale = 1.0

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

    def sized(self, sel: Selection, found: Sequence[Interpreter]) -> Selection:
        """``sel`` with the default scale of its interpreter and workload, while its scale is
        the one last chosen for the user (1.0, and this selection's own default, as the
        settings bring it back, count as such: a scale chosen with `s` stays); runs
        without a store are not sized."""
        if not self.enabled:
            return sel
        default = self.default_of(sel, found)
        if sel.scale not in (self.auto_scale, 1.0, default):  # (a remembered default is one)
            return sel
        self.auto_scale = default
        return sel.replace(scale=default)

    def needs_probe(self, sel: Selection, found: Sequence[Interpreter]) -> bool:
        """The selection is sized by default, but its interpreter was never measured."""
        return (self.enabled and not sel.workload.io_bound
                and sel.scale in (self.auto_scale, 1.0)
                and self.calibration_of(sel, found) is None)

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
        if spec.workload.io_bound or spec.scale not in (self.auto_scale, 1.0):
            return spec
        return spec.replace(scale=default_scale(spec.workload, spec.mode, cal))
