"""Every ```python block in a lesson runs, and prints what the lesson says it prints.

The convention (see the lessons' brief):

- each ```python block is a complete script, written to a file in a fresh temporary
  directory (the cwd) and run as ``INTERPRETER file.py`` with a minimal environment
  (``PATH``, ``HOME``, ``TMPDIR``, the locale; no ``PYTHON*`` variables); whatever
  it leaves running is killed with its process group. It must exit 0 within
  20 s. A block whose first line is a file name comment (``# naming.py``) is written
  under that name;
- a block starting with ``# fragment`` is not run;
- ``# needs Python 3.N+`` skips older interpreters, ``# needs free-threading`` skips
  GIL builds (these markers sit in the block's leading comment lines);
- an ```output block right after a python block (blank lines between are allowed,
  nothing else) is compared with the block's stdout line by line: trailing spaces and
  trailing blank lines do not count, and ``...`` inside an expected line matches any
  text (stderr only appears in the failure message).

Interpreters: the one running the tests (``sys.executable``) and every CPython >= 3.8
found as ``$(pyenv root)/versions/*/bin/python`` or as ``python3.X`` / ``python3.Xt`` on
``PATH`` (pyenv shims skipped), deduplicated by real path; each is asked its version in
parallel, once, at collection.

Cost, measured on the 2-core VM with 18 blocks and 7 interpreters (the venv's 3.11.7,
3.8-3.13 from pyenv, the system's 3.11.2): the full matrix took 48 s, too much for
every run. So the default run uses ``sys.executable`` plus the oldest and the newest
other interpreter (24 s), and the other interpreters' runs are marked ``slow``
(``make test-all``, i.e. ``pytest -m ''``, runs the full matrix).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from typing import Iterator

import pytest

from gil_tui.lessons import Lesson, load_lessons

TIMEOUT_S = 20.0
MIN_VERSION = (3, 8)

_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)\s*$")
_NEEDS_VERSION = re.compile(r"^# needs Python 3\.(\d+)\+$")
_NEEDS_FT = "# needs free-threading"
_FRAGMENT = "# fragment"
_FILE_NAME = re.compile(r"^#\s*([A-Za-z_][\w-]*\.py)\b")


# ------------------------------------------------------------------ the blocks


@dataclass(frozen=True)
class Block:
    slug: str
    index: int  # 1-based, among the lesson's python blocks
    line: int  # where the block starts in the lesson's body (1-based)
    code: str
    expected: str | None  # the ```output block after it, if any

    @property
    def id(self) -> str:
        return f"{self.slug}-{self.index}"

    def leading_comments(self) -> list[str]:
        lines = []
        for line in self.code.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line.rstrip())
        return lines

    @property
    def fragment(self) -> bool:
        return _FRAGMENT in self.leading_comments()

    @property
    def needs_version(self) -> tuple[int, int] | None:
        for line in self.leading_comments():
            match = _NEEDS_VERSION.match(line)
            if match:
                return (3, int(match.group(1)))
        return None

    @property
    def needs_free_threading(self) -> bool:
        return _NEEDS_FT in self.leading_comments()

    @property
    def file_name(self) -> str:
        first = self.code.splitlines()[0] if self.code.strip() else ""
        match = _FILE_NAME.match(first)
        return match.group(1) if match else "block.py"

    def head(self, lines: int = 5) -> str:
        return "\n".join(f"    {line}" for line in self.code.splitlines()[:lines])


def fenced_blocks(markdown: str) -> Iterator[tuple[str, str, int]]:
    """(info string, content, first line number) of each fenced block, in order."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, info = match.group(1), match.group(2), match.group(3)
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        content = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                   for line in lines[start:j]]
        yield info.lower(), "\n".join(content) + "\n", start
        i = j + 1


def blocks_of(slug: str, markdown: str) -> list[Block]:
    """The python blocks of one lesson, each with the output block that follows it."""
    found = list(fenced_blocks(markdown))
    lines = markdown.splitlines()
    blocks: list[Block] = []
    for k, (info, content, start) in enumerate(found):
        if info != "python":
            continue
        expected = None
        if k + 1 < len(found) and found[k + 1][0] == "output":
            # only blank lines may stand between the two blocks
            end = start + content.count("\n")  # the closing fence's index
            between = lines[end + 1 : found[k + 1][2] - 1]
            if all(not line.strip() for line in between):
                expected = found[k + 1][1]
        blocks.append(Block(slug, len(blocks) + 1, start, content, expected))
    return blocks


def output_mismatch(expected: str, actual: str) -> str | None:
    """None when ``actual`` matches ``expected`` line by line, else what differs.

    ``...`` in an expected line matches any text (within that line); spaces at line
    ends and blank lines at the end do not count."""
    want = [line.rstrip() for line in expected.rstrip("\n").split("\n")]
    got = [line.rstrip() for line in actual.replace("\r\n", "\n").rstrip().split("\n")]
    if want == [""]:
        want = []
    if got == [""]:
        got = []
    for number, (w, g) in enumerate(zip(want, got), 1):
        pattern = ".*".join(re.escape(part) for part in w.split("..."))
        if not re.fullmatch(pattern, g, re.S):
            return f"line {number}: expected {w!r}, got {g!r}"
    if len(want) != len(got):
        return f"expected {len(want)} lines, got {len(got)}"
    return None


