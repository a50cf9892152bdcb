"""How long the work takes here: runs sized to be watched (about 5 s), and their expected time.

A scale of 1.0 is a fixed amount of work (15 million Python loop iterations for
``cpu``, 1 GiB of sha256 for ``hash``), so how long it takes depends on the
machine and the interpreter: about 1 s on a fast core, 3 s or more on a slow
one. The app exists to be watched, so its default runs are sized for the
machine at hand: a short probe (a sequential run at :data:`PROBE_SCALE`, a
fraction of a second) measures each interpreter once, the figure is kept in
``calibration.json`` in :func:`gil_tui.paths.data_dir`, keyed by interpreter
path and version, and :func:`default_scale` picks the scale whose sequential
run takes about :data:`TARGET_S` seconds. The probe counts CPU seconds, not
wall time, so a busy machine does not make every later run too short.

The waiting workloads (``io``, ``sleep``) do not depend on the machine: their
scale maps to the delay of each wait (:func:`delay_ms_for`: 1.0 is 100 ms; for
``io`` it is the latency server's delay of each request), so their default is
computed, not measured. A waiting run at once is as many times shorter than its
sequential baseline as it has workers (16 workers on 16 tasks: 16x), so no wait
makes both last ~5 s. The default keeps the baseline near :data:`TARGET_S` and
the parallel run of the Live tab's default (:data:`WAIT_WORKERS` workers on the
default 16 tasks, four rounds of waits) at least :data:`MIN_WATCH_S`: 380 ms
waits, a 6.1 s baseline and a 1.5 s run (:func:`wait_scale`). More workers make
the run shorter (x16: one wait, 0.4 s), as they should.

:func:`expected_seconds` says how long a spec should take in its mode (the UI
shows it next to the scale). Everything here is pure but
:class:`CalibrationStore` (the file) and :func:`measure` / :func:`calibrated`
(the probe run).
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Awaitable, Callable

from gil_tui.engine.run.explain import expected_cores
from gil_tui.engine.run.spec import DEFAULT_TASKS, MAX_SCALE, Mode, RunSpec, Workload
from gil_tui.engine.text import version_label

__all__ = [
    "DELAY_UNIT_MS", "FILE_NAME", "MIN_WATCH_S", "PROBE_SCALE", "TARGET_S", "WAIT_WORKERS",
    "Calibration", "CalibrationStore", "calibrated", "calibration_key", "default_scale",
    "delay_ms_for", "expected_seconds", "measure", "wait_scale",
]

#: seconds a default sequential run should take
TARGET_S = 5.0
#: the scale of the probe runs (a twentieth of the work of 1.0)
PROBE_SCALE = 0.05
#: io and sleep: milliseconds per wait at scale 1.0 (the default delay)
DELAY_UNIT_MS = 100
#: io and sleep: the workers a waiting run starts with in the Live tab (``w``)
WAIT_WORKERS = 4
#: io and sleep: seconds the default parallel run lasts at least (6 frames at 4 Hz)
MIN_WATCH_S = 1.5
FILE_NAME = "calibration.json"
FORMAT = 1
MIN_SCALE = 0.01
#: the probes: cpu first (needed), then hash (its own speed: C code, not Python)
PROBE_WORKLOADS = (Workload.CPU, Workload.HASH)

RunFn = Callable[..., Awaitable[Any]]


def calibration_key(python: str, version: str) -> str:
    """``/usr/bin/python3.13 3.13.1``: one interpreter at one version (an upgrade in place
    measures again)."""
    return f"{python} {version}"


@dataclass(frozen=True)
class Calibration:
    """What the probe measured for one interpreter: CPU seconds per unit of scale."""

    python: str
    version: str                      # with a ``t`` for a free-threaded build
    cpu_s_per_scale: float
    hash_s_per_scale: float | None = None
    cores: int | None = None          # usable cores, as the worker saw them
    gil_enabled: bool | None = None   # at run time
    measured_at: float = 0.0

    @property
    def key(self) -> str:
        return calibration_key(self.python, self.version)

    def seconds_per_scale(self, workload: Workload | str) -> float | None:
        workload = Workload(workload)
        if workload is Workload.CPU:
            return self.cpu_s_per_scale
        if workload is Workload.HASH:
            return self.hash_s_per_scale
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Any) -> "Calibration":
        """Raises ValueError (or TypeError) for anything that is not a sane calibration."""
        if not isinstance(d, dict):
            raise ValueError("not an object")
        cal = cls(python=d["python"], version=d["version"],
                  cpu_s_per_scale=_positive(d["cpu_s_per_scale"]),
                  hash_s_per_scale=_positive(d.get("hash_s_per_scale"), optional=True),
                  cores=d.get("cores"), gil_enabled=d.get("gil_enabled"),
                  measured_at=float(d.get("measured_at", 0.0)))
        if not isinstance(cal.python, str) or not isinstance(cal.version, str):
            raise ValueError("python and version must be text")
        if cal.cores is not None and (type(cal.cores) is not int or cal.cores < 1):
            raise ValueError("cores must be a whole number above 0")
        if cal.gil_enabled not in (None, True, False):
            raise ValueError("gil_enabled must be true, false or null")
        return cal


def _positive(value: Any, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0 or value > 1e6:
        raise ValueError(f"not a time: {value!r}")
    return float(value)


# ------------------------------------------------------------------ pure rules


def _nice(scale: float) -> float:
    """Two significant digits, within the limits of a spec."""
    scale = min(MAX_SCALE, max(MIN_SCALE, scale))
    return min(MAX_SCALE, max(MIN_SCALE, float(f"{scale:.2g}")))


def delay_ms_for(scale: float) -> int:
    """io and sleep: the delay of each wait for a scale (1.0: :data:`DELAY_UNIT_MS`)."""
    return max(1, int(round(DELAY_UNIT_MS * scale)))


def wait_scale(tasks: int, workers: int = WAIT_WORKERS) -> float:
    """io and sleep: the scale of the waits that make ``tasks`` of them in sequence last
    about :data:`TARGET_S`, but at least :data:`MIN_WATCH_S` when ``workers`` wait at
    once (in ``ceil(tasks / workers)`` rounds), rounded up to two digits."""
    rounds = math.ceil(tasks / max(1, min(workers, tasks)))
    wait_s = max(TARGET_S / tasks, MIN_WATCH_S / rounds)
    scale = wait_s * 1000 / DELAY_UNIT_MS
    nice = _nice(scale)
    if nice < scale:  # two digits, rounded up: never shorter than asked
        nice = _nice(float(f"{scale:.2g}") + 10 ** (math.floor(math.log10(scale)) - 1))
    return nice


def default_scale(workload: Workload | str, mode: Mode | str,
                  calibration: Calibration | None) -> float:
    """The scale whose *sequential* run of ``workload`` takes about :data:`TARGET_S` here.

    The same for every ``mode``, on purpose: runs that differ only in mode must do the
    same work to compare (and to share one sequential baseline). Without a calibration
    (or a hash figure) the scale is 1.0. io and sleep: the scale of the delays
    (:func:`delay_ms_for`) of :func:`wait_scale` for the default task count (the
    sequential run ~6 s, :data:`WAIT_WORKERS` at once 1.5 s).
    """
    workload = Workload(workload)
    Mode(mode)  # validates
    if workload.io_bound:
        return wait_scale(DEFAULT_TASKS[workload])
    per = calibration.seconds_per_scale(workload) if calibration is not None else None
    if not per:
        return 1.0
    return _nice(TARGET_S / per)


def expected_seconds(spec: RunSpec, calibration: Calibration | None) -> float | None:
    """How long ``spec`` should take in its mode on a quiet machine; None when unknown
    (cpu or hash without a calibration of it).

    Waiting work: one wait per task, ``workers`` at once. CPU work: the sequential time
    from the calibration, shared by the cores its mode can use (:func:`expected_cores`,
    with the cores and GIL state the probe saw), task by task.
    """
    tasks = spec.effective_tasks
    if spec.workload.io_bound:
        wait = spec.delay_ms / 1000
        at_once = 1 if spec.mode is Mode.SEQUENTIAL else min(spec.workers, tasks)
        return math.ceil(tasks / at_once) * wait
    per = calibration.seconds_per_scale(spec.workload) if calibration is not None else None
    if not per or calibration is None:
        return None
    sequential = per * spec.scale
    width = expected_cores(spec.workload, spec.mode, spec.workers, calibration.cores or 1,
                           calibration.gil_enabled, tasks)
    if width <= 1:
        return sequential
    if spec.workers <= width:  # every worker has a core: the tasks go in waves
        return sequential * math.ceil(tasks / spec.workers) / tasks
    return sequential / width


# ------------------------------------------------------------------ the file


class CalibrationStore:
    """``calibration.json``: one calibration per interpreter and version.

    A file that cannot be read or is not ours (garbage, a wrong format, bad values)
    gives one warning (:attr:`warnings`) and counts as empty: the interpreter is
    measured again, and the next :meth:`put` writes a good file over it.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            from gil_tui import paths

            path = paths.data_dir() / FILE_NAME
        self.path = Path(path)
        self.warnings: list[str] = []
        self._entries: dict[str, Calibration] | None = None

    def _read(self) -> dict[str, Calibration]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self._entries
        except (OSError, UnicodeDecodeError) as exc:
            self._warn(f"cannot be read ({exc})")
            return self._entries
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT \
                    or not isinstance(data.get("interpreters"), dict):
                raise ValueError("not a gil-tui calibration file")
            for key, item in data["interpreters"].items():
                cal = Calibration.from_dict(item)
                self._entries[cal.key] = cal
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            self._entries = {}
            self._warn(f"is not a calibration gil-tui can use ({type(exc).__name__}: "
                       f"{str(exc)[:80]})")
        return self._entries

    def _warn(self, why: str) -> None:
        self.warnings.append(f"{self.path} {why}; the interpreters are measured again")

    def get(self, python: str, version: str) -> Calibration | None:
        return self._read().get(calibration_key(python, version))

    def put(self, calibration: Calibration) -> None:
        """Keep ``calibration`` (written at once, atomically); raises OSError."""
        entries = dict(self._read())
        entries[calibration.key] = calibration
        data = {"format": FORMAT,
                "interpreters": {k: v.to_dict() for k, v in sorted(entries.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        self._entries = entries


# ------------------------------------------------------------------ the probe


def from_results(python: str, results: dict[Workload, Any]) -> Calibration:
    """A calibration from the probe runs (RunResults of :data:`PROBE_SCALE`, keyed by
    workload; cpu is needed). CPU seconds count, unless the clock said nothing."""
    def per_scale(result: Any) -> float:
        spent = result.cpu_s if 0 < result.cpu_s <= result.wall_s * 1.2 else result.wall_s
        return max(spent, 1e-6) / result.spec.scale

    cpu = results[Workload.CPU]
    info = cpu.interpreter
    hashed = results.get(Workload.HASH)
    return Calibration(
        python=python, version=version_label(info.version, info.free_threaded),
        cpu_s_per_scale=per_scale(cpu),
        hash_s_per_scale=per_scale(hashed) if hashed is not None else None,
        cores=info.cpu_count, gil_enabled=info.gil_enabled, measured_at=time.time())


async def measure(python: str, *, run_fn: RunFn | None = None) -> Calibration:
    """Run the probes with ``python`` (a fraction of a second each); raises RunError.
    A hash probe that fails leaves the hash figure unknown."""
    if run_fn is None:
        from gil_tui.engine.run.runner import run as run_fn
    results: dict[Workload, Any] = {}
    for workload in PROBE_WORKLOADS:
        spec = RunSpec(workload, Mode.SEQUENTIAL, workers=1, scale=PROBE_SCALE, python=python)
        try:
            results[workload] = await run_fn(spec)
        except Exception:
            if workload is Workload.CPU:
                raise
    return from_results(python, results)


async def calibrated(python: str, version: str | None = None, *,
                     store: CalibrationStore | None = None,
                     run_fn: RunFn | None = None) -> Calibration:
    """The calibration of ``python`` at ``version`` (``3.13.1``, ``3.14.0t``: as
    :func:`gil_tui.engine.text.version_label` writes it): kept, or
    measured now and kept. Without ``version`` it is always measured (the probe says it).
    A file that cannot be written is a warning in ``store.warnings``."""
    store = store if store is not None else CalibrationStore()
    if version is not None:
        found = store.get(python, version)
        if found is not None:
            return found
    cal = await measure(python, run_fn=run_fn)
    if version is not None:  # kept under the version it will be asked for
        cal = replace(cal, version=version)
    try:
        store.put(cal)
    except OSError as exc:
        store.warnings.append(f"the calibration was not kept ({exc})")
    return cal
