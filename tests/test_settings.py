"""The settings file: what is remembered, how it is written, and that no file can crash it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from gil_tui import paths
from gil_tui.settings import (
    LiveSettings,
    SettingError,
    Settings,
    load_settings,
    parse_settings,
    render_settings,
    save_settings,
)
from gil_tui.settings import toml_text
from gil_tui.settings.store import tomllib  # tomllib, or tomli on Python 3.10

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = """\
theme = "nord"
sample_hz = 10

[live]
workload = "io"
mode = "asyncio"
workers = 16
scale = 0.5
python = "/opt/python3.13t/bin/python3.13t"

[compare]
interpreters = ["/usr/bin/python3.12", "/opt/py 3.14/bin/python3"]

[keymap]
"live.run" = "enter"
"app.quit" = "ctrl+x,q"
"""


@pytest.fixture
def file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


def broken_copies(file: Path) -> list[Path]:
    return sorted(file.parent.glob("settings.toml.broken-*"))


# ------------------------------------------------------------------ values

def test_defaults_are_the_apps_defaults():
    s = Settings()
    assert (s.theme, s.sample_hz, dict(s.keymap)) == (None, 4.0, {})
    assert s.live == LiveSettings("cpu", "threads", 2, 1.0, None)
    assert s.compare.interpreters == ()


def test_the_example_file_reads_as_written():
    s, problems = parse_settings(EXAMPLE)
    assert problems == []
    assert s.theme == "nord" and s.sample_hz == 10.0
    assert s.live == LiveSettings("io", "asyncio", 16, 0.5, "/opt/python3.13t/bin/python3.13t")
    assert s.compare.interpreters == ("/usr/bin/python3.12", "/opt/py 3.14/bin/python3")
    assert dict(s.keymap) == {"live.run": "enter", "app.quit": "ctrl+x,q"}


def test_with_methods_change_one_part_and_validate():
    s = Settings().with_live(workload="sleep", workers=8).with_theme("gruvbox")
    assert (s.live.workload, s.live.workers, s.live.mode, s.theme) == ("sleep", 8, "threads",
                                                                      "gruvbox")
    assert s.with_compare(["/a", "/b", "/a"]).compare.interpreters == ("/a", "/b")
    assert s.with_sample_hz(2).sample_hz == 2.0
    assert dict(s.with_keymap({"live.run": "enter"}).keymap) == {"live.run": "enter"}
    for bad in (lambda: s.with_live(workers=0), lambda: s.with_live(scale=float("nan")),
                lambda: s.with_live(mode="asyncio", workload="cpu"),
                lambda: s.with_theme("[bold]x"), lambda: s.with_sample_hz(50),
                lambda: s.with_live(python="/usr/bin/py\x1b[2J"),
                lambda: s.with_compare(["ok", ""])):
        with pytest.raises(SettingError):
            bad()


def test_keymap_cannot_be_changed_in_place():
    s = Settings(keymap={"live.run": "enter"})
    with pytest.raises(TypeError):
        s.keymap["live.run"] = "x"  # type: ignore[index]


def test_live_try_values_fit_the_live_selection():
    from gil_tui.ui.selection import Selection

    live = Settings().with_live(workload="io", mode="asyncio", workers=16, scale=0.25).live
    sel = Selection.from_try(live.try_values())
    assert (sel.workload.value, sel.mode.value, sel.workers, sel.scale) == ("io", "asyncio",
                                                                          16, 0.25)


@pytest.mark.parametrize("text, problem", [
    ("sample_hz = 0", "sample_hz must be a number from 1 to 20"),
    ("sample_hz = 21.5", "sample_hz must be"),
    ("sample_hz = nan", "sample_hz must be"),
    ("sample_hz = true", "sample_hz must be"),
    ('theme = ""', "theme must be"),
    ("theme = 3", "theme must be"),
    ('theme = "a\\u001b[31m"', "theme must be"),
    ("[live]\nworkers = 257", "live.workers must be a whole number from 1 to 256"),
    ("[live]\nworkers = 0", "live.workers"),
    ("[live]\nworkers = 2.0", "live.workers"),
    ("[live]\nscale = inf", "live.scale must be"),
    ("[live]\nscale = 0", "live.scale"),
    ("[live]\nscale = 101", "live.scale"),
    ('[live]\nworkload = "gpu"', "live.workload must be one of cpu, io, sleep, hash"),
    ('[live]\nmode = "fibers"', "live.mode must be one of"),
    ('[live]\nmode = "asyncio"', "asyncio mode runs the I/O workloads only"),
    ('[live]\npython = "/bin/py\\u0007"', "live.python must be the path"),
    ("[live]\npython = 3", "live.python"),
    ('[compare]\ninterpreters = "/usr/bin/python3"', "compare.interpreters must be a list"),
    ('[compare]\ninterpreters = ["/ok", 3]', "compare.interpreters must be the path"),
    ("live = 3", "[live] must be a table"),
    ("keymap = []", "[keymap] must be a table"),
    ("[keymap]\n\"live.run\" = 1", "keymap entry live.run"),
    ('[keymap]\n"live run" = "r"', "keymap entry live run"),
    ("wrokers = 4", "unknown setting wrokers"),
    ("[live]\nwrokers = 4", "unknown setting live.wrokers"),
    ("[live\n", "not valid TOML"),
    ("x = " + "[" * 3000, "not valid TOML"),
])
def test_a_bad_value_is_a_problem_and_its_default(text, problem):
    s, problems = parse_settings(text)
    assert any(problem in p for p in problems), problems
    assert isinstance(s, Settings)


def test_only_the_broken_parts_get_their_defaults():
    s, problems = parse_settings('theme = "nord"\n[live]\nworkload = "io"\nworkers = 999\n'
                                 'mode = "asyncio"\n[keymap]\n"live.run" = "enter"\n"x" = 1\n')
    assert len(problems) == 2
    assert (s.theme, s.live.workload, s.live.mode, s.live.workers) == ("nord", "io", "asyncio", 2)
    assert dict(s.keymap) == {"live.run": "enter"}


def test_an_impossible_combination_falls_back_to_the_default_mode():
    s, problems = parse_settings('[live]\nworkload = "cpu"\nmode = "asyncio"\nworkers = 8\n')
    assert (s.live.workload, s.live.mode, s.live.workers) == ("cpu", "threads", 8)
    assert len(problems) == 1


# ------------------------------------------------------------------ writing

def test_render_then_parse_gives_the_same_settings():
    s, _ = parse_settings(EXAMPLE)
    text = render_settings(s)
    assert text.startswith("# gil-tui settings")
    assert parse_settings(text) == (s, [])


def test_unset_values_are_written_as_comments_a_person_can_fill_in():
    text = render_settings(Settings())
    assert '# theme = "textual-dark"' in text and "# python = " in text
    assert '# "live.run" = "enter"' in text
    assert tomllib.loads(text)["live"] == {"workload": "cpu", "mode": "threads", "workers": 2,
                                           "scale": 1.0}


PATH_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1,
                    max_size=60).filter(str.strip)


@given(python=PATH_TEXT, others=st.lists(PATH_TEXT, max_size=5),
       keys=st.dictionaries(st.from_regex(r"[a-z]{1,8}\.[a-z_]{1,12}", fullmatch=True),
                            PATH_TEXT, max_size=5),
       scale=st.floats(min_value=1e-9, max_value=100), hz=st.floats(1, 20))
@hsettings(deadline=None)
def test_any_valid_settings_round_trip_through_the_file_text(python, others, keys, scale, hz):
    s = Settings(sample_hz=hz, keymap=keys).with_live(python=python, scale=scale)
    s = s.with_compare(others)
    assert parse_settings(render_settings(s)) == (s, [])


@pytest.mark.parametrize("text", ["C:\\Python\\python.exe", 'a "quoted" path', "tab\there",
                                  "del\x7f", "new\nline", "é ✓ 𝔓", "\\u0041"])
def test_toml_strings_escape_what_toml_forbids(text):
    assert tomllib.loads(f"x = {toml_text.string(text)}")["x"] == text


def test_save_writes_atomically_and_leaves_no_temporary_file(file):
    first = Settings().with_live(workers=8)
    assert save_settings(first, file) == file
    inode = file.stat().st_ino
    save_settings(first.with_theme("nord"), file)
    assert load_settings(file) == (first.with_theme("nord"), [])
    assert file.stat().st_ino != inode  # replaced, not rewritten in place
    assert [p.name for p in file.parent.iterdir()] == ["settings.toml"]


def test_a_failed_write_keeps_the_old_file(file, monkeypatch):
    save_settings(Settings().with_live(workers=8), file)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        save_settings(Settings().with_live(workers=3), file)
    monkeypatch.undo()
    assert load_settings(file)[0].live.workers == 8
    assert [p.name for p in file.parent.iterdir()] == ["settings.toml"]


# ------------------------------------------------------------------ loading

def test_no_file_means_defaults_no_warning_and_nothing_written(file):
    assert load_settings(file) == (Settings(), [])
    assert not file.parent.exists()


def test_the_default_path_follows_gil_tui_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path))
    assert paths.settings_path() == tmp_path / "config" / "settings.toml"
    save_settings(Settings().with_theme("nord"))
    assert (tmp_path / "config" / "settings.toml").exists()
    assert load_settings()[0].theme == "nord"


def test_a_broken_file_gives_one_warning_defaults_and_is_kept_aside(file):
    file.parent.mkdir(parents=True)
    file.write_text('theme = "nord"\n[live]\nworkers = 9999\nscale = -1\nmode = "x"\n')
    s, warnings = load_settings(file)
    assert s == Settings(theme="nord")
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "live.workers must be" in warnings[0] and "(+1 more)" in warnings[0]
    [kept] = broken_copies(file)
    assert kept.read_text().startswith('theme = "nord"')
    assert warnings[0].endswith(f"(the old file is kept as {kept.name})")
    # the repaired file is in place, so the next start is quiet
    assert load_settings(file) == (s, [])
    assert len(broken_copies(file)) == 1


@pytest.mark.parametrize("content", [b"\xff\xfe garbage", b"[live\nworkers=", b"x" * 300_000,
                                     b"\x00\x00"])
def test_files_that_are_not_settings_at_all(file, content):
    file.parent.mkdir(parents=True)
    file.write_bytes(content)
    s, warnings = load_settings(file)
    assert s == Settings() and len(warnings) == 1
    assert len(broken_copies(file)) == 1
    assert parse_settings(file.read_text()) == (Settings(), [])


def test_two_broken_files_in_one_second_are_both_kept(file):
    file.parent.mkdir(parents=True)
    for n in range(2):
        file.write_text(f"broken {n} [")
        load_settings(file)
    assert {p.read_text() for p in broken_copies(file)} == {"broken 0 [", "broken 1 ["}


def test_an_unreadable_file_is_a_warning_and_is_left_alone(file):
    file.mkdir(parents=True)  # a directory where the file should be
    s, warnings = load_settings(file)
    assert s == Settings() and len(warnings) == 1 and "cannot read" in warnings[0]
    assert file.is_dir() and broken_copies(file) == []


def test_a_file_that_cannot_be_moved_is_a_warning_and_is_left_alone(file, monkeypatch):
    file.parent.mkdir(parents=True)
    file.write_text("workers = [")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)  # a read-only config directory
    s, warnings = load_settings(file)
    monkeypatch.undo()
    assert s == Settings() and len(warnings) == 1
    assert "could not keep the file aside: Permission denied" in warnings[0]
    assert file.read_text() == "workers = [" and broken_copies(file) == []


@given(text=st.text(max_size=400))
@hsettings(deadline=None)
def test_any_text_never_crashes_the_parser(text):
    s, problems = parse_settings(text)
    assert isinstance(s, Settings) and all(isinstance(p, str) for p in problems)


TOML_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


@given(data=st.dictionaries(st.sampled_from(["theme", "sample_hz", "live", "compare", "keymap",
                                             "other"]),
                            TOML_VALUE | st.dictionaries(
                                st.sampled_from(["workload", "mode", "workers", "scale",
                                                 "python", "interpreters", "live.run"]),
                                TOML_VALUE, max_size=5)))
@hsettings(deadline=None)
def test_any_toml_shaped_data_never_crashes_the_parser(data):
    lines = []
    for name, item in data.items():
        try:
            lines.append(toml_text.assignment(name, item))
        except (TypeError, ValueError):  # None, nan, dicts: write them as tables by hand
            lines.append(f"{toml_text.key(name)} = {{}}")
    s, problems = parse_settings("\n".join(lines))
    assert isinstance(s, Settings)
    # whatever came in, what is kept can be written and read back unchanged
    assert parse_settings(render_settings(s)) == (s, [])


@given(content=st.binary(max_size=300))
@hsettings(deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_never_crash_the_loader(tmp_path, content):
    file = Path(tempfile.mkdtemp(dir=tmp_path)) / "settings.toml"
    file.write_bytes(content)
    s, warnings = load_settings(file)
    assert isinstance(s, Settings) and len(warnings) <= 1
    assert load_settings(file) == (s, [])  # the next start is quiet either way


def test_the_settings_modules_never_import_the_ui():
    code = ("import sys, gil_tui.settings, gil_tui.terminal; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
