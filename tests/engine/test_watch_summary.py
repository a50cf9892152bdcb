"""Summary: the verdict sentence and the exit status, on hand-made figures."""

from __future__ import annotations

import json
import sys
import time

import pytest

from gil_tui.engine.watch.summary import Summary


def make(**changes) -> Summary:
    base = dict(
        command=("python", "my script.py"), pid=42, attached=False,
        started_at="2026-11-26T10:00:00+00:00", wall_s=3.0, cpu_s=3.0, avg_cores=1.0,
        peak_cores=1.1, max_processes=1, max_threads=3, processes_seen=1, exit_code=0,
        interrupted=False, finished=True, cpu_count=2, samples=12, cpu_source="rusage",
    )
    base.update(changes)
    return Summary(**base)


@pytest.mark.parametrize(
    "avg, processes, threads, words",
    [
        (0.01, 1, 1, "mostly waited"),
        (0.5, 1, 2, "a mix"),
        (1.02, 1, 3, "the GIL"),
        (0.98, 1, 1, "a single thread did the work"),
        (1.9, 3, 3, "more than one process"),
        (1.9, 1, 4, "free-threaded"),
    ],
)
def test_the_verdict_follows_the_numbers(avg, processes, threads, words):
    summary = make(avg_cores=avg, max_processes=processes, max_threads=threads)
    sentence = summary.verdict()
    assert words in sentence
    assert f"{avg:.2f} cores" in sentence
    assert sentence.endswith(".") and "\n" not in sentence


def test_a_very_short_run_is_not_judged():
    assert "too short" in make(wall_s=0.01, cpu_s=0.01).verdict()


@pytest.mark.parametrize(
    "code, status, name", [(0, 0, None), (3, 3, None), (-9, 137, "SIGKILL"), (None, 0, None)]
)
def test_exit_status_like_a_shell(code, status, name):
    summary = make(exit_code=code)
    assert summary.exit_status() == status
    assert summary.signal == name


def test_to_dict_is_json_with_the_verdict():
    data = json.loads(json.dumps(make().to_dict()))
    assert data["v"] == 1
    assert data["command"] == ["python", "my script.py"]
    assert data["verdict"] == make().verdict()
    assert data["exit_status"] == 0 and data["signal"] is None


def test_text_quotes_the_command_and_says_attached():
    text = make().format_text()
    assert "'my script.py'" in text and "exit code 0" in text
    attached = make(attached=True, command=None, exit_code=None).format_text()
    assert "attached" in attached and "exit code unknown" in attached


def test_detaching_is_not_an_ending():
    text = make(attached=True, command=None, exit_code=None, interrupted=True).describe_exit()
    assert text.startswith("detached")


def test_the_command_is_cleaned_of_control_characters():
    text = make(command=("python", "\x1b]0;owned\x07", "a\nb")).format_text()
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
    assert text.splitlines()[0].startswith("watched python ")
    assert len(text.splitlines()) == 4  # the newline in an argument made no line of its own


def test_durations_and_counts_use_the_shared_formatters():
    from gil_tui.engine.text import plural, seconds

    summary = make(wall_s=0.0042, cpu_s=2.5, leftovers_ended=1)
    text = summary.format_text()
    assert f"wall {seconds(0.0042)}   CPU {seconds(2.5)}" in text
    assert f"{plural(1, 'process', 'processes')} it left running was ended" in text
    assert seconds(0.0042) in summary.verdict()
    assert "2 processes it left running were ended" in make(leftovers_ended=2).format_text()


# ------------------------------------------------------------ a shared machine (issue 13, item 9)

def test_a_shared_machine_gives_no_conclusion_from_noise():
    """The newcomer's case: 2 pure-CPU threads under load kept 0.53 cores busy and were
    called "a mix"; with other programs at 1.2 cores the summary says the figures are
    noisy instead, in the verdict and in the figures."""
    summary = make(avg_cores=0.53, max_threads=3, others_cores=1.2)
    sentence = summary.verdict()
    assert sentence.startswith("Other programs used 1.2 cores while it ran")
    assert "noisy" in sentence and "0.53 cores" in sentence
    assert "a mix" not in sentence and "GIL" not in sentence
    assert sentence.endswith(".") and "\n" not in sentence
    assert summary.shared
    text = summary.format_text()
    assert "other programs: 1.20 cores busy on average meanwhile (a shared machine)" in text
    assert text.strip().endswith(sentence)
    assert summary.to_dict()["others_cores"] == 1.2


