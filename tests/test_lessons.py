"""Every lesson loads, is well formed, links only to lessons that exist, and is our own text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gil_tui.lessons import LessonError, load_lessons, parse_lesson, parse_try

LESSONS = load_lessons()
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_a9d88578baa1514d.txt"
REQUIRED_TOPICS = {
    "processes-and-threads", "threads-vs-processes", "the-gil", "cpu-bound-threads",
    "threads-for-io", "threads-in-practice", "interpreters", "free-threading",
    "subinterpreters", "main-guard", "choosing",
}


def test_at_least_eleven_lessons_in_order() -> None:
    assert len(LESSONS) >= 11
    orders = [lesson.order for lesson in LESSONS]
    assert len(set(orders)) == len(orders), "two lessons share an order"
    assert orders == list(range(1, len(LESSONS) + 1)), f"orders must be 1..N: {orders}"
    assert REQUIRED_TOPICS <= {lesson.slug for lesson in LESSONS}
    for lesson in LESSONS:
        assert lesson.filename.startswith(f"{lesson.order:02d}-"), lesson.filename


def test_read_through_importlib_resources_when_the_folder_cannot_be_listed(tmp_path) -> None:
    """A package in a zip archive has no folder to list: importlib.resources reads it."""
    import gil_tui.lessons as lessons

    assert sorted(lessons._lesson_files(str(tmp_path / "archive.zip" / "lessons"))) == sorted(
        (path.name, path.read_text(encoding="utf-8"))
        for path in Path(lessons.__file__).parent.glob("[0-9][0-9]-*.md"))


def test_names_of_the_terminal_module_and_of_the_analysis_are_found_here() -> None:
    import gil_tui.lessons as lessons
    from gil_tui.engine.demos import main_guard_analysis
    from gil_tui.lessons import terminal

    assert lessons.strip_trailing_spaces is terminal.strip_trailing_spaces
    assert lessons.body_for_terminal is terminal.body_for_terminal
    assert lessons.forkserver_preloads_main is main_guard_analysis.forkserver_preloads_main
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        lessons.nothing_here  # noqa: B018


def test_slugs_unique_and_match_file_names() -> None:
    slugs = [lesson.slug for lesson in LESSONS]
    assert len(set(slugs)) == len(slugs)
    for lesson in LESSONS:
        assert re.fullmatch(r"\d\d-" + re.escape(lesson.slug) + r"\.md", lesson.filename)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_shape(lesson) -> None:
    assert lesson.title and lesson.summary
    first = lesson.body.splitlines()[0]
    assert first == f"# {lesson.title}", "a lesson starts with its title as a heading"
    assert 300 <= lesson.words <= 900, f"{lesson.words} words"
    headings = re.findall(r"^## (.+)$", lesson.body, re.M)
    assert headings and headings[-1] == "Further reading", "ends with Further reading"
    reading = lesson.body.split("## Further reading", 1)[1]
    links = re.findall(r"\]\((https://[^)]+)\)", reading)
    assert links, "Further reading has links"
    official = ("docs.python.org", "peps.python.org", "github.com/python/", "github.com/pyenv/",
                "numpy.org", "docs.astral.sh", "py-free-threading.github.io",
                "docs.aiohttp.org", "psutil.readthedocs.io")
    assert all(any(host in url for host in official) for url in links), links


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_internal_links_resolve(lesson) -> None:
    slugs = {item.slug for item in LESSONS}
    for target in lesson.links:
        assert target in slugs, f"{lesson.slug} links to unknown lesson {target!r}"
    # No link may use another scheme for lessons, e.g. a bare "03-the-gil.md".
    assert not re.search(r"\]\([^)]*\.md\)", lesson.body)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_try_it_is_a_runnable_selection(lesson) -> None:
    if not lesson.try_it:
        return
    from gil_tui.engine.run.spec import Mode, Workload, modes_for

    workload = Workload(lesson.try_it["workload"])
    assert Mode(lesson.try_it["mode"]) in modes_for(workload)
    assert "## Try it" in lesson.body
    assert lesson.try_command().startswith("gil-tui bench --workload")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_code_lines_fit_the_pane(lesson) -> None:
    in_code = False
    for line in lesson.body.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            assert len(line) <= 72, f"code line too wide for 80 columns: {line!r}"


def _shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9_']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.skipif(not SEED.exists(), reason="the seed tutorial is not beside this clone")
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_not_copied_from_the_seed(lesson) -> None:
    shared = _shingles(lesson.body) & _shingles(SEED.read_text(encoding="utf-8"))
    assert not shared, f"runs of 8 words shared with the seed: {sorted(shared)[:3]}"


def test_outdated_claims_are_not_made() -> None:
    text = "\n".join(lesson.body for lesson in LESSONS).lower()
    # The GIL lesson must say the 100-tick rule is old, and give the 5 ms interval.
    gil = next(lesson for lesson in LESSONS if lesson.slug == "the-gil").body
    assert "getswitchinterval" in gil and "5 ms" in gil.replace("5\u00a0ms", "5 ms")
    assert "100" in gil and "python 2" in gil.lower()
    # The main guard lesson must describe the bootstrapping RuntimeError.
    guard = next(lesson for lesson in LESSONS if lesson.slug == "main-guard").body
    assert "RuntimeError" in guard and "bootstrapping" in guard
    assert "forkserver" in guard and "3.14" in guard
    assert "0.001 ms" not in text and "~1 µs" not in text.replace("about 1 µs", "")


def _sentences(markdown: str) -> list[str]:
    """The prose of a lesson (code blocks left out), one sentence per item."""
    prose = re.sub(r"^```.*?^```", "\n", markdown, flags=re.S | re.M)
    # paragraphs, headings, list items and table rows each end a sentence
    units = re.split(r"\n\s*\n|\n(?=\s*(?:#|[-*] |\d+\. |\|))", prose)
    sentences = []
    for unit in units:
        flat = re.sub(r"\s+", " ", unit).strip()
        sentences += [s for s in re.split(r"(?<=[.!?:])\s+(?=[A-Z`*_\[(])", flat) if s]
    return sentences


_BOTH_METHODS = re.compile(
    r"spawn\W{1,3}(?:and|or|/)\W{1,3}forkserver|forkserver\W{1,3}(?:and|or|/)\W{1,3}spawn",
    re.I,
)
_REIMPORTS = re.compile(r"import|\bre-?runs?\b|runs? (?:\w+ ){0,4}again", re.I)
_QUALIFIED = re.compile(
    r"3\.13\.8|3\.14\.1|preload|before the fix|older|once|table|versions?\b|releases?\b", re.I
)
_MAIN = re.compile(r"main (?:module|script)|__main__|__mp_main__", re.I)


def _unqualified_reimport(sentence: str) -> bool:
    """Puts forkserver with spawn (or with the main module) as re-importing, for
    every version."""
    together = _BOTH_METHODS.search(sentence) or (
        "forkserver" in sentence.lower() and _MAIN.search(sentence))
    return bool(together and _REIMPORTS.search(sentence) and not _QUALIFIED.search(sentence))


def test_forkserver_is_not_said_to_reimport_main_unqualified() -> None:
    """Since 3.13.8 and 3.14.1 the fork server imports `__main__` once (GH-135295):
    a sentence that puts forkserver with spawn as re-importing the main module must
    say which versions it means."""
    bad = []
    for lesson in LESSONS:
        for sentence in _sentences(lesson.body):
            if _unqualified_reimport(sentence):
                bad.append(f"{lesson.slug}: {sentence.strip()[:160]}")
    assert not bad, "\n".join(bad)


def test_sentence_check_catches_the_old_claim() -> None:
    old = ("Under spawn and forkserver the child imports your main module again. Fine.\n\n"
           "- A forkserver child runs the main script again")
    new = ("Spawn and forkserver (before 3.13.8) children import it again. "
           "Spawn and forkserver pickle the target.\n\n"
           "## Spawn or forkserver\n\nThe fork server imports `__main__` once.")
    for text, expected in ((old, 2), (new, 0)):
        found = [s for s in _sentences(text) if _unqualified_reimport(s)]
        assert len(found) == expected, found


# Each figure is quoted one way everywhere (FACTS.md; the cost table's ranges).
COST_RANGES = {"93-165 µs", "89-117 µs", "2.8-3.0 ms", "1.8-7.4 ms", "11-22 ms",
               "69-93 ms", "65-70 ms"}
def _around(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - 50) : match.end() + 30]


_RANGE = re.compile(r"\b(\d+(?:\.\d+)?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)\s*(µs|ms)\b")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_figures_are_quoted_one_way(lesson) -> None:
    text = re.sub(r"\s+", " ", lesson.body)  # line breaks and no-break spaces too
    # hashlib: the docs' "larger than 2047 bytes", never 2048 or 2 KiB
    for wrong in (r"2048 bytes", r"2,048", r"\b2 ?KiB\b", r"\b2 ?kB\b", r"\b2 ?KB\b",
                  r"2048-byte", r"below 2048", r"of 2048"):
        found = re.search(wrong, text)
        assert not found, f"hashlib threshold written as {_around(text, found)!r}"
    for match in re.finditer(r"2047", text):
        before = text[max(0, match.start() - 12) : match.start()]
        assert "larger than " in before, (
            f"write the threshold as 'larger than 2047 bytes', not {_around(text, match)!r}")
    # worker creation costs: the ranges in FACTS.md's table, nothing in between
    for match in _RANGE.finditer(text):
        figure = f"{match.group(1)}-{match.group(2)} {match.group(3)}"
        assert figure in COST_RANGES, (
            f"{_around(text, match)!r}: {figure} is not one of FACTS.md's cost figures "
            f"{sorted(COST_RANGES)}")


_LINK_TEXT = re.compile(r"\[([^\]]*)\]\(lesson:([a-z0-9-]+)\)")
_LESSON_NUMBER = re.compile(r"\b[Ll]essons? (\d+)\b")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_numbers_match_the_lessons_linked(lesson) -> None:
    orders = {item.slug: item.order for item in LESSONS}
    for text, slug in _LINK_TEXT.findall(lesson.body):
        for number in _LESSON_NUMBER.findall(text):
            assert int(number) == orders.get(slug), (
                f"{lesson.slug}: [{text}](lesson:{slug}) but {slug} is lesson {orders.get(slug)}")
    # an unlinked "lesson N" must at least name a lesson that exists
    prose = _LINK_TEXT.sub("", lesson.body)
    for number in _LESSON_NUMBER.findall(prose):
        assert 1 <= int(number) <= len(LESSONS), f"{lesson.slug}: lesson {number}?"


def test_parse_errors_are_clear() -> None:
    with pytest.raises(LessonError, match="no front matter"):
        parse_lesson("# Title\n")
    with pytest.raises(LessonError, match="not closed"):
        parse_lesson("---\nslug: a\n")
    with pytest.raises(LessonError, match="lacks"):
        parse_lesson("---\nslug: a\n---\nbody\n")
    with pytest.raises(LessonError, match="bad 'try' item"):
        parse_try("workload=cpu colour=blue")
    lesson = parse_lesson(
        "---\nslug: a\ntitle: A\norder: 1\nsummary: s\ntry: workload=cpu mode=threads\n---\n# A\n"
    )
    assert lesson.try_it == {"workload": "cpu", "mode": "threads"}


def test_costs_lesson_shows_what_was_measured_here(tmp_path, monkeypatch) -> None:
    from gil_tui.engine.demos.costs import LAST_TABLE
    from gil_tui.lessons import COSTS_PLACEHOLDER, body_for_display, get_lesson
    from gil_tui.paths import data_dir

    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path))
    lesson = get_lesson("threads-vs-processes")
    assert COSTS_PLACEHOLDER in lesson.body
    assert body_for_display(lesson) == lesson.body, "nothing measured yet: the hint stays"
    data_dir().mkdir(parents=True, exist_ok=True)
    (data_dir() / LAST_TABLE).write_text("Measured on this machine, today:\n\n| what | median |\n")
    shown = body_for_display(lesson)
    assert COSTS_PLACEHOLDER not in shown and "Measured on this machine, today" in shown
    other = get_lesson("the-gil")
    assert body_for_display(other) == other.body


# ------------------------------------------- the main-guard lesson's own interpreters


def test_forkserver_preloads_main_from_the_fixed_releases() -> None:
    from gil_tui.lessons import forkserver_preloads_main

    for version in [(3, 8, 18), (3, 12, 1), (3, 13, 0), (3, 13, 7), (3, 14, 0), (3, 14)]:
        assert not forkserver_preloads_main(version), version
    for version in [(3, 13, 8), (3, 13, 14), (3, 14, 1), (3, 14, 6), (3, 15, 0), (4, 0)]:
        assert forkserver_preloads_main(version), version
    assert forkserver_preloads_main((3, 14, 1, "final", 0))


def test_each_interpreter_gets_its_row() -> None:
    from gil_tui.lessons import forkserver_row, interpreters_list

    assert forkserver_row("3.12.1", (3, 12, 1)) == "3.12.1: forkserver behaves like spawn"
    assert "before the 3.13.8 fix" in forkserver_row("3.13.0", (3, 13, 0))
    assert "before the 3.14.1 fix" in forkserver_row("3.14.0t", (3, 14, 0))
    late = forkserver_row("3.14.2", (3, 14, 2))
    assert late.startswith("3.14.2: ") and "once" in late and "start()" in late
    assert "once" in forkserver_row("3.13.8", (3, 13, 8))
    listing = interpreters_list([("3.14.2", (3, 14, 2)), ("2.7.18", (2, 7, 18)),
                                 ("3.9.18", (3, 9, 18)), ("3.9.18", (3, 9, 18))])
    rows = [line for line in listing.splitlines() if line.startswith("- ")]
    assert [row.split(":")[0] for row in rows] == ["- 3.9.18", "- 3.14.2"], rows
    assert interpreters_list([]) == "" and interpreters_list([("2.7", (2, 7))]) == ""


FAKE_GUARD = """\
---
slug: main-guard
title: The main guard
order: 10
summary: s
---
# The main guard

