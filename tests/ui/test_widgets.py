"""The Live tab's pure helpers: bars, layout, selection rules."""

from __future__ import annotations

import pytest

from gil_tui.engine.run.spec import Mode, SpecError, Workload
from gil_tui.ui.selection import Selection
from gil_tui.ui.tabs.live.results_table import outcome_cell, python_cell
from gil_tui.ui.tabs.live.workers_table import progress_cell, rss_cell
from gil_tui.ui.text import controls_text, cpu_cell, python_gil, speedup_cell
from gil_tui.ui.widgets.core_bars import bar, layout, sparkline


def test_bar_fills_in_eighths() -> None:
    assert bar(0, 4) == "    "
    assert bar(1, 4) == "████"
    assert bar(0.5, 4) == "██  "
    assert bar(1 / 16, 2) == "▏ "
    assert bar(2.0, 3) == "███" and bar(-1, 3) == "   "


def test_sparkline_keeps_the_latest_values() -> None:
    assert sparkline([0, 100], 2) == "▁█"
    assert sparkline([100] * 10, 3) == "███"
    assert sparkline([50], 3) == "  ▄"


@pytest.mark.parametrize("cores, width, columns", [(2, 80, 1), (8, 80, 1), (16, 80, 2),
                                                    (64, 80, 3), (128, 200, 9)])
def test_layout_uses_columns_for_many_cores(cores, width, columns) -> None:
    cols, rows = layout(cores, width)
    assert cols == columns and cols * rows >= cores


def test_rss_cell_is_empty_for_threads() -> None:
    assert rss_cell(None) == "" and rss_cell(512) == "512 B"
    assert rss_cell(3 * 2**20) == "3.0 MiB"


def test_progress_cell_is_a_share_of_the_run() -> None:
    assert progress_cell(5, 10, 4).plain == "██    50%"
    assert progress_cell(0, 0).plain == ""
    assert progress_cell(12, 10, 4).plain.endswith("100%"), "never more than the whole run"


def test_speedups_have_one_colour_rule_in_every_tab() -> None:
    """0.90x is "flat" (yellow) in the Live tab and in the Compare tab alike."""
    assert [speedup_cell(v).style for v in (1.3, 1.29, 0.9, 0.89)] == \
        ["bold green", "yellow", "yellow", "red"]
    assert speedup_cell(None).plain == "-" and speedup_cell(12.44).plain == "12.4x"
    assert speedup_cell(2.0, style="dim").style == "dim"


def test_cpu_cell_levels() -> None:
    assert [cpu_cell(p).style for p in (10.0, 50.0, 85.0)] == ["green", "yellow", "bold red"]
    assert cpu_cell(None).plain == "–" and cpu_cell(97.0).plain == "   97%"


def test_python_gil_labels() -> None:
    assert python_gil("3.13", False, True) == "3.13 GIL"
    assert python_gil("3.14t", True, False) == "3.14t GIL off"
    assert python_gil("3.14t", True, True) == "3.14t GIL on"


def test_results_cells() -> None:
    from gil_tui.engine.run.results import InterpreterInfo, RunResult
    from gil_tui.engine.run.session import RunRecord

    spec = Selection().to_spec()
    info = InterpreterInfo("/py", "3.14.0", gil_enabled=False, free_threaded=True)
    result = RunResult(spec, info, wall_s=1.0, startup_s=0.0, cpu_s=1.9, workers=())
    record = RunRecord(spec, result, speedup=0.9)
    assert python_cell(record) == "3.14.0t GIL off"
    assert outcome_cell(record).plain == "0.90x" and outcome_cell(record).style == "yellow"
    assert outcome_cell(RunRecord(spec, result)).plain == "?"
    assert outcome_cell(RunRecord(spec, error="boom")).plain == "failed"


def test_controls_wrap_between_groups() -> None:
    items = [("w", "workload", "cpu"), ("m", "mode", "threads"), ("f", "sampling", "4 Hz")]
    assert controls_text(items, 80).plain.count("\n") == 0
    lines = controls_text(items, 30).plain.splitlines()
    assert len(lines) == 3 and lines[1].startswith(" m  mode threads")


def test_selection_rules() -> None:
    sel = Selection()
    assert sel.next_mode().mode is Mode.PROCESSES
    cycle, mode = [], sel
    for _ in range(len(Mode)):
        mode = mode.next_mode()
        cycle.append(mode.mode)
    assert Mode.ASYNCIO not in cycle and Mode.SEQUENTIAL in cycle, "asyncio is skipped for cpu"
    io = sel.next_workload()
    assert io.workload is Workload.IO and io.workers == 4
    assert io.replace(mode=Mode.ASYNCIO).next_workload().mode is Mode.ASYNCIO  # sleep
    assert sel.add_workers(-5).workers == 1 and sel.add_workers(1000).workers == 256
    spec = sel.replace(start_method="spawn").to_spec()
    assert spec.start_method is None, "start method only for processes"
    with pytest.raises(SpecError):
        Selection.from_try({"workload": "cpu", "mode": "asyncio"})
    tried = Selection.from_try({"workload": "hash", "mode": "threads", "workers": "4"})
    assert (tried.workload, tried.workers) == (Workload.HASH, 4)


# ------------------------------------------------------- issue 13: the Live tab's text rules


def test_a_stacked_bar_shows_other_programs_in_a_shade() -> None:
    """13.9: ours solid, other programs' share in ▒, together as long as the core's load."""
    from gil_tui.ui.widgets.core_bars import SHADE, split_bar

    assert split_bar(0.5, 0.0, 8) == ("████", "")
    assert split_bar(1 / 16, 0.0, 2) == ("▏", ""), "eighths when nothing is stacked"
    assert split_bar(0.5, 0.25, 8) == ("████", SHADE * 2)
    assert split_bar(0.0, 0.5, 8) == ("", SHADE * 4), "an idle run on a busy machine"
    assert split_bar(0.9, 0.9, 10) == ("█████████", SHADE), "never more than the width"


