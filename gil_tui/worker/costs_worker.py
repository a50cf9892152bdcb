"""gil-tui costs worker: what a thread, a process and a subinterpreter cost, here and now.

Standard library only; runs on CPython 3.8 and later, by path, in the
interpreter being measured. It never imports anything from gil_tui.

Usage::

    PYTHON costs_worker.py [--repeat N] [--idle-threads K] [--memory-rounds R]
                           [--script-repeat S] [--transfer-rounds T] [--lifeline]
    PYTHON -c "import sys; sys.path.insert(0, DIR); import costs_worker; costs_worker.main()" ...

gil-tui uses the second form, the *``-c`` start*: spawn and forkserver children
re-run a main script (compiling it from source when bytecode is not cached), so
run as a script this file would add its own import time to every process
measured (``main_is_script`` in the output says which form ran). The children's
targets live in the tiny ``costs_targets.py`` next to this file for the same
reason: a child imports only that.

It times *create + start + join* of one thread that does nothing, ``N`` times,
then the same for one process under every start method this interpreter offers
(``multiprocessing.get_all_start_methods()``), and, on CPython 3.12+, of one
subinterpreter with a GIL of its own (``costs_subinterpreters.py``: create + run
``pass`` + destroy; ``subinterpreter`` in the output names the API, or gives the
``reason`` there are no figures, "needs 3.12+"). The first run of each kind is
timed apart (``first_s``): it pays one-off costs, such as starting the fork
server. Then it measures memory:

* per thread: the resident memory (RSS) of this process while ``K`` idle
  threads are alive, minus the RSS before they started, divided by ``K``;
* per process: the child's own RSS, read by the child itself (and, on Linux,
  its private memory: the pages no other process shares, from
  ``/proc/self/smaps_rollup``; a forked child shares most of its pages with
  its parent, so its RSS alone overstates what it costs).

Two more kinds of figures follow (0 skips either):

* ``script``: the same process timings and memory, ``S`` runs per start method
  (default ``N``), made from a *script start*: a ``.py`` file whose top is
  ``import json, decimal, asyncio`` (``costs_script.py``), the way a program
  people write starts its processes;
* ``transfer``: a ``bytes`` object of 1 MB and of 10 MB sent to a child process
  and back through a ``multiprocessing.Pipe``, pickled both ways, ``T`` round
  trips each (``costs_transfer.py``).

The output is one JSON object on stdout (``"v": 1``); ``memory_method`` says how
memory was read (``proc`` = ``/proc/self/status``; ``ru_maxrss`` = peak RSS from
``resource``, where there is no ``/proc``). A start method that fails is
reported under ``errors`` (``script.errors`` for the script start, ``transfer.error``)
and the others are still measured.

With ``--lifeline`` a daemon thread blocks on reading stdin; end of file means
whoever started us is gone, and our process group is killed (when we lead it;
``lifeline.py`` next to this file, shared with the other worker scripts); the
script runs in that group too.
It has its own ``if __name__ == "__main__":`` guard: spawn and forkserver
children import this file again when it runs by path.
"""

# Only light modules at the top: spawn and forkserver children import this file
# again, and every import there would be counted in the cost of a process.
import os
import signal
import sys
import threading
import time

VERSION = 1
DEFAULT_REPEAT = 20
MAX_REPEAT = 1000
DEFAULT_IDLE_THREADS = 50
MEMORY_ROUNDS = 3
TRANSFER_ROUNDS = 5


