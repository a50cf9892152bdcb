"""The costs worker's script rows: starting processes from a script with a realistic import.

Standard library only, CPython 3.8+; never imports gil_tui. ``costs_worker.py``
times processes from a ``-c`` main: there is no main script for a child to
import again. A program people run is a script, and its imports are paid again
by every spawn child (which imports the main script as ``__mp_main__``) and,
before 3.13.8 and 3.14.1, by every forkserver child; from those releases the
fork server imports it once and its children inherit it. So :func:`measure`
writes :data:`SCRIPT` (its top: ``import json, decimal, asyncio``) to a temp
folder of its own, runs it in this interpreter (one child process of the
worker, in its process group), and the script times create + start + join of
one process under each start method with the very loop the ``-c`` rows use
(``costs_timing.py``), plus the memory of its children. The folder is removed
when the script ends, however it ends (a SIGKILL of the worker leaves it in the
worker's ``TMPDIR``, which gil-tui points at a folder it removes).
"""

import os
import sys

try:  # run by path, or by gil-tui with this folder on sys.path
    import costs_timing as timing
except ImportError:  # imported as gil_tui.worker.costs_script (tests, tools)
    from . import costs_timing as timing

#: what the script imports at its top, as the table says it
IMPORTS = "json, decimal, asyncio"
SCRIPT_NAME = "gil_tui_costs_script.py"
#: The script: a realistic import at its top, the measurement behind the main guard
#: (``costs_script`` is found through the worker's folder, given as its first argument).
SCRIPT = '''"""A script like yours: gil-tui's costs worker times starting processes from it."""
import json, decimal, asyncio  # spawn children (and older forkserver ones) import these again

if __name__ == "__main__":
    import sys

    sys.path.insert(0, sys.argv[1])
    import costs_script

    sys.exit(costs_script.script_main(sys.argv[2:]))
'''
HERE = os.path.dirname(os.path.abspath(__file__))


def script_main(argv):
    """Run inside the script: measure the start methods named in ``argv``; print one JSON line."""
    import argparse
    import json
    import warnings

    parser = argparse.ArgumentParser(description="gil-tui costs: starts from a script")
    parser.add_argument("--methods", required=True)
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--memory-rounds", type=int, required=True)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
    main = sys.modules["__main__"]
    figures, errors = timing.measure_methods(args.methods.split(","), args.repeat,
                                             args.memory_rounds)
    sys.stdout.write(json.dumps({
        "kind": "costs-script",
        "main_is_script": getattr(main, "__file__", None) is not None,
        "imported": sorted(name for name in IMPORTS.split(", ") if name in sys.modules),
        "processes": figures,
        "errors": errors,
    }) + "\n")
    return 0


def _answer(stdout):
    import json

    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("kind") == "costs-script":
                return data
    return None


def _failure(returncode, stderr):
    tail = [line.strip() for line in stderr.splitlines() if line.strip()]
    why = "exited with code %s" % returncode if returncode >= 0 else \
        "was killed by signal %d" % -returncode
    return "the script %s%s" % (why, ": " + tail[-1] if tail else "")


def measure(methods, repeat, rounds):
    """The ``script`` entry of the costs output: ``{"imports", "processes": {method:
    figures}, "errors": {method: message}, "main_is_script"}``."""
    import shutil
    import subprocess
    import tempfile

    out = {"imports": IMPORTS, "processes": {}, "errors": {}}
    folder = tempfile.mkdtemp(prefix="gil-tui-costs-script-")
    try:
        path = os.path.join(folder, SCRIPT_NAME)
        with open(path, "w") as handle:
            handle.write(SCRIPT)
        done = subprocess.run(
            [sys.executable, path, HERE, "--methods", ",".join(methods), "--repeat", str(repeat),
             "--memory-rounds", str(rounds)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=folder,
            universal_newlines=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data = _answer(done.stdout)
    if done.returncode != 0 or data is None:
        message = _failure(done.returncode, done.stderr)
        out["errors"] = dict((method, message) for method in methods)
        return out
    out["processes"] = data.get("processes", {})
    out["errors"] = data.get("errors", {})
    out["main_is_script"] = data.get("main_is_script")
    out["imported"] = data.get("imported")
    return out
