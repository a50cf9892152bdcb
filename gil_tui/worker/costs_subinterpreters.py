"""The costs worker's subinterpreter row: what one subinterpreter costs to start, here and now.

Standard library only, CPython 3.8+ (older interpreters get the reason, not
figures); imported by ``costs_worker.py`` only when it measures, never by its
spawn and forkserver children. It never imports gil_tui.

Timed: create + run ``pass`` + destroy of one subinterpreter with a GIL of its
own, in the calling thread, through the API ``subinterpreters.py`` finds (``pass``
rather than an empty string, which 3.13's ``_interpreters`` refuses: "bad script
text (too short)"). Memory: the RSS delta while a few idle ones exist, divided
by their number.
"""

import sys
import time

try:  # run by path, or by gil-tui with this folder on sys.path
    import costs_targets as targets
    import subinterpreters
except ImportError:  # imported as gil_tui.worker.costs_subinterpreters (tests, tools)
    from . import costs_targets as targets
    from . import subinterpreters

#: Subinterpreters kept alive at once to measure the memory of one.
ALIVE = 4


def startup_times(api, repeat):
    """(first, [the next ``repeat``]) seconds of create + run ``pass`` + destroy."""
    times = []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        interp = api.create()
        try:
            api.run(interp, "pass")
        finally:
            api.close(interp)
        times.append(time.perf_counter() - t0)
    return times[0], times[1:]


def memory_each(api, rounds, count=ALIVE):
    """RSS delta per interpreter (one per round) while ``count`` idle ones exist; and how read."""
    each = []
    method = None
    for _ in range(rounds):
        rss0, _, method = targets.memory_now()
        alive = []
        try:
            for _ in range(count):
                alive.append(api.create())
                api.run(alive[-1], "pass")
            rss1, _, method = targets.memory_now()
        finally:
            for interp in alive:
                api.close(interp)
        if rss0 is not None and rss1 is not None:
            each.append(max(0, rss1 - rss0) / count)
    return each, method


def measure(repeat, rounds, stats, median):
    """The ``subinterpreter`` entry of the costs output.

    Measured: ``stats(samples, first)`` (as for a thread) plus ``rss_bytes``,
    ``memory_method``, ``alive``, ``api`` (its name, as in the bench worker's
    ``hello``) and ``private``. Otherwise ``{"api": None, "reason": "needs 3.12+"
    or "not in this build", "message": ...}``, or ``{"api": ..., "reason":
    "failed: ..."}`` when measuring failed.
    """
    try:
        api = subinterpreters.find_api()
    except subinterpreters.Unavailable as exc:
        old = (sys.implementation.name != "cpython"
               or sys.version_info[:2] < subinterpreters.MIN_VERSION)
        return {"api": None, "private": None, "message": exc.message,
                "reason": "needs 3.12+" if old else "not in this build"}
    try:
        first, samples = startup_times(api, repeat)
        each, method = memory_each(api, rounds)
    except Exception as exc:  # one failing kind must not hide the others
        return {"api": api.label, "private": api.private,
                "reason": "failed: %s: %s" % (type(exc).__name__, exc)}
    result = stats(samples, first)
    result.update(rss_bytes=median(each), memory_method=method, alive=ALIVE, api=api.label,
                  private=api.private)
    return result
