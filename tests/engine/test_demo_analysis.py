"""The demos' pure side: reading output, figures and summaries, on made-up data.

These cover shapes this machine cannot produce: a free-threaded build where
every form loses and threads run in parallel, a Python whose main-guard run
goes wrong, a one-core machine.
"""

from __future__ import annotations

from gil_tui.engine.demos import analysis as an
from gil_tui.engine.demos import main_guard_analysis as mga
from gil_tui.engine.demos import text
from gil_tui.engine.demos.registry import DemoInterpreter, DemoResult

TRACEBACK = """\
top level runs as '__main__' in pid 10
top level runs as '__mp_main__' in pid 11
Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "/py/multiprocessing/spawn.py", line 122, in spawn_main
    exitcode = _main(fd, parent_sentinel)
  File "/tmp/gil-tui-main-guard-x/no_guard.py", line 22, in <module>
    child.start()
  File "/py/multiprocessing/spawn.py", line 140, in _check_not_importing_main
    raise RuntimeError('''
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.

child exit code: 1""".splitlines()


def test_condense_keeps_the_scripts_frame_and_the_last_one_and_counts_the_rest():
    short = an.condense_traceback(TRACEBACK, keep=["no_guard.py"])
    assert short[:3] == TRACEBACK[:3]
    assert "  [... 3 lines of traceback left out ...]" in short
    assert '  File "/tmp/gil-tui-main-guard-x/no_guard.py", line 22, in <module>' in short
    assert "    child.start()" in short
    assert short[-1] == "child exit code: 1"
    assert any("_check_not_importing_main" in line for line in short)
    assert "RuntimeError:" in short
    assert not any("spawn_main" in line for line in short)


def test_condense_leaves_text_without_traceback_alone():
    lines = ["top level runs as '__main__' in pid 1", "hello from the child, pid 2"]
    assert an.condense_traceback(lines) == lines


def _run(method, guard, lines, exit_code=0, **flags):
    return mga.read_run(lines, exit_code=exit_code, guard=guard, method=method, **flags)


def test_read_run_sees_the_rerun_and_the_error():
    run = mga.read_run(TRACEBACK, exit_code=0, guard=False, method="spawn")
    assert run["top_level_runs"] == 2 and run["reran_as_mp_main"] == 1
    assert run["runtime_error"] and run["child_exit_code"] == 1 and not run["greeted"]
    assert run["outcome"] == mga.CHILD_FAILED


FORK_OK = ["top level runs as '__main__' in pid 5", "hello from the child, pid 6",
           "child exit code: 0"]
SPAWN_GUARDED = ["top level runs as '__main__' in pid 5", "top level runs as '__mp_main__' in pid 6",
                 "hello from the child, pid 6", "child exit code: 0"]


def test_main_guard_summary_groups_methods_by_what_happened():
    runs = [_run("spawn", False, TRACEBACK), _run("forkserver", False, TRACEBACK),
            _run("fork", False, FORK_OK), _run("spawn", True, SPAWN_GUARDED),
            _run("fork", True, FORK_OK)]
    summary = mga.main_guard_summary(runs)
    assert summary.startswith("Without the guard, under spawn and forkserver the child ran")
    assert "RuntimeError" in summary and "exit code 1" in summary
    assert "under fork the top level ran once" in summary
    assert "With the guard, under spawn the top level ran again" in summary


def test_main_guard_summary_names_capped_timed_out_and_odd_runs():
    runs = [_run("spawn", False, TRACEBACK, capped=True),
            _run("forkserver", False, TRACEBACK, timed_out=True),
            _run("fork", False, ["Segmentation fault"], exit_code=-11)]
    summary = mga.main_guard_summary(runs)
    assert "gil-tui stopped it" in summary
    assert "under forkserver the parent hung" in summary
    assert "something unexpected happened (fork: script exit code -11" in summary


def _trials(variant, losses, expected=1000):
    return [{"variant": variant, "trial": n, "expected": expected, "actual": expected - lost,
             "lost": lost, "seconds": 0.1} for n, lost in enumerate(losses)]


def test_race_summary_gil_build_shape_plain_lucky_call_loses():
    stats = an.race_stats(_trials("plain", [0, 0, 0]) + _trials("call", [400, 600, 500])
                          + _trials("lock", [0, 0, 0]))
    assert stats["call"]["losing_trials"] == 3 and stats["call"]["mean_lost_share"] == 0.5
    summary = an.race_summary(stats)
    assert summary.startswith("Without a lock, counter += one() lost 500 of 1,000 updates on "
                              "average (50%; in 3 of 3 trials): a thread switch can land on the "
                              "call")
    assert "counter += 1 lost nothing in 3 trials here: luck of where this interpreter " \
           "switches threads, never a guarantee." in summary
    assert summary.endswith("With a Lock nothing was lost in 3 trials. " + an.ONLY_A_LOCK)