LESSONS: tuple[Lesson, ...] = load_lessons()
BLOCKS: list[Block] = [b for lesson in LESSONS for b in blocks_of(lesson.slug, lesson.body)]


# ------------------------------------------------------------ the interpreters


@dataclass(frozen=True)
class Python:
    path: str
    version: tuple[int, int, int]
    free_threaded: bool
    current: bool = False

    @property
    def label(self) -> str:
        text = ".".join(map(str, self.version)) + ("t" if self.free_threaded else "")
        return text + ("-venv" if self.current else "")


_PROBE = (
    "import sys, sysconfig; "
    "print(sys.implementation.name, *sys.version_info[:3], "
    "int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))"
)
_PATH_NAME = re.compile(r"^python3\.\d+t?$")


def _pyenv_root() -> str:
    exe = shutil.which("pyenv")
    if exe:
        try:
            out = subprocess.run([exe, "root"], capture_output=True, text=True, timeout=5)
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def _is_script(path: str) -> bool:
    """pyenv/asdf shims are shell scripts that pick a version at run time: skip them."""
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return True


def _candidates() -> list[str]:
    found = sorted(glob(os.path.join(_pyenv_root(), "versions", "*", "bin", "python")))
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        found += [os.path.join(directory, n) for n in names if _PATH_NAME.match(n)]
    return [p for p in found if os.access(p, os.X_OK) and not _is_script(p)]


def _probe(path: str) -> Python | None:
    try:
        out = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True,
                             timeout=10, env=minimal_env())
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.stdout.split()
    if out.returncode != 0 or len(parts) != 5 or parts[0] != "cpython":
        return None
    version = (int(parts[1]), int(parts[2]), int(parts[3]))
    if version[:2] < MIN_VERSION:
        return None
    return Python(path, version, parts[4] == "1")


def find_interpreters() -> tuple[Python, list[Python]]:
    """The running interpreter, and the other CPythons >= 3.8 (by version)."""
    current = Python(
        sys.executable,
        tuple(sys.version_info[:3]),  # type: ignore[arg-type]
        bool(__import__("sysconfig").get_config_var("Py_GIL_DISABLED")),
        current=True,
    )
    seen = {os.path.realpath(sys.executable)}
    todo = []
    for path in _candidates():
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            todo.append(path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        others = [p for p in pool.map(_probe, todo) if p is not None]
    others.sort(key=lambda p: (p.version, p.free_threaded, p.path))
    return current, others


def minimal_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "TMPDIR", "SYSTEMROOT", "LANG", "LC_ALL", "LC_CTYPE")
    return {k: v for k, v in os.environ.items() if k in keep and not k.startswith("PYTHON")}


CURRENT, OTHERS = find_interpreters()
#: In the default run: the running interpreter, the oldest and the newest other one.
DEFAULT_OTHERS = {id(p) for p in (OTHERS[:1] + OTHERS[-1:])}


# ----------------------------------------------------------------- running one


@dataclass
class Outcome:
    returncode: int | None  # None: stopped by the timeout
    stdout: str
    stderr: str
    seconds: float


