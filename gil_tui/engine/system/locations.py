"""Where Python interpreters live: pyenv and uv install trees, ``PATH``.

These functions only list file paths; :mod:`gil_tui.engine.system.interpreters` probes
them.  Every location is read from the environment at call time (``PYENV_ROOT``,
``UV_PYTHON_INSTALL_DIR``, ``XDG_DATA_HOME``, ``PATH``), so tests can point them
at temporary directories.

pyenv (and asdf) *shims* found on ``PATH`` are shell scripts that choose a
version at run time: they are skipped, since pyenv's versions are listed
directly from ``$PYENV_ROOT/versions``.  Windows layouts are only partly
covered (``python.exe`` names on ``PATH`` and at the root of an install).
"""

from __future__ import annotations

import os
import re

# python, python3, python3.13, python3.13t (and .exe on Windows)
_INSTALL_NAME = re.compile(r"^python(\d+(\.\d+)?t?)?(\.exe)?$", re.IGNORECASE)
# on PATH only the python3 family: a bare "python" is often Python 2 or a shim
_PATH_NAME = re.compile(r"^python3(\.\d+t?)?(\.exe)?$", re.IGNORECASE)


def is_shim(path: str) -> bool:
    """A pyenv/asdf shim: a script that chooses a version at run time."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False
    if not head.startswith(b"#!"):
        return False
    parent = os.path.basename(os.path.dirname(path))
    return parent == "shims" or b"pyenv" in head or b"asdf" in head


def _names_in(directory: str, pattern: re.Pattern[str]) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = [n for n in names if pattern.match(n)]
    # most specific first: python3.13t, python3.13, python3, python
    found.sort(key=lambda n: (-len(n), n))
    return [os.path.join(directory, n) for n in found]


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def pyenv_candidates() -> list[str]:
    root = os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    return install_tree_candidates(os.path.join(root, "versions"))


def uv_root() -> str:
    explicit = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if explicit:
        return os.path.expanduser(explicit)
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.join(data_home, "uv", "python")


def install_tree_candidates(root: str) -> list[str]:
    try:
        versions = sorted(os.listdir(root))
    except OSError:
        return []
    found: list[str] = []
    for version in versions:
        base = os.path.join(root, version)
        for directory in (os.path.join(base, "bin"), base):
            found.extend(p for p in _names_in(directory, _INSTALL_NAME) if _runnable(p))
    return found


def path_candidates() -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or directory in seen:
            continue
        seen.add(directory)
        for path in _names_in(directory, _PATH_NAME):
            if _runnable(path) and not is_shim(path):
                found.append(path)
    return found


def venv_root(path: str) -> str | None:
    """The venv directory holding ``path`` (it has a ``pyvenv.cfg``), if any."""
    for directory in (os.path.dirname(os.path.dirname(path)), os.path.dirname(path)):
        if os.path.isfile(os.path.join(directory, "pyvenv.cfg")):
            return directory
    return None


def uv_candidates() -> list[str]:
    return install_tree_candidates(uv_root())