class Stop(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM."""


def _on_signal(signum, frame):
    raise Stop(signum)


def _lifeline_module():
    """The lifeline shared by the worker scripts (``lifeline.py`` next to this file).

    Imported by :func:`main` before anything is measured; never at the top, so
    the children (which import this file, not lifeline.py) do not pay for it.
    """
    if __package__:  # imported as gil_tui.worker.costs_worker (tests, tools)
        from . import lifeline
    else:  # run by path, or by gil-tui with this folder on sys.path
        import lifeline
    return lifeline


try:  # run by path, or by gil-tui with this folder on sys.path
    import costs_targets as targets
    import costs_timing as timing
except ImportError:  # imported as gil_tui.worker.costs_worker (tests, tools)
    from . import costs_targets as targets
    from . import costs_timing as timing

memory_now = targets.memory_now
stats = timing.stats
median = timing.median


# ---------------------------------------------------------------- measuring


def time_threads(repeat):
    times = []
    first = None
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        thread = threading.Thread(target=targets.noop)
        thread.start()
        thread.join()
        elapsed = time.perf_counter() - t0
        if i == 0:
            first = elapsed
        else:
            times.append(elapsed)
    return stats(times, first)


def thread_memory(count, rounds=MEMORY_ROUNDS):
    """Median over a few rounds of (RSS delta / count, VM delta / count)."""
    rss_each, vm_each = [], []
    method = None
    for _ in range(rounds):
        rss0, vm0, method = memory_now()
        event = threading.Event()
        threads = [threading.Thread(target=targets.idle, args=(event,)) for _ in range(count)]
        for thread in threads:
            thread.start()
        time.sleep(0.02)
        rss1, vm1, method = memory_now()
        event.set()
        for thread in threads:
            thread.join()
        if rss0 is not None and rss1 is not None:
            rss_each.append(max(0, rss1 - rss0) / count)
        if vm0 is not None and vm1 is not None:
            vm_each.append(max(0, vm1 - vm0) / count)
    return {"rss_bytes": median(rss_each), "vm_bytes": median(vm_each),
            "memory_method": method, "idle_threads": count}


def measure_subinterpreter(repeat, rounds=MEMORY_ROUNDS):
    """The ``subinterpreter`` entry (see costs_subinterpreters.py), imported only now."""
    try:  # run by path, or by gil-tui with this folder on sys.path
        import costs_subinterpreters
    except ImportError:  # imported as gil_tui.worker.costs_worker (tests, tools)
        from . import costs_subinterpreters
    return costs_subinterpreters.measure(repeat, rounds, stats, median)


def measure_script(methods, repeat, rounds=MEMORY_ROUNDS):
    """The ``script`` entry (see costs_script.py), imported only now."""
    try:  # run by path, or by gil-tui with this folder on sys.path
        import costs_script
    except ImportError:  # imported as gil_tui.worker.costs_worker (tests, tools)
        from . import costs_script
    return costs_script.measure(methods, repeat, rounds)


def measure_transfer(rounds):
    """The ``transfer`` entry (see costs_transfer.py), imported only now."""
    try:  # run by path, or by gil-tui with this folder on sys.path
        import costs_transfer
    except ImportError:  # imported as gil_tui.worker.costs_worker (tests, tools)
        from . import costs_transfer
    return costs_transfer.measure(rounds)


def interpreter_fields():
    import platform
    import sysconfig

    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    if hasattr(os, "process_cpu_count"):
        cpus = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:
        cpus = os.cpu_count()
    return {
        "version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "free_threaded": sysconfig.get_config_var("Py_GIL_DISABLED") == 1,
        "gil_enabled": bool(is_gil_enabled()) if is_gil_enabled else True,
        "platform": sys.platform,
        "cpu_count": cpus,
    }


def _load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def measure(repeat, idle_threads, rounds=MEMORY_ROUNDS, script_repeat=None,
            transfer_rounds=TRANSFER_ROUNDS):
    """Everything, in this order: thread, processes (``-c``), subinterpreter, transfer,
    script; ``script_repeat`` None: ``repeat``; 0 skips the script (or the transfer)."""
    import multiprocessing
    import warnings

    # 3.12+ warns when a process with threads forks (our lifeline thread): not
    # what is being measured here, and nothing the reader of the figures can act on.
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
    t0 = time.perf_counter()
    load_before = _load_average()
    methods = multiprocessing.get_all_start_methods()
    out = {
        "v": VERSION,
        "memory_rounds": rounds,
        "kind": "costs",
        "python": interpreter_fields(),
        "repeat": repeat,
        "methods": methods,
        "default_method": multiprocessing.get_start_method(),
        "pid": os.getpid(),
        # True: spawn/forkserver children re-ran this file as their main script
        "main_is_script": getattr(sys.modules["__main__"], "__file__", None) is not None,
    }
    thread = time_threads(repeat)
    thread.update(thread_memory(idle_threads, rounds))
    out["thread"] = thread
    out["processes"], out["errors"] = timing.measure_methods(methods, repeat, rounds)
    # after the processes, so that their figures are as they were without these modules
    out["subinterpreter"] = measure_subinterpreter(repeat, rounds)
    if transfer_rounds:
        out["transfer"] = measure_transfer(transfer_rounds)
    script_repeat = repeat if script_repeat is None else script_repeat
    if script_repeat:
        out["script"] = measure_script(methods, script_repeat, rounds)
        out["script"]["repeat"] = script_repeat
    out["total_s"] = time.perf_counter() - t0
    out["load_average"] = [load_before, _load_average()]  # 1-minute, before and after
    return out


def main(argv=None):
    import argparse
    import json

    parser = argparse.ArgumentParser(description="gil-tui costs worker")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT,
                        help="timed runs of each kind (default %d)" % DEFAULT_REPEAT)
    parser.add_argument("--idle-threads", type=int, default=DEFAULT_IDLE_THREADS,
                        help="threads kept alive to measure memory per thread")
    parser.add_argument("--memory-rounds", type=int, default=MEMORY_ROUNDS,
                        help="memory measurements of each kind (median; default %d)"
                        % MEMORY_ROUNDS)
    parser.add_argument("--script-repeat", type=int, default=None,
                        help="timed runs of each start method from a script (default: "
                        "--repeat; 0 skips them)")
    parser.add_argument("--transfer-rounds", type=int, default=TRANSFER_ROUNDS,
                        help="round trips of 1 MB and 10 MB to a process (median; default "
                        "%d; 0 skips them)" % TRANSFER_ROUNDS)
    parser.add_argument("--lifeline", action="store_true",
                        help="end the process group when stdin reaches end of file")
    args = parser.parse_args(argv)
    if sys.version_info < (3, 8):
        sys.stderr.write("the costs worker needs CPython >= 3.8\n")
        return 1
    if not 1 <= args.repeat <= MAX_REPEAT:
        sys.stderr.write("--repeat must be from 1 to %d\n" % MAX_REPEAT)
        return 2
    if not 1 <= args.memory_rounds <= 100:
        sys.stderr.write("--memory-rounds must be from 1 to 100\n")
        return 2
    if not 1 <= args.idle_threads <= 1000:
        sys.stderr.write("--idle-threads must be from 1 to 1000\n")
        return 2
    if args.script_repeat is not None and not 0 <= args.script_repeat <= MAX_REPEAT:
        sys.stderr.write("--script-repeat must be from 0 to %d\n" % MAX_REPEAT)
        return 2
    if not 0 <= args.transfer_rounds <= 100:
        sys.stderr.write("--transfer-rounds must be from 0 to 100\n")
        return 2
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    lifeline = _lifeline_module()
    if args.lifeline:
        lifeline.start()
    try:
        result = measure(args.repeat, args.idle_threads, args.memory_rounds,
                         args.script_repeat, args.transfer_rounds)
    except Stop:
        lifeline.end_group(signal.SIGTERM, 130)  # our children too (the group when we lead it)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
