"""Issue 13.9 in Compare: no conclusion from noise (verdict, sweep words, exports, titles).

The matrices and sweeps here are built from fake cells (RunResults with chosen wall
times, busy cores and ``others_cores``), then two grids check every combination the
way tests/engine/test_explain.py checks the Live sentence: no noisy figure stands in
a finding, threads on a GIL build never "scaled" on CPU work, a shared machine is
named with the cores other programs used, and a sweep fits Amdahl only when its
points can carry it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re

from gil_tui.engine.compare.model import Cell, MatrixPlan, MatrixResult, Target
from gil_tui.engine.compare.noise import cell_noise, matrix_noise
from gil_tui.engine.compare.sweep import SweepPlan, SweepResult
from gil_tui.engine.compare.verdict import verdict
from gil_tui.engine.history import export
from gil_tui.engine.history.sweep_export import format_sweep
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import Mode, RunSpec
from gil_tui.engine.text import speedup

MACHINE = {"hostname": "here", "cpu_count_logical": 2, "cpu_count_usable": 2}
PY311 = Target("/py/3.11", "3.11.7", free_threaded=False, gil_enabled=True)
PY313 = Target("/py/3.13", "3.13.1", free_threaded=False, gil_enabled=True)
PY314T = Target("/py/3.14t", "3.14.0", free_threaded=True, gil_enabled=False)


def run(target: Target, workload: str, mode: str, workers: int, wall: float, busy: float,
        others: float | None, tasks: int = 8, started: float = 1000.0) -> RunResult:
    spec = RunSpec(workload, mode, workers=workers, tasks=tasks, python=target.path)
    info = InterpreterInfo(target.path, target.version, gil_enabled=target.gil_enabled,
                           free_threaded=target.free_threaded, cpu_count=2)
    return RunResult(spec, info, wall_s=wall, startup_s=0.0, cpu_s=wall * busy, workers=(),
                     tasks=tasks, started_at=started, others_cores=others)


def matrix(workload: str, figures: dict, *, base_busy: float = 1.0,
           others: dict | None = None, workers: int = 2, cancelled: bool = False) -> MatrixResult:
    """``figures``: target -> {mode: speedup}; ``others``: (target path, mode) -> cores."""
    targets = tuple(figures)
    plan = MatrixPlan.make(workload, targets, workers=workers)
    result = MatrixResult.empty(plan, "m-noise", MACHINE)
    others = others or {}
    for cell in result.cells:
        gains = figures[cell.target]
        if cell.mode is Mode.SEQUENTIAL:
            gain, busy = 1.0, base_busy
        elif cell.mode in gains:
            gain = gains[cell.mode]
            busy = 0.05 if workload == "io" else min(2.0, max(0.5, gain))
        else:
            continue  # never ran (cancelled before it)
        cell.runs = [run(cell.target, workload, cell.mode.value, cell.workers, 2.0 / gain, busy,
                         others.get((cell.target.path, cell.mode.value)), plan.tasks)]
        cell.status = "ok"
    result.cancelled = cancelled
    result.refresh()
    return result


# ---------------------------------------------------------------- the cases of the issue


def test_the_busy_machine_of_the_issue_states_no_gil_thread_speedup() -> None:
    """13.9: "a sequential run kept only 0.71 ... On 3.13 threads scaled 1.31x; on 3.11
    they did not (1.11x). On 3.11 processes scaled 1.87x; on 3.13 they did not (1.27x)."""
    result = matrix("cpu", {
        PY311: {Mode.THREADS: 1.11, Mode.PROCESSES: 1.87},
        PY313: {Mode.THREADS: 1.31, Mode.PROCESSES: 1.27},
    }, base_busy=0.71, others={("/py/3.13", "sequential"): 0.9, ("/py/3.11", "sequential"): 0.9,
                               ("/py/3.13", "processes"): 0.8})
    text = verdict(result)
    assert "threads scaled" not in text and "On 3.13 threads" not in text, text
    assert "other programs used up to 0.9 cores" in text, text
    assert "Noisy, not counted:" in text and "3.13 threads 1.31x" in text, text
    assert "Every speedup here is noisy" in text, text


def test_a_cancelled_matrix_states_no_impossible_gil_thread_speedup() -> None:
    """13.9: after a cancel, "On 3.11 threads scaled 1.42x." (GIL build, CPU work)."""
    result = matrix("cpu", {PY311: {Mode.THREADS: 1.42}}, cancelled=True)
    text = verdict(result)
    assert "partial" in text and "threads scaled" not in text, text
    assert "cannot run pure Python in parallel" in text and "1.42x is noise" in text, text


def test_quiet_matrix_keeps_its_findings() -> None:
    result = matrix("cpu", {PY313: {Mode.THREADS: 1.0, Mode.PROCESSES: 1.9},
                            PY314T: {Mode.THREADS: 1.85, Mode.PROCESSES: 1.9}},
                    others={("/py/3.13", "threads"): 0.05})
    text = verdict(result)
    assert not matrix_noise(result), matrix_noise(result)
    assert "On 3.14t threads scaled 1.85x; on 3.13 they did not (1.00x)." in text, text
    assert "Processes scaled on both" in text and "noisy" not in text.lower(), text


def test_noisy_cells_are_marked_in_every_export() -> None:
    result = matrix("cpu", {PY313: {Mode.THREADS: 1.31, Mode.PROCESSES: 1.9}},
                    others={("/py/3.13", "processes"): 0.8})
    noise = matrix_noise(result)
    threads, processes = result.cell(PY313.path, "threads"), result.cell(PY313.path, "processes")
    assert noise[threads.key].kind == "beyond" and noise[processes.key].kind == "shared"
    rows = {r["mode"]: r for r in export.matrix_json(result)["rows"]}
    assert rows["threads"]["noisy"] and rows["processes"]["noisy"]
    assert not rows["sequential"]["noisy"] and rows["sequential"]["noise"] is None
    assert rows["threads"]["status"] == "ok", "the status keeps its meaning"
    table = list(csv.DictReader(io.StringIO(export.matrix_csv(result))))
    assert [r["noisy"] for r in table] == ["False", "True", "True", "False"]
    assert list(table[0])[:24] == list(export._CSV_MATRIX[:24]), "old columns first"
    text = export.matrix_text(result)
    assert "1.31x*" in text and "* noisy, 3.13 processes: other programs used 0.8 cores" in text
    markdown = export.matrix_markdown(result)
    assert "1.31x\\*" in markdown and "\\* noisy, 3.13 threads" in markdown


def test_a_sequential_baseline_that_lacked_a_core_makes_its_speedups_noisy() -> None:
    result = matrix("cpu", {PY313: {Mode.PROCESSES: 1.5}}, base_busy=0.6)
    found = cell_noise(result, result.cell(PY313.path, "processes"))
    assert found is not None and found.kind == "baseline" and "0.60 of a core" in found.words


def test_a_quiet_machine_is_not_blamed_for_a_slowed_baseline() -> None:
    """Review: GIL threads at 1.6x with other programs near 0 everywhere said "(its
    sequential run was slowed, ...) (other programs used up to 0.0 cores during these
    runs)": a figure below SHARED is no reason, and one clause holds the reasons."""
    quiet = {(PY311.path, m): 0.02 for m in ("sequential", "threads", "processes")}
    result = matrix("cpu", {PY311: {Mode.THREADS: 1.6, Mode.PROCESSES: 1.9}}, others=quiet)
    text = verdict(result)
    assert "1.60x is noise" in text, text
    assert "other programs used" not in text and "0.0 cores" not in text, text
    assert _depth(text) <= 1, text


