"""Interpreter probing and discovery, against the real interpreters on this machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from gil_tui import paths
from gil_tui.engine.system import interpreters as interp_mod
from gil_tui.engine.system.interpreters import (
    Interpreter,
    InterpreterError,
    add_path,
    current,
    discover,
    parse_probe_output,
    probe,
    remove_path,
    user_paths,
)

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"


def pyenv_python(version: str) -> str:
    """The pyenv interpreter for ``version`` (e.g. "3.12"), or skip the test."""
    matches = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not matches:
        pytest.skip(f"no pyenv Python {version} on this machine")
    return str(matches[0])


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An isolated GIL_TUI_HOME and empty search locations."""
    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path / "home"))
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PYENV_ROOT", str(empty / "pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(empty / "uv"))
    monkeypatch.setenv("PATH", str(empty))
    return tmp_path


def write_script(path: Path, body: str) -> Path:
    path.write_text(body)
    path.chmod(0o755)
    return path


# ------------------------------------------------------------------ probe


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.7"])
def test_old_pythons_are_unsupported_and_say_which_version(version):
    path = pyenv_python(version)
    info = probe(path)
    assert info.supported is False
    assert info.version is not None and info.version.startswith(version + ".")
    assert info.reason == f"{path} is Python {info.version}; gil-tui needs CPython >= 3.8"
    assert info.free_threaded is False


