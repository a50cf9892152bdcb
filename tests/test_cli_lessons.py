"""`gil-tui lessons` as a person (or a script) uses it."""

from __future__ import annotations

import subprocess
import sys

from gil_tui.cli import main
from gil_tui.lessons import load_lessons


def test_list_prints_every_lesson_in_order(capsys) -> None:
    assert main(["lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    lessons = load_lessons()
    assert len(lines) == len(lessons)
    for line, lesson in zip(lines, lessons):
        assert lesson.slug in line and lesson.title in line


def test_print_one_lesson_rendered(capsys) -> None:
    assert main(["lessons", "the-gil"]) == 0
    out = capsys.readouterr().out
    assert "Further reading" in out
    assert "## Further reading" not in out, "rendered, not raw Markdown"


def test_plain_prints_the_source(capsys) -> None:
    assert main(["lessons", "the-gil", "--plain"]) == 0
    assert "## Further reading" in capsys.readouterr().out


def test_unknown_slug_exits_2_with_the_valid_ones(capsys) -> None:
    assert main(["lessons", "no-such-lesson"]) == 2
    err = capsys.readouterr().err
    assert "no-such-lesson" in err
    for lesson in load_lessons():
        assert lesson.slug in err


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gil_tui", *args], capture_output=True, text=True, timeout=60
    )


def test_module_entry_point_and_bad_input() -> None:
    ok = run_cli("lessons")
    assert ok.returncode == 0 and "the-gil" in ok.stdout
    unknown = run_cli("no-such-command")
    assert unknown.returncode == 2 and "usage:" in unknown.stderr
    flag = run_cli("lessons", "--no-such-flag")
    assert flag.returncode == 2 and "unrecognized arguments" in flag.stderr
    assert "Traceback" not in unknown.stderr + flag.stderr


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.startswith("gil-tui ")
