"""The verdict under a matrix: one paragraph derived from its numbers only.

"On 3.14t threads scaled 1.90x; on 3.14 they did not (1.02x). Processes scaled
on both (1.85x, 1.88x)." Every sentence comes from the cells' speedups, the GIL
state each worker reported, the workload and the usable cores; a reason (the
GIL, a C library releasing it, waiting on the network, a GIL per subinterpreter)
is given only when the numbers show the pattern it explains. A mode some
interpreters could not run (subinterpreters before 3.12) is named with the
reason. A speedup "scaled", was "flat" or "slower" by
:func:`gil_tui.engine.text.speedup_level`, the thresholds every view uses.

A noisy cell (:mod:`gil_tui.engine.compare.noise`: a speedup its mode cannot reach
here, other programs on the cores it needed, or a shared baseline) is never a
finding: the mode sentences leave it out and one sentence names it with its
reason ("Noisy, not counted: 3.13 threads 1.31x (...)"), so threads on a GIL
build never "scaled" on CPU work, and a shared machine is named with the cores
other programs used.

This is the one verdict: ``compare --json``, the text and Markdown exports and
the Compare tab all call :func:`verdict`.
"""

from __future__ import annotations

from gil_tui.engine.compare.model import Cell, MatrixResult, Target
from gil_tui.engine.compare.noise import matrix_noise
from gil_tui.engine.run.explain import CONTENDED
from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.engine.text import join_words, plural, seconds, speedup, speedup_level

__all__ = ["verdict"]

#: When every speedup is noisy, they are named one by one only up to this many.
MAX_LISTED = 4

_NOUN = {Mode.THREADS: "threads", Mode.PROCESSES: "processes", Mode.ASYNCIO: "asyncio",
         Mode.SUBINTERPRETERS: "subinterpreters"}

#: Why subinterpreters scale, in one line (said where they did).
SUBINTERPRETERS_WHY = ("Each subinterpreter has its own GIL (3.12+): Python on several cores "
                       "in one process, no shared objects, a start-up cost measured by "
                       "gil-tui costs.")


def _speeds(cells: list[Cell]) -> str:
    return ", ".join(speedup(c.speedup) for c in cells if c.speedup is not None)


def _scaled(cells: list[Cell]) -> str:
    return _speeds(cells) if len(cells) == 1 else f"({_speeds(cells)})"


def _mode_sentence(mode: Mode, cells: list[Cell], labels: dict[str, str], total: int) -> str:
    noun = _NOUN[mode]
    scaled = [c for c in cells if speedup_level(c.speedup) == "good"]
    slower = [c for c in cells if speedup_level(c.speedup) == "slow"]
    flat = [c for c in cells if speedup_level(c.speedup) == "flat"]
    name = lambda group: join_words([labels[c.target.path] for c in group])  # noqa: E731
    if len(scaled) == len(cells) and len(cells) > 1:
        where = name(cells)
        if len(cells) == total:
            where = "both" if total == 2 else f"all {total}"
        return f"{noun.capitalize()} scaled on {where} ({_speeds(cells)})."
    if len(flat) == len(cells) and len(cells) > 1:
        which = "either" if len(cells) == 2 else "any"
        return f"{noun.capitalize()} did not scale on {which} ({_speeds(cells)})."
    if len(slower) == len(cells) and len(cells) > 1:
        return f"{noun.capitalize()} were slower than sequential on every one ({_speeds(cells)})."
    parts = []
    if scaled:
        parts.append(f"on {name(scaled)} {noun} scaled {_scaled(scaled)}")
    if flat:
        they = "they" if parts else noun
        parts.append(f"on {name(flat)} {they} did not scale ({_speeds(flat)})"
                     if not parts else f"on {name(flat)} they did not ({_speeds(flat)})")
    if slower:
        they = "they" if parts else noun
        parts.append(f"on {name(slower)} {they} were slower than sequential ({_speeds(slower)})")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _scaled_up(cell: Cell) -> bool:
    return speedup_level(cell.speedup) == "good"


def _why(workload: Workload, mode: Mode, cells: list[Cell]) -> str:
    """A reason, only where the numbers show the pattern it explains."""
    if mode is Mode.SUBINTERPRETERS:
        return SUBINTERPRETERS_WHY if any(_scaled_up(c) for c in cells) else ""
    if mode is not Mode.THREADS:
        return ""
    gil_on = [c for c in cells if c.gil_enabled is not False]
    gil_off = [c for c in cells if c.gil_enabled is False]
    if workload is Workload.CPU:
        stuck = [c for c in gil_on if not _scaled_up(c)]
        free = [c for c in gil_off if _scaled_up(c)]
        if stuck and free:
            return ("With the GIL only one thread runs Python at a time; without it, "
                    "threads ran on several cores at once.")
        if stuck and stuck == gil_on and not gil_off:
            return "With the GIL only one thread runs Python bytecode at a time."
        if free and free == gil_off and not gil_on:
            return "Without a GIL, threads ran Python on several cores at once."
    if workload is Workload.HASH and any(_scaled_up(c) for c in gil_on):
        return "Threads scaled even with the GIL: hashlib releases it while hashing large buffers."
    if workload is Workload.IO and any(_scaled_up(c) for c in gil_on):
        return "The GIL does not hold back waiting: a thread blocked on the network lets it go."
    if workload is Workload.SLEEP and any(_scaled_up(c) for c in gil_on):
        return "The GIL does not hold back waiting: a sleeping thread lets it go."
    return ""


