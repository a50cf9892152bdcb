"""Subinterpreters for the worker scripts: which API this interpreter has, and the code they run.

Standard library only; any CPython 3.8+ imports it (and is told what it lacks).
It never imports gil_tui. ``bench_worker.py`` and ``costs_worker.py`` import it
by name (their folder is ``sys.path[0]`` when they run by path), tests and
tools as ``gil_tui.worker.subinterpreters``.

From 3.12 an interpreter created with the *isolated* settings has a GIL of
its own (PEP 684), so threads running different interpreters run Python code
at the same time on an ordinary build. The calls, per version:

* 3.14 and later, public (PEP 734): ``concurrent.interpreters.create()``,
  ``Interpreter.exec(source)`` (raises ``ExecutionFailed``), ``Interpreter.close()``.
  ``create()`` uses the isolated settings.
* 3.13, private: ``_interpreters.create("isolated")``,
  ``_interpreters.run_string(id, source)`` (returns None, or a description of
  the exception that escaped), ``_interpreters.destroy(id)``.
* 3.12, private: ``_xxsubinterpreters.create(isolated=True)``,
  ``_xxsubinterpreters.run_string(id, source)`` (raises ``RunFailedError``),
  ``_xxsubinterpreters.destroy(id)``.
* 3.11 and older: refused. 3.11 has ``_xxsubinterpreters`` too, but all its
  interpreters share one GIL.

The public module is used wherever it imports (a test fakes it on 3.12/3.13 to
exercise that path); otherwise only the private module of that very version.
No object crosses between interpreters: the code an interpreter runs is source
text with its constants written in, and what comes back (progress) goes
through a pipe. That works the same from 3.12 (whose private module shares
only ``None``, ``int``, ``str`` and ``bytes``) to 3.14.
"""

import platform
import sys

#: The first CPython with a GIL per interpreter.
MIN_VERSION = (3, 12)

#: The private module of each version that has no public one.
PRIVATE_MODULES = {(3, 12): "_xxsubinterpreters", (3, 13): "_interpreters"}


class Unavailable(Exception):
    """This interpreter cannot run subinterpreters with a GIL each; ``message`` says why."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


class RunFailed(Exception):
    """An exception escaped the code run in a subinterpreter (its text, one line)."""


class Api:
    """One of the three APIs, behind the same three calls."""

    def __init__(self, module, name, private):
        self.module = module
        self.name = name
        self.private = private
        if private:
            self.label = "%s (private, %d.%d)" % (name, sys.version_info[0], sys.version_info[1])
        else:
            self.label = name

    def create(self):
        """A new isolated interpreter (own GIL): an id, or an Interpreter (public API)."""
        if not self.private:
            return self.module.create()
        if self.name == "_xxsubinterpreters":
            return self.module.create(isolated=True)
        return self.module.create("isolated")

    def run(self, interp, source):
        """Run ``source`` in the interpreter's ``__main__``, in this thread; RunFailed on error."""
        if not self.private:
            try:
                interp.exec(source)
            except Exception as exc:  # concurrent.interpreters.ExecutionFailed
                raise RunFailed(_one_line(getattr(exc, "excinfo", None), exc))
            return
        try:
            error = self.module.run_string(interp, source)
        except Exception as exc:  # 3.12: RunFailedError("<class 'ValueError'>: boom")
            raise RunFailed(_one_line(None, exc))
        if error is not None:  # 3.13: a namespace with type, msg, formatted
            raise RunFailed(_one_line(error, error))

    def close(self, interp):
        if not self.private:
            interp.close()
        else:
            self.module.destroy(interp)


def _one_line(excinfo, fallback):
    """``ValueError: boom`` from 3.13's description, 3.14's ExecutionFailed or 3.12's
    ``RunFailedError("<class 'ValueError'>: boom")``."""
    text = getattr(excinfo, "formatted", None) or str(fallback) or type(fallback).__name__
    lines = [line for line in str(text).splitlines() if line.strip()]
    line = lines[-1].strip() if lines else "unknown error"
    if line.startswith("<class '") and "'>" in line:
        name, _, rest = line[len("<class '"):].partition("'>")
        line = name.rpartition(".")[2] + rest
    return line


def _this_python():
    name = "CPython" if sys.implementation.name == "cpython" else platform.python_implementation()
    return "%s %s" % (name, platform.python_version())


def find_api():
    """The :class:`Api` of this interpreter; raises :class:`Unavailable` (one line) without one."""
    if sys.implementation.name != "cpython" or sys.version_info[:2] < MIN_VERSION:
        raise Unavailable("subinterpreters need CPython 3.12 or later, the first with a GIL "
                          "per interpreter (this is %s)" % _this_python())
    try:
        from concurrent import interpreters
    except ImportError:
        pass
    else:
        return Api(interpreters, "concurrent.interpreters", private=False)
    name = PRIVATE_MODULES.get(sys.version_info[:2])
    if name is None:
        raise Unavailable("subinterpreters need the concurrent.interpreters module, which this "
                          "build of %s lacks" % _this_python())
    try:
        module = __import__(name)
    except ImportError:
        raise Unavailable("subinterpreters need the %s module, which this build of %s lacks"
                          % (name, _this_python()))
    return Api(module, name, private=True)


# ---------------------------------------------------------------- the benchmark's code

#: What one bench worker's subinterpreter runs once, after its constants: the
#: same kernels as bench_worker.py's run_steps(), and progress written to a pipe
#: as ``index done perf_counter`` lines (perf_counter is the process's monotonic
#: clock in every interpreter). ``run_task(task, amount)`` is then run per task.
_BENCH_BODY = '''
import os
import time

if WORKLOAD == "hash":
    try:
        # What hashlib.sha256 is where OpenSSL is built in. Not "import hashlib":
        # on 3.12.1 its import-time md5 check in an isolated subinterpreter made
        # the process abort at exit (free(): invalid pointer).
        from _hashlib import openssl_sha256 as sha256
    except ImportError:
        from hashlib import sha256
    BUFFER = b"\\x5a" * HASH_BUFFER_BYTES

DONE = 0
LAST = time.perf_counter()


def step():
    global DONE, LAST
    DONE += 1
    now = time.perf_counter()
    if now - LAST >= PROGRESS_INTERVAL:
        LAST = now
        os.write(FD, ("%d %d %r\\n" % (INDEX, DONE, now)).encode("ascii"))


def cpu_kernel(n, x):
    for i in range(n):
        x = (x * 7 + i) % 1000003
    return x


def run_task(task, amount):
    if WORKLOAD == "cpu":
        x = task
        left = amount
        while left > 0:
            n = CPU_STEP if left > CPU_STEP else left
            x = cpu_kernel(n, x)
            left -= n
            step()
    elif WORKLOAD == "hash":
        h = sha256()
        for _ in range(amount):
            h.update(BUFFER)
            step()
        h.digest()
    else:
        time.sleep(DELAY_S)
        step()
'''


def bench_source(plan, index, fd, cpu_step, hash_buffer_bytes, progress_interval):
    """The source a bench worker's subinterpreter runs once, before its tasks."""
    constants = {
        "WORKLOAD": plan["workload"],
        "INDEX": index,
        "FD": fd,
        "DELAY_S": plan["delay_ms"] / 1000.0,
        "CPU_STEP": cpu_step,
        "HASH_BUFFER_BYTES": hash_buffer_bytes,
        "PROGRESS_INTERVAL": progress_interval,
    }
    head = "".join("%s = %r\n" % item for item in sorted(constants.items()))
    return head + _BENCH_BODY


def task_source(task, amount):
    return "run_task(%d, %d)\n" % (task, amount)