@pytest.mark.parametrize("version", ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
def test_supported_pyenv_pythons(version):
    path = pyenv_python(version)
    info = probe(path, source="pyenv")
    assert info.supported is True, info.reason
    assert info.reason is None
    assert info.source == "pyenv"
    assert info.implementation == "cpython"
    assert info.version_info[:2] == tuple(int(x) for x in version.split("."))
    assert info.version == ".".join(map(str, info.version_info))
    # GIL builds: the build flag is off and the GIL is on at run time
    assert info.free_threaded is False
    assert info.gil_enabled is True
    assert info.label() == f"{info.version} (GIL)"
    assert info.cpu_count is not None and info.cpu_count >= 1
    assert info.realpath == os.path.realpath(path)
    assert info.start_method in ("fork", "spawn", "forkserver")


def test_current_is_the_running_interpreter():
    info = current()
    assert info.source == "current"
    assert info.path == os.path.abspath(sys.executable)
    assert info.supported is True
    assert info.version_info == tuple(sys.version_info[:3])
    assert info.has_aiohttp is True  # the project venv has aiohttp
    if hasattr(os, "sched_getaffinity"):
        assert info.cpu_count == len(os.sched_getaffinity(0))
    assert info.prefix == sys.prefix


def test_nonexistent_path(tmp_path):
    missing = tmp_path / "no" / "python9"
    info = probe(str(missing))
    assert info.supported is False
    assert info.reason == f"no such file: {missing}"
    assert info.version is None and info.label() == "unknown"


def test_non_python_binary():
    info = probe("/bin/ls")
    assert info.supported is False
    assert info.version is None
    assert info.reason.startswith("/bin/ls did not answer like Python")


def test_script_printing_garbage(tmp_path):
    script = write_script(
        tmp_path / "python3", '#!/bin/sh\necho "hello {not json"\necho \'{"a": 1}\'\n'
    )
    info = probe(str(script))
    assert info.supported is False
    assert info.reason == f"{script} did not answer like Python"


def test_not_executable_directory_and_empty(tmp_path):
    plain = tmp_path / "python3"
    plain.write_text("print(1)\n")
    assert probe(str(plain)).reason == f"not executable: {plain}"
    assert probe(str(tmp_path)).reason == f"{tmp_path} is a directory, not a Python interpreter"
    assert probe("").reason == "no interpreter path given"
    assert probe("bad\0path").supported is False  # never raises


def test_broken_symlink(tmp_path):
    link = tmp_path / "python3"
    link.symlink_to(tmp_path / "gone")
    assert probe(str(link)).reason == f"broken symbolic link: {link}"


def test_timeout_kills_the_whole_group(tmp_path):
    script = write_script(tmp_path / "slowpython", "#!/bin/sh\nsleep 37\necho done\n")
    info = probe(str(script), timeout=0.5)
    # the script cannot answer before 37 s: this reason is only given by the timeout
    assert info.reason == f"{script} did not answer within 0.5 s"
    left = []  # the probe returns once the group is gone (a zombie counts as gone)
    for proc in psutil.process_iter(["cmdline"]):
        if proc.info["cmdline"] == ["sleep", "37"]:
            left.append(proc.pid)
    assert left == []


def test_timeout_also_ends_a_child_that_left_the_group(tmp_path):
    """A "python" whose child calls setsid: a group kill misses it, the tree kill does not."""
    pidfile = tmp_path / "escaped"
    script = write_script(tmp_path / "escaping", "#!/bin/sh\n"
                          f"setsid sleep 3600 &\necho $! > {pidfile}\nexec sleep 3600\n")
    info = probe(str(script), timeout=2.0)
    assert info.reason == f"{script} did not answer within 2 s"
    escaped = int(pidfile.read_text())
    try:
        assert psutil.Process(escaped).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        pass
    finally:
        try:
            os.kill(escaped, 9)
        except ProcessLookupError:
            pass


def test_bare_command_name_is_looked_up_on_path(tmp_path, monkeypatch):
    real = pyenv_python("3.12")
    (tmp_path / "python3.12").symlink_to(real)
    monkeypatch.setenv("PATH", str(tmp_path))
    info = probe("python3.12")
    assert info.path == str(tmp_path / "python3.12")
    assert info.supported


def test_probe_honours_pythonpath_like_the_worker(tmp_path, monkeypatch):
    # the probe runs without -I/-E, so it sees what the worker will see
    (tmp_path / "aiohttp").mkdir()
    (tmp_path / "aiohttp" / "__init__.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    info = probe(pyenv_python("3.12"))
    assert info.has_aiohttp is True


def test_probe_ignores_modules_in_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "json.py").write_text("raise SystemExit('shadowed')\n")
    monkeypatch.chdir(tmp_path)
    assert probe(sys.executable).supported is True


# ------------------------------------------------- parse_probe_output


def real_probe_payload() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", interp_mod.PROBE_SCRIPT], capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def payload(**changes) -> str:
    data = {
        "magic": "gil-tui-probe",
        "version_info": [3, 14, 0],
        "releaselevel": "final",
        "serial": 0,
        "version": "3.14.0 free-threading build (main, Oct  7 2025, 15:35:12) [GCC 13.3.0]",
        "executable": "/opt/py/bin/python3.14t",
        "prefix": "/opt/py",
        "implementation": "cpython",
        "py_gil_disabled": 1,
        "gil_enabled": False,
        "cpu_count": 8,
        "has_aiohttp": False,
        "start_method": "forkserver",
    }
    data.update(changes)
    return json.dumps(data) + "\n"


def test_hand_written_payload_has_the_real_script_keys():
    assert set(json.loads(payload())) == set(real_probe_payload())


def test_parse_free_threaded_314t():
    info = parse_probe_output("/opt/py/bin/python3.14t", "uv", payload())
    assert info.free_threaded is True
    assert info.gil_enabled is False
    assert info.supported is True and info.reason is None
    assert info.version == "3.14.0" and info.version_info == (3, 14, 0)
    assert info.label() == "3.14.0t (free-threaded, GIL off)"
    assert info.build.startswith("3.14.0 free-threading build")
    assert info.start_method == "forkserver"
    assert info.source == "uv"


def test_parse_313t_with_gil_reenabled_at_run_time():
    out = payload(
        version_info=[3, 13, 1],
        version="3.13.1 experimental free-threading build (main, Dec  4 2024) [GCC 12.2.0]",
        gil_enabled=True,  # PYTHON_GIL=1 in the environment
        start_method="fork",
    )
    info = parse_probe_output("/x/python3.13t", "pyenv", out)
    assert info.free_threaded is True
    assert info.gil_enabled is True
    assert info.label() == "3.13.1t (free-threaded, GIL on)"


def test_parse_gil_builds_before_and_after_313():
    old = parse_probe_output(
        "/x/python3.11",
        "path",
        payload(version_info=[3, 11, 7], version="3.11.7 (main) [GCC]", py_gil_disabled=None,
                gil_enabled=None),
    )
    assert (old.free_threaded, old.gil_enabled, old.label()) == (False, True, "3.11.7 (GIL)")
    new = parse_probe_output(
        "/x/python3.13",
        "path",
        payload(version_info=[3, 13, 0], version="3.13.0 (main) [GCC]", py_gil_disabled=0,
                gil_enabled=True),
    )
    assert (new.free_threaded, new.gil_enabled) == (False, True)


def test_parse_prerelease_and_noise_before_the_answer():
    out = "sitecustomize says hi\n{broken\n" + payload(releaselevel="candidate", serial=1)
    info = parse_probe_output("/x/python3.14t", "added", out)
    assert info.version == "3.14.0rc1"
    assert info.label() == "3.14.0rc1t (free-threaded, GIL off)"


def test_parse_other_implementation_is_unsupported():
    info = parse_probe_output(
        "/x/pypy3", "path", payload(implementation="pypy", version_info=[3, 10, 14],
                                    version="3.10.14 [PyPy 7.3.17]", py_gil_disabled=None,
                                    gil_enabled=None)
    )
    assert info.supported is False
    assert info.reason == "/x/pypy3 is PyPy 3.10.14; gil-tui needs CPython >= 3.8"
    assert info.label() == "PyPy 3.10.14 (unsupported)"


@pytest.mark.parametrize(
    "stdout, stderr, code, expected",
    [
        ("", "", 0, "/x/p did not answer like Python"),
        ("", "", 3, "/x/p did not answer like Python (exit code 3)"),
        ('{"version_info": [3, 12, 0]}', "", 0, "/x/p did not answer like Python"),
        (payload(version_info="3.12"), "", 0, "/x/p did not answer like Python"),
        ("", "oops: bad flag\n", 2, "/x/p did not answer like Python (oops: bad flag)"),
        (
            "",
            "Fatal Python error: config_read_gil: Disabling the GIL is not supported by this "
            "build\nPython runtime state: preinitialized\n",
            1,
            "/x/p failed to start: Fatal Python error: config_read_gil: Disabling the GIL is "
            "not supported by this build",
        ),
    ],
)
def test_parse_failures(stdout, stderr, code, expected):
    info = parse_probe_output("/x/p", "added", stdout, stderr, code)
    assert info.supported is False
    assert info.reason == expected


def test_to_dict_round_trip():
    info = parse_probe_output("/opt/py/bin/python3.14t", "uv", payload())
    data = info.to_dict()
    assert json.loads(json.dumps(data))["version_info"] == [3, 14, 0]
    assert data["label"] == info.label()
    for key in ("path", "version", "implementation", "gil_enabled", "free_threaded",
                "supported", "reason", "source"):
        assert key in data
    assert Interpreter.from_dict(data) == info


# ------------------------------------------------------------ discovery


def fake_install(root: Path, name: str, real: str, binary: str) -> Path:
    bindir = root / name / "bin"
    bindir.mkdir(parents=True)
    (bindir / binary).symlink_to(real)
    (bindir / "python3").symlink_to(binary)
    (bindir / "python").symlink_to("python3")
    write_script(bindir / f"{binary}-config", "#!/bin/sh\necho config\n")
    return bindir / binary


def test_discover_sources_shims_and_dedupe(home, monkeypatch):
    real312 = os.path.realpath(pyenv_python("3.12"))
    real313 = os.path.realpath(pyenv_python("3.13"))
    pyenv_root = home / "pyenv"
    monkeypatch.setenv("PYENV_ROOT", str(pyenv_root))
    in_pyenv = fake_install(pyenv_root / "versions", "3.12.1", real312, "python3.12")
    uv_root = home / "uv"
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(uv_root))
    in_uv = fake_install(uv_root, "cpython-3.13.0-linux-x86_64-gnu", real313, "python3.13")

    bindir = home / "bin"
    bindir.mkdir()
    (bindir / "python3.12").symlink_to(real312)  # same as the pyenv one
    shims = home / "shims"
    shims.mkdir()
    write_script(shims / "python3", '#!/usr/bin/env bash\nexec pyenv exec "$0" "$@"\n')
    monkeypatch.setenv("PATH", os.pathsep.join([str(shims), str(bindir)]))

    found = discover()
    assert found[0].source == "current"
    assert found[0].path == os.path.abspath(sys.executable)
    by_real = {}
    for info in found:
        by_real.setdefault((info.realpath, info.prefix), []).append(info)
    assert all(len(v) == 1 for v in by_real.values()), found
    sources = {info.path: info.source for info in found}
    assert sources[str(in_pyenv)] == "pyenv"  # pyenv beats path, most specific name kept
    assert sources[str(in_uv)] == "uv"
    assert str(bindir / "python3.12") not in sources
    assert str(shims / "python3") not in sources
    assert not any(p.endswith("-config") for p in sources)


