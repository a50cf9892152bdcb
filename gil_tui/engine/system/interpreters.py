"""Find Python interpreters on this machine and ask each what it is.

A *probe* runs ``PATH -c PROBE_SCRIPT`` in a short-lived subprocess.  The script
works on Python 2.7 and every 3.x, and prints one JSON line: version,
implementation, the free-threading build flag (``sysconfig`` ``Py_GIL_DISABLED``),
whether the GIL is on at run time (``sys._is_gil_enabled()``), usable CPUs and
whether aiohttp can be imported.  :func:`parse_probe_output` turns that line into
an :class:`Interpreter`; it is a pure function so the shapes of builds this
machine does not have (3.13t, 3.14t) can be tested.

The probe does not pass ``-I`` or ``-E``: it must see the environment the worker
will see (``PYTHON_GIL``, ``PYTHONPATH``, user site-packages), otherwise the "GIL
at run time" and "has aiohttp" answers could be wrong.  ``-I`` would also make
Python 2.7 fail before it could say which version it is.  The script removes the
current directory from ``sys.path`` before importing anything, so a stray
``json.py`` cannot answer in Python's place.

:func:`discover` gathers candidates (the running interpreter, user-added paths,
pyenv and uv installs, ``python3*`` on ``PATH``), removes duplicates by real
path, probes them in parallel and never raises.  Where to look is
:mod:`gil_tui.engine.system.locations` (it skips pyenv shims: pyenv's versions are
found directly under ``$PYENV_ROOT/versions``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from gil_tui import paths
from gil_tui.engine.system import locations
MIN_VERSION = (3, 8)
MAGIC = "gil-tui-probe"

#: Source labels, best first: when two candidates are the same interpreter,
#: the one with the better label is kept.
SOURCES = ("current", "added", "pyenv", "uv", "path")

# Runs on Python 2.7 and 3.x: no f-strings, no keyword-only syntax.
PROBE_SCRIPT = r"""
import sys
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
import os
vi = sys.version_info
info = {"magic": "gil-tui-probe", "version_info": [vi[0], vi[1], vi[2]],
        "releaselevel": vi[3], "serial": vi[4], "version": sys.version,
        "executable": sys.executable, "prefix": sys.prefix}
try:
    info["implementation"] = sys.implementation.name
except AttributeError:
    import platform
    info["implementation"] = platform.python_implementation().lower()
try:
    import sysconfig
    info["py_gil_disabled"] = sysconfig.get_config_var("Py_GIL_DISABLED")
except Exception:
    info["py_gil_disabled"] = None
f = getattr(sys, "_is_gil_enabled", None)
info["gil_enabled"] = bool(f()) if f is not None else None
n = None
if hasattr(os, "process_cpu_count"):
    n = os.process_cpu_count()
if n is None and hasattr(os, "sched_getaffinity"):
    try:
        n = len(os.sched_getaffinity(0))
    except Exception:
        n = None
if n is None:
    try:
        import multiprocessing
        n = multiprocessing.cpu_count()
    except Exception:
        n = None
info["cpu_count"] = n
try:
    import importlib.util
    info["has_aiohttp"] = importlib.util.find_spec("aiohttp") is not None
except Exception:
    info["has_aiohttp"] = False
try:
    import multiprocessing
    info["start_method"] = multiprocessing.get_start_method()
except Exception:
    info["start_method"] = None