def test_race_summary_one_trial_gives_the_count():
    stats = an.race_stats(_trials("plain", [0], 4_000_000) + _trials("call", [1_762_259], 4_000_000)
                          + _trials("lock", [0], 400_000))
    summary = an.race_summary(stats)
    assert "counter += one() lost 1,762,259 of 4,000,000 updates (44%)" in summary
    assert "counter += 1 lost nothing in 1 trial here" in summary
    # lesson 8's words: a zero can happen and proves nothing; only a lock is a guarantee
    assert "can come out at zero" in summary and "only a lock is a guarantee" in summary


def test_race_summary_free_threaded_shape_both_lose():
    stats = an.race_stats(_trials("plain", [300, 200]) + _trials("call", [500, 400])
                          + _trials("lock", [0, 0]))
    summary = an.race_summary(stats)
    assert "both forms lost updates" in summary and "25%" in summary and "45%" in summary


def test_race_summary_other_readings():
    only_plain = an.race_summary(an.race_stats(_trials("plain", [10]) + _trials("call", [0])))
    assert "counter += one() lost nothing in 1 trial" in only_plain
    nothing = an.race_summary(an.race_stats(_trials("plain", [0]) + _trials("call", [0])))
    assert "No update was lost in 1 trial" in nothing
    assert nothing.endswith(an.ONLY_A_LOCK)
    broken = an.race_summary(an.race_stats(_trials("plain", [0]) + _trials("call", [5])
                                           + _trials("lock", [1])))
    assert "should be impossible" in broken
    partial = an.race_summary(an.race_stats(_trials("call", [5, 0])))
    assert "counter += one(), no lock lost 2 of 1,000 updates on average (under 1%; in 1 of 2 " \
           "trials)." in partial


def test_race_sections_say_the_sizes_and_the_early_stop():
    rows = _trials("plain", [0], 4_000_000) + _trials("call", [5], 4_000_000) \
        + _trials("lock", [0], 400_000)
    (title, table), (_, per) = text.race_sections(4, 1_000_000, rows, an.race_stats(rows),
                                                  lock_increments=100_000, trials=5,
                                                  stop_at_loss=True)
    assert title == "Trials"
    assert table[0] == "4 threads x 1,000,000 increments each (100,000 with the Lock)"
    assert table[1] == ("up to 5 trials; it stops after the first in which a form without a "
                        "lock lost updates")
    assert table[-1].startswith("counter += one() with a Lock")
    assert per[1].startswith("counter += one(), no lock     lost updates in 1 of 1 trial,")


def _alternating(turn_s, total_s, chunk_s=0.0005, threads=2):
    """Stamps of threads that take turns of ``turn_s`` seconds (a GIL build)."""
    stamps = [[] for _ in range(threads)]
    t, owner = 0.0, 0
    while t < total_s:
        end = t + turn_s
        while t < end:
            t = round(t + chunk_s, 6)
            stamps[owner].append(t)
        owner = (owner + 1) % threads
    return stamps


def test_switch_metrics_on_taking_turns():
    stamps = _alternating(0.005, 0.4)
    m = an.switch_metrics(stamps, wall_s=0.4, cpu_s=0.4)
    assert 70 <= m["switches"] <= 82
    assert abs(m["median_turn_ms"] - 5.0) < 0.6
    assert m["max_gap"] < 0.05
    assert m["busy_cores"] == 1.0
    assert len(m["activity"]) == 2 and all(len(row) == 40 for row in m["activity"])
    assert all(0 <= v <= 1 for row in m["activity"] for v in row)
    for marks in m["checkpoints"]:
        assert len(marks) == 20 and marks == sorted(marks)


def test_switch_metrics_long_turns_are_less_fair():
    short = an.switch_metrics(_alternating(0.0005, 0.4), 0.4, 0.4)
    long = an.switch_metrics(_alternating(0.05, 0.4), 0.4, 0.4)
    assert long["switches"] < short["switches"]
    assert long["max_gap"] > short["max_gap"]
    # a 50 ms turn over 40 columns of 10 ms: whole columns belong to one thread
    assert 0.0 in long["activity"][0] and max(long["activity"][0]) > 0.9


def test_switch_metrics_and_summary_for_parallel_threads():
    both = [[round(0.001 * k, 6) for k in range(1, 201)] for _ in range(2)]
    m = an.switch_metrics(both, wall_s=0.2, cpu_s=0.39)
    assert m["busy_cores"] > 1.9 and m["max_gap"] < 0.01
    rows = [dict(m, interval_ms=v, wall_s=0.2) for v in (0.5, 5, 50)]
    assert "ran at the same time on different cores" in an.switch_summary(rows)


