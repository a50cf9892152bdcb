"""`gil-tui interpreters`: its output shapes and exit codes are an API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gil_tui import paths
from gil_tui.cli import main
from gil_tui.commands.interpreters import FREE_THREADED_HINT, HEADERS, render_table
from gil_tui.engine.system.interpreters import parse_probe_output

ROOT = Path(__file__).resolve().parents[1]
PY38 = "/root/.pyenv/versions/3.8.18/bin/python3.8"
PY27 = "/root/.pyenv/versions/2.7.18/bin/python2.7"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIL_TUI_HOME=str(home))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "gil_tui", "interpreters", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_json_lists_current_first(home):
    done = cli("--json", home=home)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    items = json.loads(done.stdout)
    assert isinstance(items, list) and items
    first = items[0]
    assert first["source"] == "current"
    assert first["path"] == os.path.abspath(sys.executable)
    assert first["supported"] is True and first["reason"] is None
    for item in items:
        for key in ("path", "version", "implementation", "gil_enabled", "free_threaded",
                    "supported", "reason", "source"):
            assert key in item
        assert item["source"] in ("current", "added", "pyenv", "uv", "path")
        if not item["supported"]:
            assert item["reason"]
    if os.path.exists(PY27):
        old = [i for i in items if i["version"] and i["version"].startswith("2.7")]
        assert old and old[0]["supported"] is False
        assert "gil-tui needs CPython >= 3.8" in old[0]["reason"]


def test_table_columns_and_hint(home):
    done = cli(home=home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["VERSION", "BUILD", "GIL", "NOW", "AIOHTTP", "SOURCE", "PATH",
                                "STATUS"]
    # aligned: every row's PATH column starts where the header's does
    col = lines[0].index("PATH")
    rows = [line for line in lines[1:] if line.startswith(tuple("0123456789?"))]
    assert rows and all(row[col - 2 : col] == "  " for row in rows)
    assert any(os.path.abspath(sys.executable) in row and "current" in row for row in rows)
    has_ft = any(" free-threaded " in row and row.endswith(" ok") for row in rows)
    assert (lines[-1] == FREE_THREADED_HINT) is (not has_ft)


def test_add_bad_path_fails_with_one_line_and_persists_nothing(home, capsys):
    code = main(["interpreters", "--add", "/no/such/python3"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == "gil-tui interpreters: no such file: /no/such/python3\n"
    assert not paths.interpreters_path().exists()


def test_add_non_python_binary(home, capsys):
    assert main(["interpreters", "--add", "/bin/ls"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/bin/ls did not answer like Python" in err
    assert not paths.interpreters_path().exists()


def test_add_python_27_names_the_version(home, capsys):
    if not os.path.exists(PY27):
        pytest.skip("no Python 2.7 here")
    assert main(["interpreters", "--add", PY27]) == 1
    err = capsys.readouterr().err
    assert f"{PY27} is Python 2.7.18; gil-tui needs CPython >= 3.8" in err
    assert not paths.interpreters_path().exists()


def test_add_list_remove_round_trip(home, capsys):
    if not os.path.exists(PY38):
        pytest.skip("no Python 3.8 here")
    assert main(["interpreters", "--add", PY38]) == 0
    assert capsys.readouterr().out == f"added {PY38}: 3.8.18 (GIL)\n"
    assert json.loads(paths.interpreters_path().read_text())["paths"] == [PY38]
    assert main(["interpreters", "--remove", PY38]) == 0
    assert capsys.readouterr().out == f"removed {PY38}\n"
    assert main(["interpreters", "--remove", PY38]) == 1
    assert "is not among the interpreters you added" in capsys.readouterr().err


def test_add_json_prints_the_interpreter(home, capsys):
    assert main(["interpreters", "--json", "--add", sys.executable]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source"] == "added" and data["supported"] is True


@pytest.mark.parametrize(
    "argv",
    [
        ["interpreters", "--add", "/x", "--remove", "/y"],
        ["interpreters", "--timeout", "0"],
        ["interpreters", "--timeout", "soon"],
    ],
)
def test_usage_errors_exit_2(argv, home, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def ft_payload(gil: bool) -> str:
    return json.dumps({
        "magic": "gil-tui-probe", "version_info": [3, 14, 0], "releaselevel": "final",
        "serial": 0, "version": "3.14.0 free-threading build (main) [GCC]",
        "implementation": "cpython", "py_gil_disabled": 1, "gil_enabled": gil,
        "cpu_count": 2, "has_aiohttp": False,
    })


def test_render_table_free_threaded_rows_and_no_hint():
    ft = parse_probe_output("/opt/bin/python3.14t", "uv", ft_payload(False))
    bad = parse_probe_output("/bin/ls", "added", "")
    text = render_table([ft, bad])
    lines = text.splitlines()
    assert lines[0].split()[:2] == HEADERS[:2]
    assert lines[1].split() == ["3.14.0t", "free-threaded", "off", "no", "uv",
                                "/opt/bin/python3.14t", "ok"]
    assert lines[2].split()[:4] == ["?", "?", "?", "?"]
    assert lines[2].endswith("/bin/ls did not answer like Python")
    assert FREE_THREADED_HINT not in text


def test_render_table_empty_gives_hint():
    text = render_table([])
    assert "No Python interpreter found." in text
    assert text.endswith(FREE_THREADED_HINT + "\n")


# ------------------------------------------------------------------ empty and hostile input


@pytest.mark.parametrize("flag", ["--add", "--remove"])
@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_an_empty_path_is_a_usage_error(flag, value, home, capsys):
    # "" used to be taken as "not given": the list of interpreters was printed
    assert main(["interpreters", flag, value]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"gil-tui interpreters: {flag} needs a path (got an empty one)\n"
    assert not paths.interpreters_path().exists()


def write_config(text: str) -> Path:
    file = paths.interpreters_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def test_a_corrupt_config_lists_with_one_line(home, monkeypatch):
    file = write_config("[" * 100_000)  # json.loads raises RecursionError
    monkeypatch.setenv("PATH", "/nonexistent")  # the current interpreter only: fast
    done = cli("--json", home=home)
    assert done.returncode == 0 and json.loads(done.stdout)
    assert done.stderr == (f"gil-tui interpreters: the list of added interpreters in {file} "
                           "cannot be read: it is nested too deeply; fix or delete that file\n")


def test_a_corrupt_config_is_not_overwritten_by_add(home, capsys):
    file = write_config('{"paths": [1e400, "/my/python3",]}')
    before = file.read_bytes()
    assert main(["interpreters", "--add", sys.executable]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"gil-tui interpreters: the list of added interpreters in {file} "
                          "cannot be read: it is not valid JSON")
    assert main(["interpreters", "--remove", "/my/python3"]) == 1
    assert "fix or delete that file" in capsys.readouterr().err
    assert file.read_bytes() == before


def test_entries_that_are_not_paths_are_said_then_dropped(home, capsys):
    file = write_config(json.dumps({"paths": [3, None, {"p": 1}]}))
    assert main(["interpreters", "--add", sys.executable]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("added ")
    assert err == (f"gil-tui interpreters: {file}: skipped 3 entries that are not paths "
                   "(dropped when the list is next saved)\n")
    assert json.loads(file.read_text())["paths"] == [os.path.abspath(sys.executable)]


def test_paths_from_the_config_are_cleaned_in_the_table(home):
    write_config(json.dumps({"paths": ["/tmp/\x1b]0;owned\x07py\x1b[2J"]}))
    done = cli(home=home)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "/tmp/\\x1b]0;owned\\x07py\\x1b[2J" in done.stdout
    assert json.loads(cli("--json", home=home).stdout)  # JSON keeps the path (escaped by JSON)
