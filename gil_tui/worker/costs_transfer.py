"""The costs worker's transfer rows: sending 1 MB and 10 MB to a process and back.

Standard library only, CPython 3.8+; imported by ``costs_worker.py`` only when
it measures, never by the children. It never imports gil_tui.

What is timed: one child (default start method, started once and not timed)
echoes what it receives. Per size, a ``bytes`` object of that many bytes (1 MB
= 1,000,000 bytes) goes through a duplex ``multiprocessing.Pipe``: pickled
here, unpickled there, pickled there again and unpickled here, i.e. the way a
``Queue`` or a ``Pool`` moves an argument and its result. The first round trip
is kept apart (``first_s``); the statistics are over the next ``rounds``.
A bytes object is the cheapest thing to pickle (its bytes are copied as they
are), so these figures are a floor: a list or a dict of the same size costs
more, since each of its items is pickled on its own.
"""

import time

try:  # run by path, or by gil-tui with this folder on sys.path
    import costs_targets as targets
    import costs_timing as timing
except ImportError:  # imported as gil_tui.worker.costs_transfer (tests, tools)
    from . import costs_targets as targets
    from . import costs_timing as timing

#: bytes sent to the child and back, one row each
SIZES = (1000000, 10000000)
#: timed round trips per size (the median is shown)
DEFAULT_ROUNDS = 5


def round_trips(conn, payload, rounds):
    """(first, [the next ``rounds``]) seconds of sending ``payload`` and receiving it back."""
    times = []
    for _ in range(rounds + 1):
        t0 = time.perf_counter()
        conn.send(payload)
        if not conn.poll(timing.CHILD_TIMEOUT):
            raise RuntimeError("the child did not send the data back within %g s"
                               % timing.CHILD_TIMEOUT)
        back = conn.recv()
        times.append(time.perf_counter() - t0)
        if len(back) != len(payload):
            raise RuntimeError("the child sent back %d bytes, not %d" % (len(back), len(payload)))
    return times[0], times[1:]


def measure(rounds=DEFAULT_ROUNDS, sizes=SIZES):
    """The ``transfer`` entry of the costs output.

    ``{"method", "channel": "Pipe", "payload": "bytes", "rounds", "sizes": [{"bytes",
    n, median_s, ...}]}``; or ``{"error": "..."}`` when it failed.
    """
    import multiprocessing

    out = {"method": multiprocessing.get_start_method(), "channel": "Pipe",
           "payload": "bytes", "rounds": rounds, "sizes": []}
    try:
        ctx = multiprocessing.get_context()
        here, there = ctx.Pipe()
        child = ctx.Process(target=targets.echo, args=(there,))
        child.start()
    except Exception as exc:
        out["error"] = "%s: %s" % (type(exc).__name__, exc)
        return out
    there.close()
    try:
        for size in sizes:
            first, samples = round_trips(here, bytes(size), rounds)
            entry = timing.stats(samples, first)
            entry["bytes"] = size
            out["sizes"].append(entry)
    except Exception as exc:  # one failing kind must not hide the others
        out["error"] = "%s: %s" % (type(exc).__name__, exc)
    finally:
        try:
            here.send(None)
        except (OSError, ValueError):
            pass
        here.close()
        child.join(timing.CHILD_TIMEOUT)
        if child.exitcode is None:
            child.kill()
            child.join()
    return out
