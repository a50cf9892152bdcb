"""Ask one interpreter what it is: the probe script, running it, reading its answer.

A *probe* runs ``PATH -c PROBE_SCRIPT`` in a short-lived subprocess (through
:mod:`gil_tui.engine.system.processes`, in its own process group, ended with
its whole tree on a timeout).  The script works on Python 2.7 and every 3.x,
and prints one JSON line: version, implementation, the free-threading build
flag (``sysconfig`` ``Py_GIL_DISABLED``), whether the GIL is on at run time
(``sys._is_gil_enabled()``), usable CPUs and whether aiohttp can be imported.
:func:`parse_probe_output` turns that line into an :class:`Interpreter`; it is
a pure function so the shapes of builds this machine does not have (3.13t,
3.14t) can be tested.  It trusts nothing in the answer: a line that is not JSON
(or nested too deeply, or with a number too long to read) is skipped, a field of
the wrong type or out of range is dropped, and every string meant for people
(implementation, build line, reasons) is cleaned of control characters.

The probe does not pass ``-I`` or ``-E``: it must see the environment the worker
will see (``PYTHON_GIL``, ``PYTHONPATH``, user site-packages), otherwise the "GIL
at run time" and "has aiohttp" answers could be wrong.  ``-I`` would also make
Python 2.7 fail before it could say which version it is.  The script removes the
current directory from ``sys.path`` before importing anything, so a stray
``json.py`` cannot answer in Python's place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

from gil_tui.engine.system import processes
from gil_tui.engine.text import clean_line

__all__ = ["MAGIC", "MIN_VERSION", "PROBE_SCRIPT", "Interpreter", "current", "normalise_path",
           "parse_probe_output", "probe"]

MIN_VERSION = (3, 8)
MAGIC = "gil-tui-probe"

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
#: the largest version part or serial, and CPU count, believed from a probe's answer
_MAX_PART = 9_999
_MAX_CPUS = 1 << 16
#: an implementation or start-method name: short, lower case, no punctuation to speak of
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
#: the longest implementation name and build line kept (cut with an ellipsis)
_MAX_NAME = 32
_MAX_BUILD = 160


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


def _realpath(path: str) -> str:
    try:
        return os.path.realpath(path) if path else path
    except (OSError, ValueError):
        return path


def _failed(path: str, source: str, reason: str) -> Interpreter:
    return Interpreter(
        path=path,
        realpath=_realpath(path),
        source=source,
        version=None,
        version_info=None,
        implementation=None,
        free_threaded=False,
        gil_enabled=None,
        cpu_count=None,
        has_aiohttp=False,
        supported=False,
        reason=clean_line(reason),
    )


def _stderr_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    fatal = [line for line in lines if line.startswith("Fatal Python error")]
    line = fatal[0] if fatal else lines[-1]
    if "sys.path" in line or "import " in line:
        return ""  # a program echoing our script back: not worth showing
    return clean_line(line, max_len=120)


def _find_answer(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, a number too long, nested too deeply
            continue
        if isinstance(data, dict) and data.get("magic") == MAGIC:
            return data
    return None


def _small(value: Any, high: int = _MAX_PART) -> bool:
    """A whole number from 0 to ``high`` (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high


def _version_info(data: dict[str, Any]) -> tuple[int, ...] | None:
    raw = data.get("version_info")
    if not isinstance(raw, list) or not 2 <= len(raw) <= 5:
        return None
    if not all(_small(part) for part in raw):
        return None
    return tuple(raw[:3])


def _name(value: Any) -> str | None:
    """A short lower-case name (``fork``, ``forkserver``), or None for anything else."""
    return value if isinstance(value, str) and _NAME.match(value) else None


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
        serial = data.get("serial", 0)
        version += f"{_LEVELS[level]}{serial if _small(serial) else 0}"
    raw_version = data.get("version") if isinstance(data.get("version"), str) else ""
    first = raw_version.strip().splitlines()[0].strip() if raw_version.strip() else ""
    build = clean_line(first, max_len=_MAX_BUILD) if first else None
    impl = data.get("implementation")
    impl = (clean_line(impl.strip().lower(), max_len=_MAX_NAME) or None
            if isinstance(impl, str) else None)
    free_threaded = data.get("py_gil_disabled") in (1, "1", True) or (
        "free-threading build" in raw_version
    )
    gil = data.get("gil_enabled")
    if not isinstance(gil, bool):
        # no sys._is_gil_enabled(): before 3.13, where every build has a GIL
        gil = None if free_threaded else True
    cpus = data.get("cpu_count")
    cpus = cpus if _small(cpus, _MAX_CPUS) and cpus > 0 else None
    prefix = data.get("prefix")

    supported = impl == "cpython" and info[:2] >= MIN_VERSION
    reason = None
    if not supported:
        name = _IMPL_NAMES.get(impl or "", impl or "an unknown Python")
        reason = clean_line(f"{path} is {name} {version}; gil-tui needs CPython >= 3.8")
    return Interpreter(
        path=path,
        realpath=_realpath(path),
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
        # an identity (a venv or its base), compared, never shown
        prefix=prefix if isinstance(prefix, str) and "\0" not in prefix else None,
        start_method=_name(data.get("start_method")),
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


def _run_probe(path: str, timeout: float) -> tuple[str, str, int] | str:
    """Run the probe script; return (stdout, stderr, returncode) or a reason string."""
    try:
        # no scratch folder: the probe writes no temp files, and discover() runs many
        proc = processes.start([path, "-c", PROBE_SCRIPT], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, scratch=False)
    except PermissionError:
        return f"not executable: {path}"
    except OSError as exc:
        return f"{path} is not a program this system can run ({exc.strerror or exc})"
    answer = None
    try:
        answer = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    finally:
        # the whole group and tree (a shell script's children would keep the pipes
        # open), at once if it still runs; whatever it left behind otherwise
        processes.end_process(proc, grace=0.0)
    if answer is None:
        try:
            proc.communicate(timeout=2.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - a grandchild holds the pipes
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        return f"{path} did not answer within {timeout:g} s"
    out, err = answer
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), proc.returncode


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
