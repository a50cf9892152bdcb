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
    "threads-for-io", "free-threading", "main-guard", "choosing", "interpreters",
}


def test_at_least_nine_lessons_in_order() -> None:
    assert len(LESSONS) >= 9
    orders = [lesson.order for lesson in LESSONS]
    assert orders == sorted(orders)
    assert len(set(orders)) == len(orders), "two lessons share an order"
    assert REQUIRED_TOPICS <= {lesson.slug for lesson in LESSONS}


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
    assert lesson.try_it["workload"] in {"cpu", "io", "sleep", "hash"}
    assert lesson.try_it["mode"] in {"sequential", "threads", "processes", "asyncio"}
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
    from gil_tui.engine.costs import LAST_TABLE
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