def test_discover_symlink_dedupes_and_added_wins(home, monkeypatch, tmp_path):
    real = os.path.realpath(pyenv_python("3.10"))
    bindir = home / "bin"
    bindir.mkdir()
    (bindir / "python3.10").symlink_to(real)
    monkeypatch.setenv("PATH", str(bindir))
    link = tmp_path / "mypython"
    link.symlink_to(real)
    found = [i for i in discover(extra=[str(link)]) if i.realpath == real]
    assert len(found) == 1
    assert found[0].source == "added" and found[0].path == str(link)


def test_discover_includes_user_added_and_bad_extras(home):
    py = pyenv_python("3.9")
    add_path(py)
    found = discover(extra=["/definitely/not/here"])
    assert any(i.path == py and i.source == "added" for i in found)
    bad = [i for i in found if i.path == "/definitely/not/here"]
    assert bad and bad[0].reason == "no such file: /definitely/not/here"


# ------------------------------------------------------- add / remove


def test_add_and_remove_persist_under_gil_tui_home(home):
    py = pyenv_python("3.8")
    assert user_paths() == []
    info = add_path(py)
    assert info.supported and info.source == "added"
    file = paths.interpreters_path()
    assert str(file).startswith(str(home / "home"))
    assert json.loads(file.read_text())["paths"] == [py]
    add_path(py)  # no duplicate
    assert user_paths() == [py]
    assert remove_path(py) is True
    assert user_paths() == []
    assert remove_path(py) is False