import json
sys.stdout.write(json.dumps(info) + "\n")
sys.stdout.flush()
"""

_IMPL_NAMES = {
    "cpython": "Python",
    "pypy": "PyPy",
    "graalpy": "GraalPy",
    "ironpython": "IronPython",
    "jython": "Jython",
}
_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc"}



class InterpreterError(ValueError):
    """A path the user gave cannot be used; the message says why."""


@dataclass(frozen=True)
class Interpreter:
    """What a probe learnt about one interpreter."""

    path: str
    realpath: str
    source: str
    version: str | None
    version_info: tuple[int, ...] | None
    implementation: str | None
    free_threaded: bool
    gil_enabled: bool | None
    cpu_count: int | None
    has_aiohttp: bool
    supported: bool
    reason: str | None
    #: ``sys.prefix`` as the interpreter reports it: tells a venv from its base.
    prefix: str | None = None
    #: the multiprocessing start method this interpreter uses by default
    start_method: str | None = None
    #: the first line of ``sys.version`` ("3.14.0 free-threading build (main, ...")
    build: str | None = None

    def label(self) -> str:
        """A short human label: ``3.13.0 (GIL)``, ``3.14.0t (free-threaded, GIL off)``."""
        if self.version is None:
            return "unknown"
        text = self.version + ("t" if self.free_threaded else "")
        if self.implementation and self.implementation != "cpython":
            text = f"{_IMPL_NAMES.get(self.implementation, self.implementation)} {text}"
        if not self.supported:
            return f"{text} (unsupported)"
        if self.free_threaded:
            state = "GIL off" if self.gil_enabled is False else "GIL on"
            return f"{text} (free-threaded, {state})"
        return f"{text} (GIL)"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.version_info is not None:
            data["version_info"] = list(self.version_info)
        data["label"] = self.label()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interpreter:
        names = set(cls.__dataclass_fields__)
        kwargs = {k: v for k, v in data.items() if k in names}
        if kwargs.get("version_info") is not None:
            kwargs["version_info"] = tuple(kwargs["version_info"])
        return cls(**kwargs)


def _failed(path: str, source: str, reason: str) -> Interpreter:
    try:
        real = os.path.realpath(path) if path else path
    except (OSError, ValueError):
        real = path
    return Interpreter(
        path=path,
        realpath=real,
        source=source,
        version=None,
        version_info=None,
        implementation=None,
        free_threaded=False,
        gil_enabled=None,
        cpu_count=None,
        has_aiohttp=False,
        supported=False,
        reason=reason,
    )


def _stderr_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    fatal = [line for line in lines if line.startswith("Fatal Python error")]
    line = fatal[0] if fatal else lines[-1]
    if "sys.path" in line or "import " in line:
        return ""  # a program echoing our script back: not worth showing
    return line if len(line) <= 120 else line[:117] + "..."


def _find_answer(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("magic") == MAGIC:
            return data
    return None


def _version_info(data: dict[str, Any]) -> tuple[int, ...] | None:
    raw = data.get("version_info")
    if not isinstance(raw, list) or len(raw) < 2:
        return None
    if not all(isinstance(part, int) and not isinstance(part, bool) for part in raw):
        return None
    return tuple(raw[:3])


def parse_probe_output(
    path: str,
    source: str,
    stdout: str,
    stderr: str = "",
    returncode: int | None = 0,
) -> Interpreter:
    """Build an :class:`Interpreter` from what the probe printed. Never raises."""
    data = _find_answer(stdout)
    info = _version_info(data) if data is not None else None
    if data is None or info is None:
        hint = _stderr_line(stderr)
        if hint.startswith("Fatal Python error"):
            return _failed(path, source, f"{path} failed to start: {hint}")
        if hint:
            return _failed(path, source, f"{path} did not answer like Python ({hint})")
        if returncode:
            return _failed(
                path, source, f"{path} did not answer like Python (exit code {returncode})"
            )
        return _failed(path, source, f"{path} did not answer like Python")

    version = ".".join(str(part) for part in info)
    level = data.get("releaselevel")
    if isinstance(level, str) and level in _LEVELS:
        version += f"{_LEVELS[level]}{data.get('serial', 0)}"
    raw_version = data.get("version") if isinstance(data.get("version"), str) else ""
    build = raw_version.splitlines()[0].strip() if raw_version else None
    impl = data.get("implementation")
    impl = impl.lower() if isinstance(impl, str) and impl else None
    free_threaded = data.get("py_gil_disabled") in (1, "1", True) or (
        "free-threading build" in raw_version
    )
    gil = data.get("gil_enabled")
    if not isinstance(gil, bool):
        # no sys._is_gil_enabled(): before 3.13, where every build has a GIL
        gil = None if free_threaded else True
    cpus = data.get("cpu_count")
    cpus = cpus if isinstance(cpus, int) and not isinstance(cpus, bool) and cpus > 0 else None
    method = data.get("start_method")
    prefix = data.get("prefix")

    supported = impl == "cpython" and info[:2] >= MIN_VERSION
    reason = None
    if not supported:
        name = _IMPL_NAMES.get(impl or "", impl or "an unknown Python")
        reason = f"{path} is {name} {version}; gil-tui needs CPython >= 3.8"
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        real = path
    return Interpreter(
        path=path,
        realpath=real,
        source=source,
        version=version,
        version_info=info,
        implementation=impl,
        free_threaded=free_threaded,
        gil_enabled=gil,
        cpu_count=cpus,
        has_aiohttp=data.get("has_aiohttp") is True,
        supported=supported,
        reason=reason,
        prefix=prefix if isinstance(prefix, str) else None,
        start_method=method if isinstance(method, str) else None,
        build=build,
    )


def normalise_path(path: str) -> str:
    """Absolute form of a path; a bare command name (``python3.12``) is looked up on PATH."""
    expanded = os.path.expanduser(path)
    if os.sep not in expanded and not (os.altsep and os.altsep in expanded):
        if not os.path.exists(expanded):
            found = shutil.which(expanded)
            if found:
                expanded = found
    return os.path.abspath(expanded)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _run_probe(path: str, timeout: float) -> tuple[str, str, int] | str:
    """Run the probe script; return (stdout, stderr, returncode) or a reason string."""
    try:
        proc = subprocess.Popen(
            [path, "-c", PROBE_SCRIPT],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=(os.name == "posix"),
        )
    except PermissionError:
        return f"not executable: {path}"
    except OSError as exc:
        return f"{path} is not a program this system can run ({exc.strerror or exc})"
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # the whole group: a shell script's children would keep the pipes open
        _kill_group(proc)
        try:
            proc.communicate(timeout=2.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child left its group
            proc.kill()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            proc.wait()
        return f"{path} did not answer within {timeout:g} s"
    finally:
        if proc.returncode is None:  # pragma: no cover - interrupted
            _kill_group(proc)
            proc.wait()
    return (
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        proc.returncode,
    )


def probe(path: str, source: str = "added", timeout: float = 5.0) -> Interpreter:
    """Ask the interpreter at ``path`` what it is. Never raises."""
    try:
        if not path or not str(path).strip():
            return _failed("", source, "no interpreter path given")
        full = normalise_path(str(path))
        if not os.path.exists(full):
            if os.path.islink(full):
                return _failed(full, source, f"broken symbolic link: {full}")
            return _failed(full, source, f"no such file: {full}")
        if os.path.isdir(full):
            return _failed(full, source, f"{full} is a directory, not a Python interpreter")
        if not os.access(full, os.X_OK):
            return _failed(full, source, f"not executable: {full}")
        outcome = _run_probe(full, timeout)
        if isinstance(outcome, str):
            return _failed(full, source, outcome)
        out, err, code = outcome
        return parse_probe_output(full, source, out, err, code)
    except Exception as exc:  # noqa: BLE001 - probe() promises never to raise
        return _failed(str(path), source, f"{path} could not be probed: {exc}")


def current(timeout: float = 5.0) -> Interpreter:
    """The interpreter running gil-tui (probed in a subprocess, like any other)."""
    if not sys.executable:
        return _failed("", "current", "gil-tui cannot tell which Python runs it")
    return probe(sys.executable, "current", timeout)


# ---------------------------------------------------------------- discovery


def _candidates(extra: Iterable[str]) -> list[tuple[str, str]]:
    cands: list[tuple[str, str]] = []
    if sys.executable:
        cands.append((sys.executable, "current"))
    for path in list(extra) + user_paths():
        cands.append((normalise_path(path), "added"))
    cands.extend((p, "pyenv") for p in locations.pyenv_candidates())
    cands.extend((p, "uv") for p in locations.uv_candidates())
    cands.extend((p, "path") for p in locations.path_candidates())
    return cands


def _rank(source: str) -> int:
    return SOURCES.index(source) if source in SOURCES else len(SOURCES)


def _dedupe_key(path: str) -> tuple[str, str | None]:
    # a venv's python is a symlink to its base interpreter but sees other
    # packages, so it stays a separate entry
    return (os.path.realpath(path), locations.venv_root(path))


def discover(extra: Iterable[str] = (), timeout: float = 5.0) -> list[Interpreter]:
    """Every interpreter found, the running one first, then by version. Never raises."""
    chosen: dict[tuple[str, str | None], tuple[str, str]] = {}
    for path, source in _candidates(extra):
        try:
            key = _dedupe_key(path)
        except (OSError, ValueError):
            key = (path, None)
        held = chosen.get(key)
        if held is None or _rank(source) < _rank(held[1]):
            chosen[key] = (path, source)
    todo = list(chosen.values())
    if not todo:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
        probed = list(pool.map(lambda c: probe(c[0], c[1], timeout), todo))

    # a second pass on what the interpreters said about themselves
    unique: dict[tuple[str, str | None], Interpreter] = {}
    for interp in probed:
        key = (interp.realpath, interp.prefix)
        held = unique.get(key)
        if held is None or _rank(interp.source) < _rank(held.source):
            unique[key] = interp

    def order(interp: Interpreter) -> tuple:
        return (
            interp.source != "current",
            interp.version_info is None,
            interp.version_info or (),
            interp.free_threaded,
            _rank(interp.source),
            interp.path,
        )

    return sorted(unique.values(), key=order)


# ------------------------------------------------------- user-added paths


def user_paths() -> list[str]:
    """The interpreter paths the user added, in the order added."""
    file = paths.interpreters_path()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = data.get("paths") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return []
    return [p for p in items if isinstance(p, str) and p]


def _save_user_paths(items: list[str]) -> None:
    file = paths.interpreters_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(json.dumps({"v": 1, "paths": items}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, file)


def add_path(path: str, timeout: float = 5.0) -> Interpreter:
    """Probe ``path`` and remember it; raise :class:`InterpreterError` if it cannot be used."""
    interp = probe(path, "added", timeout)
    if not interp.supported:
        raise InterpreterError(interp.reason or f"{path} cannot be used")
    items = user_paths()
    if interp.path not in items:
        items.append(interp.path)
        _save_user_paths(items)
    return interp


def remove_path(path: str) -> bool:
    """Forget a user-added path; False when it was not in the list."""
    items = user_paths()
    full = normalise_path(path)
    kept = [p for p in items if p != full and p != path]
    if len(kept) == len(items):
        real = os.path.realpath(full)
        kept = [p for p in items if os.path.realpath(p) != real]
    if len(kept) == len(items):
        return False
    _save_user_paths(kept)
    return True


__all__ = [
    "Interpreter",
    "InterpreterError",
    "MIN_VERSION",
    "PROBE_SCRIPT",
    "SOURCES",
    "add_path",
    "current",
    "discover",
    "normalise_path",
    "parse_probe_output",
    "probe",
    "remove_path",
    "user_paths",
]
