"""Shared parts of ``benchmarks/attack.py``: running gil-tui, judging its output, finding survivors.

Everything the harness starts carries ``GIL_TUI_ATTACK=<run token>-<case>`` in its
environment and a ``TMPDIR`` inside the harness's own temp root, so every process
gil-tui starts (workers, demo scripts, watched programs and their setsid
grandchildren: they all inherit the environment) can be found in ``/proc`` and
ended, and every temp folder gil-tui or multiprocessing leaves lands where it can
be counted. Not a test: a script that prints figures.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY if VENV_PY.exists() else Path(sys.executable))
GIL_TUI = [PYTHON, "-m", "gil_tui"]
MARK_ENV = "GIL_TUI_ATTACK"
TOKEN = "atk" + uuid.uuid4().hex[:10]
WORKER_PATTERNS = re.compile(r"bench_worker|costs_worker|costs_script|demo_scripts|lifeline|"
                             r"gil_tui|gil-tui|ATTACK-TREE|pymp|multiprocessing")

_counter = itertools.count()
_live: set[subprocess.Popen] = set()
_live_lock = threading.Lock()


class Harness:
    """The temp root of one harness run (removed at the end)."""

    def __init__(self) -> None:
        # short paths: multiprocessing's forkserver socket lives under TMPDIR (AF_UNIX: 108 bytes)
        self.root = Path(tempfile.mkdtemp(prefix="ga-", dir="/tmp" if os.path.isdir("/tmp") else None))
        self.labels: dict[str, str] = {}

    def case_dir(self, label: str) -> Path:
        path = self.root / f"{next(_counter):04d}"
        self.labels[path.name] = label
        (path / "home").mkdir(parents=True)
        (path / "tmp").mkdir()
        return path

    def env(self, case: Path, mark: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({MARK_ENV: mark, "GIL_TUI_HOME": str(case / "home"), "TMPDIR": str(case / "tmp"),
                    "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "120", "TERM": "xterm-256color"})
        env.pop("NO_COLOR", None)
        return env

    def close(self) -> None:
        end_marked(TOKEN)
        shutil.rmtree(self.root, ignore_errors=True)


def new_mark(label: str) -> str:
    return f"{TOKEN}-{next(_counter)}-{re.sub(r'[^A-Za-z0-9]', '', label)[:20]}"


# ----------------------------------------------------------------- running

@dataclass
class Ran:
    argv: list[str]
    rc: int | None
    out: bytes
    err: bytes
    hung: bool
    seconds: float
    left: int = 0          # processes of this case still alive 1 s after it ended (then ended)


def run(argv: list[str], env: dict[str, str], *, timeout: float = 60.0, stdin: object = subprocess.DEVNULL,
        close_stdout: bool = False, preexec=None, cwd: str | None = None) -> Ran:
    """Run one command in its own session; on timeout, kill the session (and note the hang)."""
    def pre() -> None:
        if preexec is not None:
            preexec()
        if close_stdout:
            os.close(1)

    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdin=stdin, stdout=None if close_stdout else subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=pre, cwd=cwd)
    with _live_lock:
        _live.add(proc)
    hung = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
        _killpg(proc.pid)
        out, err = proc.communicate()
    finally:
        with _live_lock:
            _live.discard(proc)
    seconds = time.monotonic() - started
    left = 0
    mark = env.get(MARK_ENV)
    if mark and marked_pids(mark):
        time.sleep(1.0)
        left = end_marked(mark)
    return Ran(argv, proc.returncode, out or b"", err or b"", hung, seconds, left)


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def kill_live() -> None:
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _killpg(proc.pid)


# ----------------------------------------------------------------- judging

_C1 = re.compile("[\u0080-\u009f]")
_C0 = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # keeps \t and \n


def control_problem(data: bytes, *, allow: str = "") -> str | None:
    """A short description of raw control characters in ``data`` (None if there are none)."""
    text = data.decode("utf-8", "replace")
    found = []
    for ch in sorted(set(_C0.findall(text)) | set(_C1.findall(text))):
        if ch in allow:
            continue
        found.append(repr(ch)[1:-1])
    return ("raw control chars " + ",".join(found[:6])) if found else None


def traceback_in(data: bytes) -> bool:
    return b"Traceback (most recent call last)" in data


def stderr_lines(data: bytes) -> int:
    """Non-blank lines, argparse's usage block (``usage:`` and its indented lines) not counted."""
    n, in_usage = 0, False
    for ln in data.decode("utf-8", "replace").splitlines():
        if ln.startswith("usage: "):
            in_usage = True
            continue
        if in_usage and ln.startswith(" "):
            continue
        in_usage = False
        n += bool(ln.strip())
    return n