def test_a_starved_baseline_reads_without_nested_parentheses() -> None:
    result = matrix("cpu", {PY313: {Mode.PROCESSES: 1.5}}, base_busy=0.6)
    text = verdict(result)
    assert "3.13 processes 1.50x (its sequential baseline kept only 0.60" in text, text
    assert _depth(text) <= 1, text
    starved = cell_noise(result, result.cell(PY313.path, "sequential"))
    assert starved is not None and starved.kind == "starved" and "(" not in starved.words


# ---------------------------------------------------------------- the verdict grid


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.])\s+(?=[A-Z])", text) if s]


def _depth(text: str) -> int:
    """How deep parentheses nest in ``text`` (1: none inside another)."""
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    return deepest


def test_no_verdict_states_a_finding_from_noise() -> None:
    """Every combination of two interpreters (GIL and free-threaded), speedups, the
    baseline's busy cores and other programs' cores."""
    gains_t = (0.85, 1.02, 1.17, 1.33, 1.91, 2.62)
    gains_p = (0.87, 1.04, 1.23, 1.79, 2.47)
    grid = itertools.product(("cpu", "hash"), (PY313, PY314T), gains_t, gains_p,
                             (1.0, 0.7), (None, 0.0, 0.4, 1.2), (False, True))
    checked = 0
    for workload, target, g_t, g_p, base_busy, others, on_base in grid:
        where = {(target.path, "sequential" if on_base else "processes"): others}
        result = matrix(workload, {target: {Mode.THREADS: g_t, Mode.PROCESSES: g_p},
                                   PY311: {Mode.THREADS: g_t + 0.03, Mode.PROCESSES: g_p + 0.03}},
                        base_busy=base_busy, others=where)
        text = verdict(result)
        noise = matrix_noise(result)
        case = f"{(workload, target.minor, g_t, g_p, base_busy, others, on_base)}: {text}"
        checked += 1
        for cell in result.cells:
            if cell.mode is Mode.SEQUENTIAL or cell.key not in noise:
                continue
            figure = speedup(cell.speedup)
            for sentence in _sentences(text):
                if figure in sentence:
                    assert re.search(r"nois|careful", sentence, re.I), case
        labels = result.labels()
        for cell in result.cells:
            gil_cpu_threads = (workload == "cpu" and cell.mode is Mode.THREADS
                               and cell.gil_enabled is not False)
            if gil_cpu_threads:
                label = labels[cell.target.path]
                assert f"on {label} threads scaled" not in text, case
                assert "Threads scaled on" not in text, case
                assert not (cell.speedup >= 1.3 and cell.key not in noise), case
        if "only one thread runs Python" in text:
            counted = [c for c in result.cells if c.mode is Mode.THREADS
                       and c.gil_enabled is not False and c.key not in noise]
            assert workload == "cpu" and counted, case
        if others is not None and others >= 0.3:
            assert f"other programs used up to {others:.1f} cores" in text \
                or f"other programs used {others:.1f} cores" in text, case
        if base_busy < 0.8:
            assert "Careful: a sequential run kept only 0.70" in text, case
        assert _depth(text) <= 1 and "0.0 cores" not in text, case
        if others is None or others < 0.3:
            assert "other programs used" not in text, case
    assert checked > 900


