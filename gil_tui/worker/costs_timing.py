"""The costs worker's statistics and process timings, shared by its ``-c`` run and its script run.

Standard library only, CPython 3.8+; never imports gil_tui. ``costs_worker.py``
(the ``-c`` start) and ``costs_script.py`` (the start from a script with a
realistic import) time processes with the same loop, so that the two rows of a
start method differ only in what the main module is. Neither the threads nor
the children measured import this module: their targets live in
``costs_targets.py``.
"""

import time

try:  # run by path, or by gil-tui with this folder on sys.path
    import costs_targets as targets
except ImportError:  # imported as gil_tui.worker.costs_timing (tests, tools)
    from . import costs_targets as targets

#: seconds a measured child may take before it counts as stuck
CHILD_TIMEOUT = 60.0


def _quantile(ordered, q):
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def stats(samples, first):
    """``n``, ``median_s``, ``min_s``, ``max_s``, ``p10_s``, ``p90_s`` of ``samples``, and ``first_s``."""
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


def median(values):
    """The median of the values that are not None (None when there are none)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return _quantile(sorted(values), 0.5)


def time_processes(ctx, repeat):
    """Create + start + join of one child running ``costs_targets.noop``, ``repeat`` + 1 times.

    The first run is kept apart (``first_s``): it pays one-off costs, such as
    starting the fork server."""
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


def process_memory(ctx, rounds):
    """The median over ``rounds`` children of their own RSS (and private memory)."""
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
    return {"rss_bytes": median(rss), "private_bytes": median(private),
            "memory_method": method}


def measure_method(method, repeat, rounds):
    """Timings and memory of processes under start method ``method``."""
    import multiprocessing

    ctx = multiprocessing.get_context(method)
    result = time_processes(ctx, repeat)
    result.update(process_memory(ctx, rounds))
    return result


def measure_methods(methods, repeat, rounds):
    """``(figures, errors)``: per start method, its figures or why it failed."""
    figures = {}
    errors = {}
    for method in methods:
        try:
            figures[method] = measure_method(method, repeat, rounds)
        except Exception as exc:  # one failing method must not hide the others
            errors[method] = "%s: %s" % (type(exc).__name__, exc)
    return figures, errors
