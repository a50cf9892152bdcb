"""`gil-tui lessons` as a person (or a script) uses it."""

from __future__ import annotations

import platform
import re

import pytest

from gil_tui.cli import main
from gil_tui.lessons import INTERPRETERS_PLACEHOLDER, get_lesson, load_lessons
from tests.cli_helpers import run_cli


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


def _assert_terminal_friendly(out: str, slug: str) -> None:
    assert "lesson:" not in out, f"{slug}: a raw link target is printed"
    spaced = [line for line in out.splitlines() if line != line.rstrip()]
    assert not spaced, f"{slug}: lines end in spaces: {spaced[:3]}"


@pytest.mark.parametrize("lesson", load_lessons(), ids=lambda lesson: lesson.slug)
def test_printed_lesson_has_followable_links_and_no_trailing_spaces(lesson, capsys) -> None:
    assert main(["lessons", lesson.slug]) == 0
    printed = capsys.readouterr().out
    _assert_terminal_friendly(printed, lesson.slug)
    out = re.sub(r"\s+", " ", printed)
    for target in set(lesson.links):
        assert f"gil-tui lessons {target}" in out, f"no way to follow the link to {target}"
    for url in re.findall(r"\]\((https://[^)]+)\)", lesson.body):
        assert url in out.replace(" ", ""), f"{url} is not shown"


@pytest.mark.parametrize("slug", ["processes-and-threads", "main-guard"])
def test_printed_lesson_as_a_subprocess(slug) -> None:
    done = run_cli("lessons", slug)
    assert done.returncode == 0, done.stderr
    _assert_terminal_friendly(done.stdout, slug)
    assert "Further reading" in done.stdout and "## " not in done.stdout
    assert "(https://docs.python.org/" in done.stdout.replace("\n", "")
    lesson = get_lesson(slug)
    if INTERPRETERS_PLACEHOLDER in lesson.body:
        assert INTERPRETERS_PLACEHOLDER not in done.stdout
        # at least the interpreter running the command, with its row of the table
        assert f"{platform.python_version()}: forkserver" in done.stdout