def test_switch_summary_gil_shape_and_noisy_walls():
    rows = []
    for interval, turn, wall in ((0.5, 0.0005, 0.40), (5, 0.005, 0.41), (50, 0.05, 0.42)):
        m = an.switch_metrics(_alternating(turn, 0.4), wall, wall)
        rows.append(dict(m, interval_ms=interval, wall_s=wall))
    summary = an.switch_summary(rows)
    assert summary.startswith("With a 0.5 ms interval the threads took turns")
    assert "with 50 ms they took turns" in summary and "stayed about the same" in summary
    assert "other programs were busy" not in summary
    rows[0]["wall_s"] = 0.8
    assert "ranged from" in an.switch_summary(rows)
    rows[1]["busy_cores"] = 0.5
    assert "got only 0.50 of a core between them" in an.switch_summary(rows)
    assert an.switch_summary([]) == "No interval ran."


def test_switch_lines_draw_one_bar_per_thread():
    m = an.switch_metrics(_alternating(0.05, 0.4), 0.4, 0.4)
    lines = text.switch_lines(dict(m, interval_ms=50, wall_s=0.4))
    assert lines[0].startswith("wall 400 ms, 1.00 cores busy")
    assert lines[1].startswith("thread 0 |") and lines[2].startswith("thread 1 |")
    assert len(lines[1].split("|")[1]) == 40 and "█" in lines[1]


def test_the_switch_legend_names_every_shade_on_one_line():
    legend = text.SWITCH_LEGEND
    assert "\n" not in legend and len(legend) <= 88
    assert all(ch in legend for ch in an.SHADES.strip()) and "40" in legend


def test_shade_and_words():
    assert an.shade([0, 0.1, 0.5, 1.0]) == " ░▒█"
    assert an.join_words(["a"]) == "a" and an.join_words(["a", "b", "c"]) == "a, b and c"
    assert an.times(1) == "once" and an.times(7) == "7 times" and an.plural(1, "trial") == "1 trial"


def _release_rows(hash_busy, cpu_busy, seq_busy=1.0):
    return [{"workload": w, "mode": m, "wall_s": 1.0, "cpu_s": 1.0, "busy_cores": b}
            for w, m, b in (("hash", "sequential", seq_busy), ("hash", "threads", hash_busy),
                            ("cpu", "sequential", seq_busy), ("cpu", "threads", cpu_busy))]


def test_gil_release_summary_gil_build_free_threaded_and_one_core():
    gil = text.gil_release_summary(_release_rows(1.9, 1.0), 2, {"hash": 1.9, "cpu": 0.98},
                                   {"hash": 1.9, "cpu": 1.0}, 2)
    assert "2 hash threads ran 1.90x" in gil and "ran in parallel (sha256" in gil
    assert "2 cpu threads ran 0.98x" in gil and "took turns (pure-Python code holds the GIL" in gil
    free = text.gil_release_summary(_release_rows(1.9, 1.9), 2, {"hash": 1.9, "cpu": 1.9},
                                    {"hash": 1.9, "cpu": 1.9}, 2)
    assert "free-threaded build" in free
    one = text.gil_release_summary(_release_rows(1.0, 1.0, 0.7), 2, {"hash": 1.0, "cpu": 1.0},
                                   {"hash": 1.0, "cpu": 1.0}, 1)
    assert one.startswith("This interpreter may use one core only")
    assert "The machine was busy" in one
    partial = text.speed_summary("hash", 2, 1.3, 1.4, text.WHY["hash"])
    assert "overlapped only part of the time" in partial


def test_demo_result_to_dict_and_free_threaded_label():
    interp = DemoInterpreter("/x/python3.14t", "3.14.0", gil_enabled=False, free_threaded=True)
    assert interp.label() == "3.14.0t (free-threaded, GIL off)"
    result = DemoResult("race", "Race", True, "seen", interp, [("T", ["a", "b"])], {"k": 1}, 1.23456)
    d = result.to_dict()
    assert d["format"] == 1 and d["interpreter"]["label"] == interp.label()
    assert d["sections"] == [{"title": "T", "lines": ["a", "b"]}]
    assert d["duration_s"] == 1.235 and d["error"] is None


def test_gil_release_summary_says_when_other_programs_were_busy():
    rows = _release_rows(1.0, 1.0)
    noisy = text.gil_release_summary(rows, 2, {"hash": 1.0, "cpu": 1.4}, {"hash": 1.0, "cpu": 1.0},
                                     2, other_busy=0.9)
    assert "Other programs kept about 0.9 cores busy meanwhile" in noisy
    assert "the one-thread run was slowed by something else" in noisy
    quiet = text.gil_release_summary(rows, 2, {"hash": 1.0, "cpu": 1.0}, {"hash": 1.0, "cpu": 1.0},
                                     2, other_busy=0.1)
    assert "noisy" not in quiet and "slowed" not in quiet