def judge(r: Ran, *, ok_codes: tuple[int, ...] = (0, 2), max_err_lines: int = 3,
          allow_ctrl: str = "", check_stdout_ctrl: bool = True,
          check_stderr_ctrl: bool = True) -> str | None:
    """The first reason ``r`` is not clean, or None."""
    if r.hung:
        return f"hung (> {r.seconds:.0f} s, killed)"
    if r.left:
        return f"{r.left} process(es) of it still running after it ended"
    if traceback_in(r.err) or traceback_in(r.out):
        return f"traceback (rc {r.rc}): {traceback_summary(r.err if traceback_in(r.err) else r.out)}"
    if r.rc not in ok_codes:
        return f"exit code {r.rc} (expected {'/'.join(map(str, ok_codes))}); stderr: {first_line(r.err)}"
    n = stderr_lines(r.err)
    if n > max_err_lines:
        return f"{n} lines ({len(r.err)} bytes) on stderr: {first_line(r.err)}"
    for name, data in (("stdout", r.out if check_stdout_ctrl else b""),
                       ("stderr", r.err if check_stderr_ctrl else b"")):
        problem = control_problem(data, allow=allow_ctrl)
        if problem:
            return f"{problem} on {name}"
    return None


def traceback_summary(data: bytes) -> str:
    """The exception line of the last traceback in ``data`` and its innermost gil_tui frame."""
    text = data.decode("utf-8", "replace")
    tail = text.split("Traceback (most recent call last)")[-1]
    frames = re.findall(r'File "([^"]*gil_tui[^"]*)", line (\d+), in (\S+)', tail)
    lines = [ln for ln in tail.splitlines() if ln.strip() and not ln.startswith((" ", "\t"))]
    exc = lines[-1].strip() if lines else "?"
    where = ""
    if frames:
        path, lineno, func = frames[-1]
        where = f" at {path.split('/gil_tui/')[-1] if '/gil_tui/' in path else path}:{lineno} ({func})"
    return ascii(f"{exc[:100]}{where}")[1:-1]


def first_line(data: bytes) -> str:
    for ln in data.decode("utf-8", "replace").splitlines():
        if ln.strip():
            return ascii(ln.strip())[1:-1][:110]
    return "(empty)"


def csv_formula_cells(out: bytes, needle: str) -> list[str]:
    """CSV cells that contain ``needle`` and start like a spreadsheet formula."""
    bad = []
    try:
        rows = list(csv.reader(io.StringIO(out.decode("utf-8", "replace"))))
    except csv.Error as exc:
        return [f"unparsable CSV: {exc}"]
    for row in rows:
        for cell in row:
            if needle in cell and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                bad.append(cell[:30])
    return bad


# ----------------------------------------------------------------- processes

def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def marked_pids(mark: str, *, also: tuple[bytes, ...] = ()) -> dict[int, str]:
    """Live (not zombie) processes whose environment carries ``mark`` (or one of ``also``)."""
    me = os.getpid()
    needles = (mark.encode(),) + tuple(also)
    found: dict[int, str] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        stat = _read(f"/proc/{name}/stat")
        if not stat:
            continue
        state = stat.rsplit(b")", 1)[-1].split()[:1]
        if state == [b"Z"]:
            continue
        environ = _read(f"/proc/{name}/environ")
        if any(n in environ for n in needles):
            cmd = _read(f"/proc/{name}/cmdline").replace(b"\0", b" ").decode("utf-8", "replace").strip()
            found[int(name)] = cmd[:100]
    return found


def end_marked(mark: str) -> int:
    """SIGKILL every process carrying ``mark``; returns how many there were."""
    pids = marked_pids(mark)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(pids)


def leftover_dirs(tmp: Path) -> list[str]:
    """Temp folders of ours (gil-tui-*, pymp-*, main-guard) left in ``tmp`` (one level deep)."""
    out = []
    try:
        for entry in tmp.iterdir():
            if entry.name.startswith(("gil-tui-", "pymp-")):
                out.append(entry.name)
    except OSError:
        pass
    return sorted(out)


@dataclass
class Tally:
    """Figures of one class."""
    name: str
    tried: int = 0
    clean: int = 0
    kills: int = 0
    survivors: int = 0
    unclean: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def input(self, label: str, reason: str | None) -> None:
        with self.lock:
            self.tried += 1
            if reason is None:
                self.clean += 1
            else:
                self.unclean.append(f"{label}: {reason}")

    def kill(self, label: str, survivors: int, reason: str | None) -> None:
        with self.lock:
            self.kills += 1
            self.survivors += survivors
            if reason:
                self.unclean.append(f"{label}: {reason}")