@pytest.mark.parametrize("avg", [0.53, 1.0])
def test_a_quiet_machine_keeps_the_conclusion(avg):
    quiet = make(avg_cores=avg, max_threads=3, others_cores=0.1)
    assert not quiet.shared
    assert quiet.verdict() == make(avg_cores=avg, max_threads=3).verdict()
    assert "(a shared machine)" not in quiet.format_text()
    assert "other programs: 0.10 cores" in quiet.format_text()


def test_what_neighbours_cannot_cause_is_still_concluded():
    # several cores busy: other programs only take cores away
    assert "more than one process" in make(avg_cores=1.9, max_processes=3,
                                           others_cores=0.8).verdict()
    # mostly waiting while cores stayed idle: a computing program would have used them
    assert "mostly waited" in make(avg_cores=0.05, others_cores=1.2).verdict()
    # ... but not when the machine was full: it may have been starved
    assert "noisy" in make(avg_cores=0.05, others_cores=1.9).verdict()


def test_without_the_figure_nothing_changes():
    summary = make(avg_cores=0.53, max_threads=3)
    assert summary.others_cores is None and not summary.shared
    assert "a mix" in summary.verdict() and "other programs" not in summary.format_text()


class FakeMeter:
    """A ShareMeter whose machine was busy with ``OTHERS`` cores of other programs."""

    OTHERS = 1.2

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def stop(self, ours_s):
        from gil_tui.engine.run.share import Share

        wall = time.monotonic() - self.t0
        return Share(wall_s=wall, machine_busy_s=ours_s + self.OTHERS * wall, ours_s=ours_s)


def test_a_watch_measures_what_other_programs_used(monkeypatch, tmp_path):
    """The session's summary and snapshots carry the cores other programs used (the runs'
    ShareMeter), and how much of the machine's busy time was ours, for the bars."""
    from gil_tui.engine.watch import measure
    from gil_tui.engine.watch.session import WatchSession

    monkeypatch.setattr(measure, "ShareMeter", FakeMeter)
    snaps = []
    gate = tmp_path / "go"  # the program ends once a live snapshot was taken, not before

    def seen(snapshot) -> None:
        snaps.append(snapshot)
        if snapshot.running:
            gate.touch()

    program = ("import os, time\nend = time.monotonic() + 120\n"
               f"while not os.path.exists({str(gate)!r}) and time.monotonic() < end:\n"
               "    time.sleep(0.02)\n")
    with WatchSession([sys.executable, "-c", program]) as session:
        summary = session.run_headless(10, seen)
    assert summary.others_cores == pytest.approx(1.2, abs=0.01)
    assert summary.to_dict()["others_cores"] == summary.others_cores
    live = [s for s in snaps if s.running]
    assert live and all(s.ours_percent is not None and s.ours_percent >= 0 for s in live)
    assert all(s.others_cores == pytest.approx(1.2, abs=0.05) for s in live)


def test_a_watch_without_the_machines_counters_goes_on(monkeypatch):
    from gil_tui.engine.watch import measure
    from gil_tui.engine.watch.session import WatchSession

    def broken():
        raise OSError("no /proc/stat")

    monkeypatch.setattr(measure, "ShareMeter", broken)
    snaps = []
    with WatchSession([sys.executable, "-c", "import time; time.sleep(0.3)"]) as session:
        summary = session.run_headless(10, snaps.append)
    assert summary.finished and summary.others_cores is None
    assert all(s.ours_percent is None and s.others_cores is None for s in snaps)


def test_a_program_that_used_almost_nothing_waited_even_on_a_full_machine():
    """0.01 cores while others kept both cores busy: a program that computes would have
    got its share from the scheduler, so the verdict still says it waited."""
    sentence = make(avg_cores=0.01, others_cores=2.0).verdict()
    assert "mostly waited" in sentence and "Other programs" not in sentence
    assert "Other programs used 2.0 cores" in make(avg_cores=0.5, others_cores=2.0).verdict()