def _overhead(result: MatrixResult, labels: dict[str, str], noise: dict) -> str:
    """Single-thread cost of a free-threaded build against the nearest GIL build (not
    from a sequential run that was itself noisy)."""
    seq = {c.target.path: c for c in result.cells
           if c.mode is Mode.SEQUENTIAL and c.ok and c.median_s and c.key not in noise}
    ft = [t for t in result.targets if t.free_threaded and t.path in seq]
    gil = [t for t in result.targets if not t.free_threaded and t.path in seq]
    if not ft or not gil:
        return ""
    out = []
    for f in ft:
        g = min(gil, key=lambda t: (_distance(t, f), t.path))
        ratio = seq[f.path].median_s / seq[g.path].median_s
        if abs(ratio - 1) < 0.03:
            out.append(f"Sequential, {labels[f.path]} was as fast as {labels[g.path]}.")
        elif ratio > 1:
            out.append(f"Sequential, {labels[f.path]} took {100 * (ratio - 1):.0f}% longer than "
                       f"{labels[g.path]}: the single-thread cost of the free-threaded build.")
        else:
            out.append(f"Sequential, {labels[f.path]} was {100 * (1 - ratio):.0f}% faster than "
                       f"{labels[g.path]}.")
    return " ".join(out)


def _distance(a: Target, b: Target) -> tuple:
    def parts(t: Target) -> tuple[int, ...]:
        try:
            return tuple(int(p) for p in (t.version or "0").split(".")[:2])
        except ValueError:
            return (0, 0)
    pa, pb = parts(a), parts(b)
    return (abs(pa[0] - pb[0]), abs(pa[1] - pb[1]) if len(pa) > 1 and len(pb) > 1 else 0)


def _noise(result: MatrixResult, ok: list[Cell], noise: dict) -> str:
    """A warning when the numbers themselves say the machine was busy with something else
    (CPU work only: waiting work leaves the cores idle, and is not capped by them): a
    sequential run without a whole core, a speedup its mode cannot reach here (threads on
    a GIL build cannot run pure Python in parallel), other programs measured taking cores.
    Whenever other programs are part of a reason (:attr:`Noise.crowd`: on cores the runs
    needed, or from SHARED on), the warning names their cores, in the same clause."""
    if result.workload.io_bound:
        return ""
    seq = [c for c in result.cells if c.mode is Mode.SEQUENTIAL and c.ok and c.busy_cores]
    low = min((c.busy_cores for c in seq), default=1.0)
    cores = result.cores
    measured = [n.crowd for n in noise.values() if n.crowd is not None]
    others = (f"other programs used up to {max(measured):.1f} cores during these runs"
              if measured else "")
    if low < CONTENDED:
        why = (f" and {others}, so these figures are noisy" if others else
               ", so other programs were competing for the CPU and these figures are noisy")
        return (f"Careful: a sequential run kept only {low:.2f} of a core busy{why}; the "
                "noisy ones are not counted below. Repeat the matrix (more runs per cell) "
                "on a quieter machine.")
    also = f"; {others}" if others else ""
    beyond = [c for c in ok if noise.get(c.key) is not None and noise[c.key].kind == "beyond"]
    gil = [c for c in beyond if result.workload is Workload.CPU and c.mode is Mode.THREADS
           and c.gil_enabled is not False]
    if gil:
        labels = result.labels()
        return (f"Careful: threads on a GIL build cannot run pure Python in parallel, so "
                f"{labels[gil[0].target.path]}'s {speedup(gil[0].speedup)} is noise, not a "
                "speedup (its sequential run was slowed, by other programs or a CPU that "
                f"changed speed{also}); repeat the matrix with more runs per cell, on a "
                "quieter machine.")
    if beyond and cores:
        return (f"Careful: a speedup above what {cores} cores allow "
                f"({speedup(beyond[0].speedup)}) means the machine ran at different speeds "
                "from run to run (other programs, or a CPU or virtual machine that slows down "
                f"under load{also}), so these figures are noisy; repeat the matrix with "
                "more runs per cell, on a quieter machine.")
    if measured:
        return (f"Careful: {others}, so these figures are noisy; repeat the matrix when the "
                "machine is quiet.")
    return ""