def run_block(python: str, block: Block, timeout: float | None = None) -> Outcome:
    """Run the block as a script in a fresh temporary directory; kill what it left."""
    import time

    timeout = TIMEOUT_S if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="lesson-block-") as tmp:
        script = Path(tmp) / block.file_name
        script.write_text(block.code, encoding="utf-8")
        posix = os.name == "posix"
        started = time.monotonic()
        proc = subprocess.Popen(
            [python, script.name], cwd=tmp, env=minimal_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=posix,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            code = None
        finally:
            if posix:  # workers or servers the block left behind
                _kill_group(proc)
        seconds = time.monotonic() - started
    decode = lambda data: data.decode("utf-8", errors="replace")  # noqa: E731
    return Outcome(code, decode(out), decode(err), seconds)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


# ------------------------------------------------------------------- the tests


def _skip_reason(block: Block, python: Python) -> str | None:
    if block.needs_version and python.version[:2] < block.needs_version:
        return f"needs Python {block.needs_version[0]}.{block.needs_version[1]}+"
    if block.needs_free_threading and not python.free_threaded:
        return "needs a free-threaded build"
    return None


def _params() -> list:
    params = []
    for block in BLOCKS:
        if block.fragment:
            continue
        for python in [CURRENT, *OTHERS]:
            marks = []
            reason = _skip_reason(block, python)
            if reason:
                marks.append(pytest.mark.skip(reason=reason))
            elif not python.current and id(python) not in DEFAULT_OTHERS:
                marks.append(pytest.mark.slow)
            params.append(pytest.param(block, python, id=f"{block.id}-{python.label}",
                                       marks=marks))
    return params


@pytest.mark.parametrize(("block", "python"), _params())
def test_block_runs_and_prints_what_the_lesson_says(block: Block, python: Python) -> None:
    where = f"{block.slug}, python block {block.index} (body line {block.line})"
    outcome = run_block(python.path, block)
    if outcome.returncode is None:
        pytest.fail(f"{where} did not finish within {TIMEOUT_S:.0f} s on "
                    f"{python.label} ({python.path}); it starts:\n{block.head()}\n"
                    f"stdout so far:\n{_tail(outcome.stdout)}", pytrace=False)
    if outcome.returncode != 0:
        pytest.fail(f"{where} exited {outcome.returncode} on {python.label} "
                    f"({python.path}); it starts:\n{block.head()}\nstderr:\n"
                    f"{_tail(outcome.stderr)}", pytrace=False)
    if block.expected is not None:
        problem = output_mismatch(block.expected, outcome.stdout)
        if problem:
            pytest.fail(f"{where} on {python.label}: the output differs from the lesson's "
                        f"({problem}).\nstdout:\n{_tail(outcome.stdout, 30)}\n"
                        f"stderr:\n{_tail(outcome.stderr)}", pytrace=False)


def test_other_interpreters_found() -> None:
    if not OTHERS:
        pytest.skip("no CPython >= 3.8 found besides the one running the tests "
                    "(pyenv versions or python3.X on PATH): blocks ran on it alone")
    assert all(p.version[:2] >= MIN_VERSION for p in OTHERS)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_output_blocks_follow_a_python_block(lesson: Lesson) -> None:
    """An ```output block that does not directly follow a python block is never checked."""
    found = list(fenced_blocks(lesson.body))
    checked = sum(1 for b in blocks_of(lesson.slug, lesson.body) if b.expected is not None)
    outputs = sum(1 for info, _, _ in found if info == "output")
    assert checked == outputs, (
        f"{lesson.slug}: {outputs - checked} ```output block(s) do not directly follow "
        "a ```python block (only blank lines may stand between them)")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_block_markers_are_spelt_right(lesson: Lesson) -> None:
    """A misspelt marker would silently run a block where it cannot work."""
    for block in blocks_of(lesson.slug, lesson.body):
        for line in block.leading_comments():
            text = line.lower()
            if text.startswith(("# needs", "#needs")):
                assert _NEEDS_VERSION.match(line) or line == _NEEDS_FT, (
                    f"{block.id}: write '# needs Python 3.N+' or '# needs free-threading', "
                    f"not {line!r}")
            if "fragment" in text and text.startswith("# frag"):
                assert line == _FRAGMENT, f"{block.id}: write '# fragment', not {line!r}"
        if block.fragment:
            assert block.expected is None, f"{block.id}: a fragment's output is never checked"


# ------------------------------------------------------- the helpers themselves


SAMPLE = """\
Some text.

```python
# fragment
x = 1
```

```python
# demo.py
# needs Python 3.12+
print("pid", 42)
```

```output
pid ...
```

```text
$ python demo.py
```

  ```python
  # needs free-threading
  print("ok")
  ```
Prose between.
```output
ok
```
"""


def test_blocks_are_parsed_with_markers_and_outputs() -> None:
    blocks = blocks_of("sample", SAMPLE)
    assert [b.index for b in blocks] == [1, 2, 3]
    first, second, third = blocks
    assert first.fragment and first.expected is None
    assert second.needs_version == (3, 12) and second.file_name == "demo.py"
    assert second.expected == "pid ...\n" and not second.fragment
    assert third.needs_free_threading and third.code == '# needs free-threading\nprint("ok")\n'
    assert third.expected is None, "prose stands between: not this block's output"
    assert third.file_name == "block.py"


def test_output_matching() -> None:
    assert output_mismatch("pid ...\ndone\n", "pid 1234\ndone  \n\n") is None
    assert output_mismatch("took ... ms (... threads)", "took 1.5 ms (4 threads)") is None
    assert output_mismatch("a\nb\n", "a\n") == "expected 2 lines, got 1"
    assert "line 1" in output_mismatch("lost ... updates", "no updates lost")
    assert output_mismatch("x", "x\nextra") == "expected 1 lines, got 2"
    assert output_mismatch("a.b", "axb") is not None, "only ... is special"


def test_a_block_that_hangs_is_stopped_and_its_children_killed() -> None:
    block = Block("sample", 1, 1, "import subprocess, sys, time\n"
                  "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                  "print('started', flush=True)\ntime.sleep(60)\n", None)
    outcome = run_block(sys.executable, block, timeout=1.0)
    assert outcome.returncode is None and outcome.stdout == "started\n"
    assert outcome.seconds < 10


def test_blocks_run_in_a_clean_place(monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    block = Block("sample", 1, 1, "import os, sys\nprint(os.getcwd() == sys.path[0])\n"
                  "print(sorted(k for k in os.environ if k.startswith('PYTHON')))\n", None)
    outcome = run_block(sys.executable, block)
    assert outcome.returncode == 0
    assert outcome.stdout.split() == ["True", "[]"]