def test_the_machine_share_is_split_in_proportion() -> None:
    from gil_tui.ui.widgets.core_bars import legend_text, share_split

    assert share_split([100.0, 100.0], 150.0) == (0.75, 0.25)
    assert share_split([0.0, 0.0], 50.0) == (0.0, 0.0)
    assert share_split([50.0, 10.0], 200.0) == (1.0, 0.0), "ours is at most the machine's"
    wide = legend_text([100.0, 60.0], 100.0, True, 80)
    assert wide == "█ this run 1.0 cores  ▒ other programs 0.6 cores"
    assert legend_text([100.0, 60.0], 0.0, False, 80) == "█ gil-tui  ▒ other programs 1.6 cores"
    assert len(legend_text([100.0, 60.0], 100.0, True, 30)) <= 30


def test_live_text_counts_in_words() -> None:
    """13.24: "1 task", not "1 tasks", in the status and the workers table."""
    from gil_tui.engine.run.spec import RunSpec
    from gil_tui.engine.run.tracker import RunTracker
    from gil_tui.ui.tabs.live.run_status import status_text

    one = RunTracker(RunSpec(Workload.CPU, Mode.SEQUENTIAL, tasks=1))
    assert "1 task ·" in status_text(one).plain
    assert "8 tasks ·" in status_text(RunTracker(RunSpec(Workload.CPU, Mode.THREADS))).plain


def test_controls_show_the_default_start_method_and_the_expected_time() -> None:
    """13.24 and 13.11: "start default (fork)", "scale 1.7 (~5 s)"."""
    from gil_tui.ui.tabs.live.controls import control_items, scale_choices, scale_text

    found = [interp("/venv/bin/python", "current", "3.11.7", start_method="forkserver")]
    sel = Selection(mode=Mode.PROCESSES, python="/venv/bin/python")
    items = {name: value for _, name, value in control_items(sel, 4.0, found, 4.6)}
    assert items["start"] == "default (forkserver)" and items["scale"] == "1 (~5 s)"
    assert scale_text(sel.replace(scale=1.7), 0.4) == "1.7 (<1 s)"
    assert scale_text(sel, None) == "1", "nothing said without a calibration"
    assert scale_choices(1.0) == [0.1, 0.25, 0.5, 1.0, 2.0, 4.0]
    assert scale_choices(1.7) == [0.17, 0.42, 0.85, 1.7, 3.4, 6.8]


def test_a_mode_the_interpreter_cannot_run_is_greyed_with_why() -> None:
    """15.1: subinterpreters need CPython 3.12+."""
    from rich.text import Text

    from gil_tui.ui.tabs.live.controls import mode_text

    old = [interp("/py311", "pyenv", "3.11.7")]
    new = [interp("/py312", "pyenv", "3.12.1")]
    sel = Selection(mode=Mode.SUBINTERPRETERS, python="/py311")
    greyed = mode_text(sel, old)
    assert isinstance(greyed, Text) and greyed.plain == "subinterpreters (needs CPython 3.12+)"
    assert "dim" in str(greyed.style)
    assert mode_text(sel.replace(python="/py312"), new) == "subinterpreters"
    assert mode_text(sel.replace(mode=Mode.THREADS), old) == "threads"


def test_interpreters_say_where_they_come_from_and_what_is_skipped(tmp_path) -> None:
    """13.16: two 3.11.7 are told apart; 2.7, 3.6 and 3.7 are named with the reason."""
    from gil_tui.ui.tabs.live.controls import not_offered, python_text

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    found = [interp(str(venv / "bin" / "python"), "current", "3.11.7"),
             interp("/p/2.7", "pyenv", "2.7.18", supported=False),
             interp("/p/3.6", "pyenv", "3.6.15", supported=False),
             interp("/p/3.7", "pyenv", "3.7.16", supported=False),
             interp("/p/3.11", "pyenv", "3.11.7"), interp("/usr/bin/python3", "path", "3.11.2"),
             interp("/u/3.13", "uv", "3.13.1"), interp("/a/3.12", "added", "3.12.1")]
    assert [python_text(i) for i in found if i.supported] == [
        "3.11.7 (GIL) · venv", "3.11.7 (GIL) · pyenv", "3.11.2 (GIL) · PATH",
        "3.13.1 (GIL) · uv", "3.12.1 (GIL) · added"]
    assert not_offered(found) == "Not offered: 2.7.18, 3.6.15 and 3.7.16 (needs 3.8+)."
    assert not_offered(found[:1]) == ""


def test_messages_lose_their_paths() -> None:
    """13.19: a status line never breaks a path mid-word: it has none."""
    from gil_tui.ui.text import without_paths

    assert without_paths("not added to the history: Read-only file system: "
                         "'/home/ann/.local/share/gil-tui/history.jsonl'") == \
        "not added to the history: Read-only file system: '…/history.jsonl'"
    assert without_paths("cpu, 1/2 of the work, x/y") == "cpu, 1/2 of the work, x/y"


def interp(path: str, source: str, version: str, *, supported: bool = True,
           start_method: str | None = "fork"):
    from gil_tui.engine.system.interpreters import Interpreter

    info = tuple(int(part) for part in version.split("."))
    return Interpreter(path=path, realpath=path, source=source, version=version,
                       version_info=info, implementation="cpython", free_threaded=False,
                       gil_enabled=True, cpu_count=2, has_aiohttp=False, supported=supported,
                       reason=None if supported else f"{path} is Python {version}; gil-tui "
                       "needs CPython >= 3.8", start_method=start_method)