| Method | Versions |
|---|---|
| spawn | all |

<!-- your-interpreters -->

After the table.
"""


def test_main_guard_placeholder_lists_the_interpreters_or_goes(monkeypatch) -> None:
    import gil_tui.lessons as lessons

    monkeypatch.setattr(lessons, "_known_interpreters", ())
    fake = parse_lesson(FAKE_GUARD)
    gone = lessons.body_for_display(fake)
    assert lessons.INTERPRETERS_PLACEHOLDER not in gone
    assert "| spawn | all |\n\nAfter the table." in gone, "removed, one blank line kept"
    shown = lessons.body_for_display(fake, [("3.13.0", (3, 13, 0)), ("3.14.2", (3, 14, 2))])
    assert lessons.INTERPRETERS_PLACEHOLDER not in shown
    assert "- 3.13.0: forkserver behaves like spawn (before the 3.13.8 fix)" in shown
    assert "| spawn | all |\n\n" in shown and "hang\n\nAfter the table." in shown
    # what the app noted is used when the caller passes nothing
    lessons.note_interpreters([("3.12.1", (3, 12, 1)), ("broken", None)])
    assert "- 3.12.1: forkserver behaves like spawn" in lessons.body_for_display(fake)
    assert "broken" not in lessons.body_for_display(fake)
    assert lessons.body_for_display(fake, []) == gone, "an empty list: nothing known"
    # no placeholder right after a table row: the list still starts a block of its own
    tight = parse_lesson(FAKE_GUARD.replace("| spawn | all |\n\n", "| spawn | all |\n"))
    assert "| spawn | all |\n\nOn the" in lessons.body_for_display(tight, [("3.9", (3, 9))])


def test_the_main_guard_lesson_has_the_placeholder_after_its_table() -> None:
    from gil_tui.lessons import INTERPRETERS_PLACEHOLDER, body_for_display, get_lesson

    lesson = get_lesson("main-guard")
    if INTERPRETERS_PLACEHOLDER not in lesson.body:
        pytest.skip("the main-guard lesson has no interpreters placeholder (yet)")
    before = lesson.body.split(INTERPRETERS_PLACEHOLDER)[0].rstrip().splitlines()
    assert before[-1].startswith("|"), "the placeholder follows the version table"
    assert INTERPRETERS_PLACEHOLDER not in body_for_display(lesson, [])
    assert "3.13.0: forkserver" in body_for_display(lesson, [("3.13.0", (3, 13, 0))])


# --------------------------------------------------- `gil-tui lessons SLUG` text


def test_links_for_terminal() -> None:
    from gil_tui.lessons import links_for_terminal

    md = ("See [lesson 3](lesson:the-gil) and [the guard](lesson:main-guard).\n"
          "[docs](https://docs.python.org/3/library/__main__.html#x_y) and "
          "[https://peps.python.org/pep-0703/](https://peps.python.org/pep-0703/)\n"
          "```python\nprint('[a](lesson:the-gil)')\n```\n")
    plain = links_for_terminal(md, LESSONS)
    guard = next(lesson for lesson in LESSONS if lesson.slug == "main-guard")
    assert "lesson 3 \\[`gil-tui lessons the-gil`\\]" in plain
    assert (f"the guard \\[lesson {guard.order}: {guard.title}, "
            "`gil-tui lessons main-guard`\\]") in plain
    assert "docs (https://docs.python.org/3/library/\\_\\_main\\_\\_.html\\#x\\_y)" in plain
    assert "and https://peps.python.org/pep-0703/\n" in plain
    assert "print('[a](lesson:the-gil)')" in plain, "code is left alone"
    with_links = links_for_terminal(md, LESSONS, hyperlinks=True)
    assert "[docs](https://docs.python.org/3/library/__main__.html#x_y)" in with_links
    assert "](lesson:" not in with_links.split("```")[0]


def test_rendered_links_read_as_plain_text() -> None:
    from io import StringIO

    from rich.console import Console
    from rich.markdown import Markdown

    from gil_tui.lessons import body_for_terminal

    for lesson in LESSONS:
        out = StringIO()
        console = Console(file=out, width=80, force_terminal=False)
        console.print(Markdown(body_for_terminal(lesson, interpreters=[]), hyperlinks=False))
        text = out.getvalue()
        assert "lesson:" not in text, lesson.slug
        for target in lesson.links:
            assert f"gil-tui lessons {target}" in re.sub(r"\s+", " ", text), target


def test_strip_trailing_spaces() -> None:
    from gil_tui.lessons import strip_trailing_spaces

    assert strip_trailing_spaces("a  \n b \t\n\n  \nc") == "a\n b\n\n\nc"
    styled = "\x1b[1mtitle\x1b[0m   \x1b[0m  \x1b]8;id=1;https://x\x1b\\\x1b[0m\n"
    assert strip_trailing_spaces(styled) == (
        "\x1b[1mtitle\x1b[0m\x1b[0m\x1b]8;id=1;https://x\x1b\\\x1b[0m\n")
    assert strip_trailing_spaces("keep  inner  spaces") == "keep  inner  spaces"