# ---------------------------------------------------------------- sweeps


def sweep(workload: str, mode: str, target: Target, gains: list[float], *,
          others: float | None = None, base_busy: float = 1.0, cores: int = 2) -> SweepResult:
    plan = SweepPlan.make(workload, mode, target, max_workers=len(gains), cores=cores)
    result = SweepResult(plan)
    result.baseline = [run(target, workload, "sequential", 1, 2.0, base_busy, None, plan.tasks)]
    for n, gain in enumerate(gains, start=1):
        busy = 0.05 if workload == "io" else min(n, cores, max(0.5, gain))
        result.runs[n] = [run(target, workload, mode, n, 2.0 / gain, busy, others, plan.tasks)]
    return result


def test_gil_threads_sweep_gets_no_fit() -> None:
    """13.9: "About 15% of this work ran in parallel (serial fraction 85%)" for GIL
    threads at 1.13x (the shipped screenshot)."""
    result = sweep("cpu", "threads", PY313, [0.98, 1.13, 1.05, 1.02])
    assert result.fit is None and result.to_dict()["fit"] is None
    text = result.fit_text
    assert "ran in parallel" not in text and "serial fraction" not in text.replace(
        "not a serial fraction", ""), text
    assert "the GIL caps this work at 1 core" in text and "noise" in text, text


def test_a_noisy_processes_sweep_gets_no_fit() -> None:
    """13.9: a 1-worker point at 1.34x gave "About 58% of this work ran in parallel"."""
    result = sweep("cpu", "processes", PY313, [1.34, 1.9, 1.8, 1.85], others=0.6)
    assert result.fit is None and result.noisy
    text = result.fit_text
    assert "No Amdahl fit" in text and "other programs used up to 0.6 cores" in text, text
    assert "ran in parallel" not in text, text
    assert "1.34x*" in format_sweep(result, "text")