def _not_counted(result: MatrixResult, noisy: list[Cell], noise: dict,
                 labels: dict[str, str]) -> str:
    """``Noisy, not counted: 3.13 threads 1.31x (more than ...).``: the figures the mode
    sentences leave out, each with its reason."""
    parts = []
    for c in noisy:
        why = noise[c.key]
        if (why.kind == "beyond" and c.mode is Mode.THREADS and c.gil_enabled is not False
                and result.workload is Workload.CPU):
            reason = "noise: threads on a GIL build keep one core busy on this work"
        else:
            reason = why.words
        parts.append(f"{labels[c.target.path]} {_NOUN[c.mode]} {speedup(c.speedup)} ({reason})")
    return "Noisy, not counted: " + "; ".join(parts) + "."


def _limit(result: MatrixResult) -> str:
    """What the parallel modes could gain here at best: the cores cap CPU work; waits
    overlap, so waiting work is capped by the workers (and tasks) instead."""
    plan, cores = result.plan, result.cores
    workers = plural(plan.workers, "worker")
    if result.workload.io_bound:
        cap = min(plan.workers, plan.tasks or plan.workers)
        return (f"With {workers}, waiting work can gain up to {cap}x here: the waits "
                "overlap, and the cores do not cap them.")
    if not cores:
        return ""
    return (f"With {workers} on {plural(cores, 'usable core')}, CPU-bound work can gain at "
            f"most {min(cores, plan.workers)}x here.")


def verdict(result: MatrixResult) -> str:
    """One paragraph on what the matrix shows; empty figures give a sentence saying so."""
    labels = result.labels()
    sentences: list[str] = []
    if result.cancelled:
        sentences.append("The matrix was cancelled, so these figures are partial.")
    ok = [c for c in result.cells if c.ok and c.speedup is not None]
    noise = matrix_noise(result)
    warning = _noise(result, ok, noise)
    if warning:
        sentences.append(warning)
    if not ok:
        sentences.append("No interpreter finished a sequential run and another mode, "
                         "so there is nothing to compare yet.")
    parallel = [c for c in ok if c.mode is not Mode.SEQUENTIAL]
    counted = [c for c in parallel if c.key not in noise]
    noisy = [c for c in parallel if c.key in noise]
    if parallel and not counted:
        sentences.append("Every speedup here is noisy (each row's status says why), so this "
                         "matrix shows no finding.")
    for mode in result.plan.modes:
        if mode is Mode.SEQUENTIAL:
            continue
        cells = [c for c in counted if c.mode is mode]
        if not cells:
            continue
        sentences.append(_mode_sentence(mode, cells, labels, len(result.targets)))
        why = _why(result.workload, mode, cells)
        if why:
            sentences.append(why)
    if noisy and (counted or len(noisy) <= MAX_LISTED):
        sentences.append(_not_counted(result, noisy, noise, labels))
    for target in result.targets:
        cells = result.cells_of(target)
        if target.free_threaded and any(c.runs and c.gil_enabled for c in cells):
            sentences.append(f"{labels[target.path]} is a free-threaded build but ran with the "
                             "GIL on (PYTHON_GIL=1, -X gil=1, or an extension that needs it), "
                             "so it behaved like a GIL build.")
    overhead = _overhead(result, labels, noise)
    if overhead:
        sentences.append(overhead)
    limit = _limit(result)
    if limit and ok:
        sentences.append(limit)
    timed = [c for c in result.cells if c.ok and c.median_s and c.key not in noise]
    if len(timed) > 1 and counted:
        best = min(timed, key=lambda c: c.median_s)
        sentences.append(f"Fastest: {best.mode.value} on {labels[best.target.path]} "
                         f"({seconds(best.median_s)}).")
    failed = [t for t in result.targets
              if any(c.status == "failed" for c in result.cells_of(t))]
    for target in failed:
        cells = [c for c in result.cells_of(target) if c.status != "skipped"]
        reasons = [c.error for c in cells if c.status == "failed" and c.error]
        modes = [c.mode.value for c in cells if c.status == "failed"]
        what = "every mode" if len(modes) == len(cells) else join_words(modes)
        sentences.append(f"{labels[target.path]} failed ({what}): {reasons[0]}")
    sentences += _skipped(result, labels)
    return " ".join(sentences)


def _skipped(result: MatrixResult, labels: dict[str, str]) -> list[str]:
    """``Subinterpreters: not on 3.11 (needs CPython 3.12+).``: the modes some interpreters
    could not run, and why."""
    by_mode: dict[Mode, list[tuple[Target, str]]] = {}
    for target, mode, why in result.skipped():
        by_mode.setdefault(mode, []).append((target, why))
    out = []
    for mode, items in by_mode.items():
        reasons = ", ".join(dict.fromkeys(why for _, why in items))
        out.append(f"{mode.value.capitalize()}: not on "
                   f"{join_words([labels[t.path] for t, _ in items])} ({reasons}).")
    return out
