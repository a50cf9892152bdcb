"""Shared by the gil-tui demo scripts: the interpreter probe, JSON lines, the lifeline.

Standard library only, CPython 3.8 and later; never imports gil_tui (the demos
run in whichever interpreter the learner chose). Run by path, it prints the
probe line and exits::

    PYTHON demo_common.py

Every line a demo script writes to stdout is one JSON object with a ``demo``
field saying what it is (``probe``, ``trial``, ``interval``, ``done``,
``error``). Tracebacks and warnings go to stderr.
"""

import json
import os
import sys


def probe():
    """What runs this script: version, GIL at run time, free-threaded build, start methods."""
    import multiprocessing
    import sysconfig

    is_enabled = getattr(sys, "_is_gil_enabled", None)
    free_threaded = sysconfig.get_config_var("Py_GIL_DISABLED") == 1
    cpus = None
    if hasattr(os, "process_cpu_count"):
        cpus = os.process_cpu_count()
    if cpus is None and hasattr(os, "sched_getaffinity"):
        try:
            cpus = len(os.sched_getaffinity(0))
        except OSError:
            cpus = None
    if cpus is None:
        cpus = os.cpu_count()
    try:
        default_method = multiprocessing.get_start_method()
    except Exception:  # noqa: BLE001 - only informative
        default_method = None
    return {
        "version": ".".join(str(part) for part in sys.version_info[:3]),
        "version_info": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "gil_enabled": bool(is_enabled()) if is_enabled is not None else True,
        "free_threaded": free_threaded,
        "cpu_count": cpus,
        "switch_interval": sys.getswitchinterval(),
        "start_methods": list(multiprocessing.get_all_start_methods()),
        "default_start_method": default_method,
        "pid": os.getpid(),
    }


def emit(kind, **fields):
    """Write one JSON line to stdout (main thread only)."""
    fields["demo"] = kind
    sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def fail(message, code=2):
    """Report a problem the engine should show, then exit."""
    emit("error", message=message)
    sys.exit(code)


def start_lifeline():
    """End this script and everything it started when stdin reaches end of file.

    The engine passes a pipe it never writes to; end of file means the engine is
    gone. The shared worker lifeline (``lifeline.py``, one folder up) watches it
    in a daemon thread that blocks without holding the GIL, so it takes no part
    in what the demo measures; the demos keep no state worth a polite end, so it
    kills their process group at once.
    """
    folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import lifeline

    return lifeline.start(grace=0)


if __name__ == "__main__":
    emit("probe", **probe())