@pytest.mark.parametrize("bad", ["/bin/ls", "/no/such/python"])
def test_add_refuses_non_python_and_persists_nothing(home, bad):
    with pytest.raises(InterpreterError) as err:
        add_path(bad)
    assert bad in str(err.value)
    assert not paths.interpreters_path().exists()


def test_add_refuses_python_27_with_the_version(home):
    py = pyenv_python("2.7")
    expected = r"is Python 2\.7\.\d+; gil-tui needs CPython >= 3\.8"
    with pytest.raises(InterpreterError, match=expected):
        add_path(py)
    assert user_paths() == []


def config_file(content: str | bytes) -> Path:
    file = paths.interpreters_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        file.write_text(content, encoding="utf-8")
    return file


def test_corrupt_user_file_is_ignored(home):
    config_file("{not json")
    assert user_paths() == []
    config_file(json.dumps({"paths": ["/a", 3, None, ""]}))
    assert user_paths() == ["/a"]


NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("content, why", [
    ("{not json", "it is not valid JSON (Expecting property name enclosed in double quotes "
                  "at line 1 column 2)"),
    (NESTED, "it is nested too deeply"),                           # RecursionError
    ('{"paths": [' + "9" * 5000 + "]}", "it holds a number too long to read"),
    (b"\xff\xfe{}", "it is not UTF-8 text"),
    ("1e400", 'it holds no list of paths ({"paths": [...]})'),      # a float, inf
    ('{"paths": "/usr/bin/python3"}', 'it holds no list of paths ({"paths": [...]})'),
    ('{"paths": {"a": 1}}', 'it holds no list of paths ({"paths": [...]})'),
    ("null", 'it holds no list of paths ({"paths": [...]})'),
])
def test_an_unreadable_config_is_one_line_and_never_raises(home, content, why):
    file = config_file(content)
    found = interp_mod.read_user_paths()
    assert found.unreadable and found.paths == ()
    assert found.warnings == (f"the list of added interpreters in {file} cannot be read: {why}; "
                              "fix or delete that file",)
    assert user_paths() == [] and interp_mod.config_warnings() == list(found.warnings)
    assert any(i.source == "current" for i in discover())  # discovery goes on without it


