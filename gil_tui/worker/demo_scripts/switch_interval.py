"""gil-tui switch-interval demo: the same CPU-bound threads under several switch intervals.

Standard library only, CPython 3.8 and later. Usage::

    PYTHON switch_interval.py [--intervals-ms 0.5,5,50] [--threads 2]
                              [--work 3000000] [--chunk 1000] [--lifeline]

For each interval: ``sys.setswitchinterval(interval)``, then ``threads`` threads
each run ``work`` iterations of pure-Python arithmetic (it holds the GIL), in
chunks of ``chunk`` iterations; after every chunk a thread notes the time. The
interpreter's own interval is put back at the end.

Output, one JSON object per line: ``probe``, then one ``interval`` per interval
(``interval_ms``, ``wall_s``, ``cpu_s`` of the process during the run, and
``stamps``: per thread, the times in seconds, since the first thread began, at
which it finished each chunk), then ``done``. What the engine derives from the
stamps (switches, fairness, timelines) is computed on its side.
"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_common import emit, fail, probe, start_lifeline  # noqa: E402


def spin(chunks, size, seed, note):
    """Pure-Python arithmetic, ``chunks`` x ``size`` iterations; ``note()`` after each chunk."""
    x = seed
    for _ in range(chunks):
        for i in range(size):
            x = (x * 7 + i) % 1000003
        note()
    return x


def run_interval(threads, chunks, size):
    gate = threading.Barrier(threads)
    stamps = [[] for _ in range(threads)]
    begins = [0.0] * threads
    clock = time.perf_counter

    def body(index):
        mine = stamps[index]
        note = lambda: mine.append(clock())  # noqa: E731
        gate.wait()
        begins[index] = clock()
        spin(chunks, size, index, note)

    workers = [threading.Thread(target=body, args=(i,)) for i in range(threads)]
    cpu0 = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    cpu = time.process_time() - cpu0
    t0 = min(begins)
    end = max(s[-1] for s in stamps)
    relative = [[round(t - t0, 6) for t in s] for s in stamps]
    return end - t0, cpu, relative


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="switch_interval.py")
    parser.add_argument("--intervals-ms", default="0.5,5,50")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", type=int, default=3000000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--lifeline", action="store_true")
    args = parser.parse_args(argv)
    try:
        args.intervals = [float(v) for v in args.intervals_ms.split(",") if v.strip()]
    except ValueError:
        fail("intervals-ms must be a comma-separated list of numbers")
    if not args.intervals or any(not 0 < v <= 1000 for v in args.intervals):
        fail("each interval must be above 0 and at most 1000 ms")
    if not 1 <= args.threads <= 16:
        fail("threads must be from 1 to 16")
    if not 1 <= args.chunk <= args.work <= 1000000000:
        fail("work must be at least chunk (and at most 1e9), chunk at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.lifeline:
        start_lifeline()
    emit("probe", **probe())
    original = sys.getswitchinterval()
    chunks = args.work // args.chunk
    try:
        for interval in args.intervals:
            sys.setswitchinterval(interval / 1000.0)
            wall, cpu, stamps = run_interval(args.threads, chunks, args.chunk)
            sys.setswitchinterval(original)
            emit("interval", interval_ms=interval, wall_s=round(wall, 6), cpu_s=round(cpu, 6),
                 chunk=args.chunk, chunks=chunks, stamps=stamps)
    finally:
        sys.setswitchinterval(original)
    emit("done", intervals=len(args.intervals))


if __name__ == "__main__":
    main()
