"""gil-tui race demo: threads incrementing one shared counter, with and without a lock.

Standard library only, CPython 3.8 and later. Usage::

    PYTHON race.py [--threads 4] [--increments 1000000] [--lock-increments 100000]
                   [--trials 5] [--stop-at-loss] [--variants plain,call,lock]
                   [--switch-interval-ms MS] [--budget SECONDS] [--lifeline]

Variants (each thread runs the loop on a module global):

* ``plain``: ``counter += 1``, no lock, ``increments`` times;
* ``call``: ``counter += one()``, no lock, ``increments`` times: a function call
  sits between reading ``counter`` and writing it back;
* ``lock``: ``counter += one()`` inside ``with lock:``, ``lock_increments`` times
  (locking is slow; a lock is exact at any size).

Output, one JSON object per line: ``probe``, then one ``trial`` per variant and
trial (expected, actual, lost, seconds), then ``done`` (trials run; whether the
time budget cut the run short; whether it stopped at the first trial in which a
variant without a lock lost updates, with ``--stop-at-loss``). Trials interleave
the variants, so a run cut short still has every variant.
"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_common import emit, fail, probe, start_lifeline  # noqa: E402

VARIANTS = ("plain", "call", "lock")

counter = 0
lock = threading.Lock()


def one():
    return 1


def add_plain(n):
    global counter
    for _ in range(n):
        counter += 1


def add_call(n):
    global counter
    for _ in range(n):
        counter += one()


def add_locked(n):
    global counter
    for _ in range(n):
        with lock:
            counter += one()


LOOPS = {"plain": add_plain, "call": add_call, "lock": add_locked}


def run_trial(variant, threads, increments):
    """Start ``threads`` threads on one loop; return (final counter, seconds)."""
    global counter
    counter = 0
    loop = LOOPS[variant]
    gate = threading.Barrier(threads)

    def body():
        gate.wait()  # all threads start counting together
        loop(increments)

    workers = [threading.Thread(target=body) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counter, time.perf_counter() - start


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="race.py")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--increments", type=int, default=1000000)
    parser.add_argument("--lock-increments", type=int, default=None)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--stop-at-loss", action="store_true")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--switch-interval-ms", type=float, default=None)
    parser.add_argument("--budget", type=float, default=None)
    parser.add_argument("--lifeline", action="store_true")
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not variants or any(v not in VARIANTS for v in variants):
        fail("variants must be a comma-separated list of %s" % ", ".join(VARIANTS))
    if not 1 <= args.threads <= 64:
        fail("threads must be from 1 to 64")
    if not 1 <= args.increments <= 100000000:
        fail("increments must be from 1 to 100000000")
    if args.lock_increments is None:
        args.lock_increments = args.increments
    if not 1 <= args.lock_increments <= 100000000:
        fail("lock-increments must be from 1 to 100000000")
    if not 1 <= args.trials <= 100:
        fail("trials must be from 1 to 100")
    if args.switch_interval_ms is not None and not 0 < args.switch_interval_ms <= 1000:
        fail("switch-interval-ms must be above 0 and at most 1000")
    args.variants = variants
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.lifeline:
        start_lifeline()
    if args.switch_interval_ms is not None:
        sys.setswitchinterval(args.switch_interval_ms / 1000.0)
    emit("probe", **probe())
    began = time.perf_counter()
    slowest = 0.0
    done = 0
    cut = False
    lost_once = False
    for trial in range(args.trials):
        spent = time.perf_counter() - began
        if trial and args.budget is not None and spent + slowest > args.budget:
            cut = True
            break
        t0 = time.perf_counter()
        for variant in args.variants:
            rounds = args.lock_increments if variant == "lock" else args.increments
            expected = args.threads * rounds
            actual, seconds = run_trial(variant, args.threads, rounds)
            emit("trial", variant=variant, trial=trial, expected=expected, actual=actual,
                 lost=expected - actual, seconds=round(seconds, 6))
            if variant != "lock" and actual != expected:
                lost_once = True
        slowest = max(slowest, time.perf_counter() - t0)
        done += 1
        if args.stop_at_loss and lost_once:
            break
    emit("done", trials=done, budget_cut=cut, stopped_at_loss=args.stop_at_loss and lost_once)


if __name__ == "__main__":
    main()