def test_entries_that_are_not_paths_are_skipped_with_one_line(home):
    file = config_file('{"v": 1, "paths": [1e400, "/a", 5, null, ["/b"], {"p": "/c"}, "x\\u0000y",'
                       ' "   ", NaN, ' + "7" * 300 + ', "/d"]}')
    found = interp_mod.read_user_paths()
    assert found.paths == ("/a", "/d") and not found.unreadable
    assert found.warnings == (f"{file}: skipped 9 entries that are not paths (dropped when the "
                              "list is next saved)",)
    config_file('{"paths": [true, "/a"]}')
    assert interp_mod.config_warnings()[0].endswith(
        "skipped 1 entry that is not a path (dropped when the list is next saved)")


def test_a_bom_from_a_windows_editor_is_fine(home):
    config_file("\ufeff" + json.dumps({"paths": ["/a"]}))
    assert user_paths() == ["/a"] and interp_mod.config_warnings() == []


def test_a_huge_or_special_config_file_is_not_read(home, monkeypatch):
    file = config_file(json.dumps({"paths": ["/a"]}))
    with monkeypatch.context() as patch:
        patch.setattr(interp_mod, "MAX_CONFIG_BYTES", 10)
        found = interp_mod.read_user_paths()
    assert found.unreadable and "it is larger than 10 B;" in found.warnings[0]
    file.unlink()
    os.mkfifo(file)  # reading a FIFO would block for ever
    found = interp_mod.read_user_paths()
    assert found.unreadable and "it is not a regular file" in found.warnings[0]
    file.unlink()
    file.mkdir()
    assert "it is not a regular file" in interp_mod.config_warnings()[0]


def test_too_many_added_paths_are_cut(home, monkeypatch):
    monkeypatch.setattr(interp_mod, "MAX_USER_PATHS", 3)
    config_file(json.dumps({"paths": [f"/p{n}" for n in range(5)]}))
    assert user_paths() == ["/p0", "/p1", "/p2"]
    assert interp_mod.config_warnings()[0].endswith("only the first 3 of 5 added interpreters "
                                                    "are used")
    assert remove_path("/p0") is True  # the others are kept when the list is saved
    assert interp_mod.read_user_paths().paths == ("/p1", "/p2", "/p3", "/p4")


def test_an_unreadable_config_is_never_overwritten(home):
    file = config_file('{"paths": ["/my/python3", ]}')  # a hand edit's trailing comma
    before = file.read_bytes()
    with pytest.raises(interp_mod.ConfigError, match="cannot be read: it is not valid JSON"):
        add_path(sys.executable)
    with pytest.raises(interp_mod.ConfigError, match="fix or delete that file"):
        remove_path("/my/python3")
    assert file.read_bytes() == before


def test_adding_drops_the_skipped_entries(home):
    file = config_file(json.dumps({"paths": ["/a", 3, None]}))
    info = add_path(sys.executable)
    assert json.loads(file.read_text())["paths"] == ["/a", info.path]
    assert interp_mod.config_warnings() == []
    assert remove_path("bad\0path") is False  # never raises


# ------------------------------------------------------------------ paths


def test_paths_follow_gil_tui_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GIL_TUI_HOME", str(tmp_path))
    assert paths.config_dir() == tmp_path / "config"
    assert paths.data_dir() == tmp_path / "data"
    assert paths.history_path() == tmp_path / "data" / "history.jsonl"
    assert paths.interpreters_path() == tmp_path / "config" / "interpreters.json"
    assert not (tmp_path / "config").exists()  # reading a path creates nothing


def test_paths_default_to_platformdirs(monkeypatch):
    import platformdirs

    monkeypatch.delenv("GIL_TUI_HOME", raising=False)
    assert str(paths.config_dir()) == platformdirs.user_config_dir("gil-tui", appauthor=False)
    assert str(paths.data_dir()) == platformdirs.user_data_dir("gil-tui", appauthor=False)
