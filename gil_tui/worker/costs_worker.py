"""gil-tui costs worker: what one thread and one process cost to create, here and now.

Standard library only; runs on CPython 3.8 and later, by path, in the
interpreter being measured. It never imports anything from gil_tui.

Usage::

    PYTHON costs_worker.py [--repeat N] [--idle-threads K] [--memory-rounds R] [--lifeline]
    PYTHON -c "import sys; sys.path.insert(0, DIR); import costs_worker; costs_worker.main()" ...

gil-tui uses the second form: spawn and forkserver children re-run the main
script (compiling it from source when bytecode is not cached), so run as a
script this file would add its own import time to every process measured
(``main_is_script`` in the output says which form ran). The children's targets
live in the tiny ``costs_targets.py`` next to this file for the same reason:
a child imports only that.

It times *create + start + join* of one thread that does nothing, ``N`` times,
then the same for one process under every start method this interpreter offers
(``multiprocessing.get_all_start_methods()``). The first run of each kind is
timed apart (``first_s``): it pays one-off costs, such as starting the fork
server. Then it measures memory:

* per thread: the resident memory (RSS) of this process while ``K`` idle
  threads are alive, minus the RSS before they started, divided by ``K``;
* per process: the child's own RSS, read by the child itself (and, on Linux,
  its private memory: the pages no other process shares, from
  ``/proc/self/smaps_rollup``; a forked child shares most of its pages with
  its parent, so its RSS alone overstates what it costs).

The output is one JSON object on stdout (``"v": 1``); ``memory_method`` says how
memory was read (``proc`` = ``/proc/self/status``; ``ru_maxrss`` = peak RSS from
``resource``, where there is no ``/proc``). A start method that fails is
reported under ``errors`` and the others are still measured.

With ``--lifeline`` a daemon thread blocks on reading stdin; end of file means
whoever started us is gone, and our process group is killed (when we lead it).
It has its own ``if __name__ == "__main__":`` guard: spawn and forkserver
children import this file again.
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
CHILD_TIMEOUT = 60.0


class Stop(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM."""


def _on_signal(signum, frame):
    raise Stop(signum)


def _end_group(exit_code):
    """Stop our children (the whole group when we lead it) and exit."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    if os.name == "posix" and os.getpgrp() == os.getpid():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            os.killpg(os.getpgrp(), signal.SIGTERM)
        except OSError:
            pass
    else:
        try:
            import multiprocessing

            for child in multiprocessing.active_children():
                child.kill()
        except Exception:
            pass
    os._exit(exit_code)


def _lifeline():
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except OSError:
        pass
    time.sleep(2.0)
    if os.name == "posix" and os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)


try:  # run by path, or by gil-tui with this folder on sys.path
    import costs_targets as targets
except ImportError:  # imported as gil_tui.worker.costs_worker (tests, tools)
    from . import costs_targets as targets

memory_now = targets.memory_now


# ---------------------------------------------------------------- statistics


def _quantile(ordered, q):
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def stats(samples, first):
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_s": _quantile(ordered, 0.5),
        "min_s": ordered[0],
        "max_s": ordered[-1],
        "p10_s": _quantile(ordered, 0.1),
        "p90_s": _quantile(ordered, 0.9),
        "first_s": first,
    }


def _median(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return _quantile(sorted(values), 0.5)


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
    return {"rss_bytes": _median(rss_each), "vm_bytes": _median(vm_each),
            "memory_method": method, "idle_threads": count}


def time_processes(ctx, repeat):
    times = []
    first = None
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        proc = ctx.Process(target=targets.noop)
        proc.start()
        proc.join(CHILD_TIMEOUT)
        elapsed = time.perf_counter() - t0
        if proc.exitcode is None:
            proc.kill()
            proc.join()
            raise RuntimeError("a child did not end within %g s" % CHILD_TIMEOUT)
        if proc.exitcode != 0:
            raise RuntimeError("a child exited with code %s" % proc.exitcode)
        if i == 0:
            first = elapsed
        else:
            times.append(elapsed)
    return stats(times, first)


def process_memory(ctx, rounds=MEMORY_ROUNDS):
    rss, private = [], []
    method = None
    for _ in range(rounds):
        reader, writer = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=targets.report_memory, args=(writer,))
        proc.start()
        writer.close()
        try:
            if not reader.poll(CHILD_TIMEOUT):
                raise RuntimeError("a child did not report its memory")
            answer = reader.recv()
        finally:
            reader.close()
            proc.join(CHILD_TIMEOUT)
            if proc.exitcode is None:
                proc.kill()
                proc.join()
        rss.append(answer.get("rss"))
        private.append(answer.get("private"))
        method = answer.get("method")
    return {"rss_bytes": _median(rss), "private_bytes": _median(private),
            "memory_method": method}


def measure_method(method, repeat, rounds=MEMORY_ROUNDS):
    import multiprocessing

    ctx = multiprocessing.get_context(method)
    result = time_processes(ctx, repeat)
    result.update(process_memory(ctx, rounds))
    return result


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


def measure(repeat, idle_threads, rounds=MEMORY_ROUNDS):
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
    processes = {}
    errors = {}
    for method in methods:
        try:
            processes[method] = measure_method(method, repeat, rounds)
        except Exception as exc:  # one failing method must not hide the others
            errors[method] = "%s: %s" % (type(exc).__name__, exc)
    out["processes"] = processes
    out["errors"] = errors
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
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    if args.lifeline:
        threading.Thread(target=_lifeline, name="lifeline", daemon=True).start()
    try:
        result = measure(args.repeat, args.idle_threads, args.memory_rounds)
    except Stop:
        _end_group(130)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