def test_a_crowded_sweep_names_the_cores_its_points_were_marked_for() -> None:
    """Review: 2 cores, processes x2, others 0.2: the point is noisy (it needed both
    cores), yet the words said "the machine was shared" without the figure the matrix
    verdict names; the words now come from the points' own noise."""
    result = sweep("cpu", "processes", PY313, [1.0, 1.8], others=0.2)
    found = result.noise_of(2, result.points[1].speedup)
    assert found is not None and found.kind == "shared" and result.noisy
    text = result.fit_text
    assert "other programs used up to 0.2 cores" in text, text
    assert "the machine was shared" not in text, text


def test_a_quiet_sweep_keeps_its_fit() -> None:
    result = sweep("cpu", "processes", PY313, [1.0, 1.82, 1.8, 1.81], others=0.05)
    assert result.fit is not None and "ran in parallel" in result.fit_text
    assert "noise" not in format_sweep(result, "csv").splitlines()[1]


def test_no_sweep_text_fits_noise() -> None:
    """Every combination: a fit only from clean points, never for GIL threads on CPU work;
    a shared sweep names the cores other programs used."""
    series = ([1.0, 1.85, 1.9, 1.88], [1.34, 1.9, 1.8, 1.85], [0.98, 1.13, 1.05, 1.02],
              [0.9, 1.6, 1.7, 1.65], [1.0, 3.4, 3.0, 2.9])
    grid = itertools.product(("cpu", "hash"), ("threads", "processes"), (PY313, PY314T),
                             series, (None, 0.0, 0.2, 0.5, 1.3), (1.0, 0.6))
    checked = 0
    for workload, mode, target, gains, others, base_busy in grid:
        result = sweep(workload, mode, target, gains, others=others, base_busy=base_busy)
        text = result.fit_text
        case = f"{(workload, mode, target.minor, gains, others, base_busy)}: {text}"
        checked += 1
        fitted = "ran in parallel" in text or "(serial fraction" in text
        gil_threads = workload == "cpu" and mode == "threads" and target.gil_enabled
        if gil_threads:
            assert not fitted and "the GIL caps this work at 1 core" in text, case
        if fitted:
            assert result.fit is not None and not result.noisy, case
            assert others is None or others < 0.3, case
            assert base_busy >= 0.8, case
        if result.fit is not None:
            assert all(p.noise is None for p in result.points), case
        if others is not None and others >= 0.3:
            assert f"other programs used up to {others:.1f} cores" in text, case
        if any(g >= 1.3 for g in gains[:1]):  # one worker cannot give 1.3x
            assert not fitted, case
    assert checked > 300


# ---------------------------------------------------------------- history titles


def test_a_table_of_live_runs_says_what_it_grouped() -> None:
    """13: threads x4 and asyncio x16 titled "16 workers"; "median of 3 runs" next to a
    sequential cell reading "1/3 runs"."""
    from gil_tui.engine.history.regroup import tables_from_history
    from gil_tui.engine.history.entry import HistoryEntry
    from gil_tui.ui.tabs.compare.chart import ideal_speedup
    from gil_tui.ui.tabs.compare.rows import matrix_rows, work_text

    entries = []
    walls = [("sequential", 1, 1.6), ("threads", 4, 0.4), ("threads", 4, 0.41),
             ("threads", 4, 0.42), ("asyncio", 16, 0.11), ("asyncio", 16, 0.12),
             ("asyncio", 16, 0.1)]
    for n, (mode, workers, wall) in enumerate(walls):
        r = run(PY313, "io", mode, workers, wall, 0.05, None, tasks=16, started=1000.0 + n)
        entries.append(HistoryEntry(r, MACHINE, "live", None))
    (table,) = tables_from_history(entries)
    words = work_text(table)
    assert "4/16 workers (rows differ)" in words and "16 workers ·" not in words, words
    assert "grouped from 7 separate runs, 1-3 per row" in words and "median of" not in words
    statuses = [str(row[-1]) for row in matrix_rows(table)]
    assert statuses[0] == "ok" and "/" not in "".join(statuses), statuses
    assert "rows differ" in ideal_speedup(table)[1]
    assert "grouped from 7 separate runs" in export.matrix_text(table)
