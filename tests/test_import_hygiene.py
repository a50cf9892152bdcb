"""The import rules: the engine, the worker, the commands and the UI's pure helpers
never import Textual or rich, and the import contract holds.

Each module is imported in a fresh process (a child forked from one clean
interpreter, which has imported nothing of gil_tui, Textual or rich), so what
another test imported cannot hide a stray import. The module lists are discovered
(pkgutil, and for the UI every module whose docstring claims it is a pure helper:
"Pure Python", "no Textual", "without Textual"; rich is allowed there, its Text is
how helpers hand cells to widgets): a new module is covered without editing this
file.

The contract itself (the engine never imports the UI or the commands, the UI
never imports the commands, the engine's layers, no cycles) lives in
pyproject.toml under ``[tool.importlinter]``; :func:`test_the_import_contract_holds`
runs import-linter's ``lint-imports`` on it, and :func:`test_no_import_cycles`
checks the whole module graph (grimp, import-linter's own graph builder).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gil_tui.commands
import gil_tui.engine
import gil_tui.ui
import gil_tui.worker

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("textual", "rich")


def _walk(package) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        names.append(info.name)
    return names


PURE_CLAIM = re.compile(r"pure python|no textual|without textual", re.IGNORECASE)


def _claims_to_be_pure(module: str) -> bool:
    """Whether the module's docstring says it runs without Textual."""
    spec = importlib.util.find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    return bool(PURE_CLAIM.search(ast.get_docstring(tree) or ""))


MODULES = _walk(gil_tui.engine) + _walk(gil_tui.worker) + ["gil_tui.cli", "gil_tui.paths"]
#: every command module, the shared helpers included: the CLI imports them all to
#: build its parser, so none may load Textual (only the commands that open the app
#: import it, when they run)
HEADLESS_COMMANDS = _walk(gil_tui.commands)
#: the UI modules that claim to be pure helpers (tested without Textual)
PURE_UI = [m for m in _walk(gil_tui.ui) if _claims_to_be_pure(m)]

CHECK = """
import importlib, sys
importlib.import_module(sys.argv[1])
{extra}
bad = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})
print(" ".join(bad))
"""

#: one interpreter that forks a child per module: each child starts from the same state
#: as a fresh interpreter (nothing of gil_tui, textual or rich imported), at a fraction of
#: the cost of starting ~100 interpreters
FORKING_CHECK = """
import importlib, json, os, sys
forbidden = tuple(json.loads(sys.argv[1]))
answers = {}
for module in json.loads(sys.argv[2]):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            answer = {"bad": sorted(m for m in sys.modules if m.split(".")[0] in forbidden)}
        except BaseException as error:
            answer = {"error": type(error).__name__ + ": " + str(error)}
        with os.fdopen(write, "w") as out:
            out.write(json.dumps(answer))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as got:
        text = got.read()
    os.waitpid(pid, 0)
    answers[module] = json.loads(text) if text else {"error": "the child died"}
print(json.dumps(answers))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def imported_forbidden(module: str, extra: str = "",
                       forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    """What importing ``module`` (then running ``extra``) in a fresh interpreter loads
    from ``forbidden``."""
    if not extra and hasattr(os, "fork"):
        answer = _forked_answers(forbidden)[module]
        assert "error" not in answer, f"importing {module} failed:\n{answer.get('error')}"
        return answer["bad"]
    script = CHECK.format(extra=extra, forbidden=forbidden)
    done = subprocess.run([sys.executable, "-c", script, module], capture_output=True,
                          text=True, cwd=ROOT, env=_env(), timeout=60)
    assert done.returncode == 0, f"importing {module} failed:\n{done.stderr}"
    return done.stdout.split()


_ANSWERS: dict[tuple[str, ...], dict[str, dict]] = {}


def _forked_answers(forbidden: tuple[str, ...]) -> dict[str, dict]:
    """Every listed module checked against ``forbidden``, in one interpreter (cached)."""
    if forbidden not in _ANSWERS:
        modules = PURE_UI if forbidden == ("textual",) else MODULES + HEADLESS_COMMANDS
        done = subprocess.run(
            [sys.executable, "-c", FORKING_CHECK, json.dumps(forbidden), json.dumps(modules)],
            capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300)
        assert done.returncode == 0, done.stderr
        _ANSWERS[forbidden] = json.loads(done.stdout)
    return _ANSWERS[forbidden]


def test_the_walks_find_the_modules():
    assert "gil_tui.engine.system.interpreters" in MODULES
    assert "gil_tui.engine.system.monitor" in MODULES
    assert "gil_tui.engine.text" in MODULES
    assert {"gil_tui.commands.bench", "gil_tui.commands._common"} <= set(HEADLESS_COMMANDS)
    assert "gil_tui.ui.tabs.compare.canvas" in PURE_UI and "gil_tui.ui.app" not in PURE_UI


@pytest.mark.parametrize("module", MODULES)
def test_module_does_not_import_the_ui(module):
    assert imported_forbidden(module) == []


@pytest.mark.parametrize("module", HEADLESS_COMMANDS)
def test_headless_command_does_not_import_the_ui(module):
    assert imported_forbidden(module) == []


@pytest.mark.parametrize("module", PURE_UI)
def test_pure_ui_helper_does_not_import_textual(module):
    assert imported_forbidden(module, forbidden=("textual",)) == []


def test_building_the_cli_parser_does_not_import_the_ui():
    # every subcommand module is imported to build the parser, the app's included
    extra = "sys.modules['gil_tui.cli'].build_parser()"
    assert imported_forbidden("gil_tui.cli", extra) == []


# ---------------------------------------------------------------- the import contract


def test_the_import_contract_holds():
    lint = Path(sys.executable).parent / "lint-imports"
    assert lint.exists(), "import-linter is not installed: pip install -e '.[test]'"
    done = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT,
                          env=_env(), timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    """No module of gil_tui reaches itself again through its imports (lazy ones included)."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter")
    # `if TYPE_CHECKING:` imports name types only (as in the lint-imports contract)
    graph = grimp.build_graph("gil_tui", cache_dir=None, exclude_type_checking_imports=True)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []
