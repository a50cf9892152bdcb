"""Attack gil-tui with hostile inputs and signals; print how many were handled cleanly.

    .venv/bin/python benchmarks/attack.py [--quick] [--classes 1,2,3,4,5,10,11,12,kills]
                                           [--reps N] [--modes REGEX] [--verbose]

The figures of issue 12 ("inputs tried / clean, kills / survivors"), repeatable.
Classes (the issue's numbering): 1 terminal injection through imported results,
2 the io workload's latency server (slow partial requests, an over-long header,
a low descriptor limit), 3 a read-only history, 4 absurd but valid JSON in imports
and in the history file, 5 odd files for ``--import`` (/dev/zero, a FIFO, a
directory, over the size cap), 10 odd values for every CLI argument, 11 closed
stdout, 12 ``watch --no-tui`` byte-exactness; then kills: every run mode gets
SIGKILL, SIGTERM, SIGHUP and SIGINT just after the start and mid-run, and what
it started is counted 10 s later (survivors, temp folders).

An input is clean when gil-tui exits 0 (valid) or 2 (invalid) with at most a few
lines on stderr, no traceback, no raw control characters it did not write, no
hang (60 s), and the history stays readable. Everything runs with GIL_TUI_HOME
and TMPDIR in a temp folder of its own; every process it started is ended at
the end, also on Ctrl-C. A script that prints figures, never part of the tests.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attack_common import TOKEN, Harness, Tally, end_marked, kill_live  # noqa: E402

CLASSES = ("1", "2", "3", "4", "5", "10", "11", "12", "kills")


def _run_class(name: str, h: Harness, args: argparse.Namespace) -> Tally:
    if name in ("1", "3", "4", "5"):
        import attack_data as mod
    elif name in ("10", "11", "12"):
        import attack_args as mod
    elif name == "2":
        import attack_server as mod
    else:
        import attack_kills
        return attack_kills.kills(h, args.quick, args.reps, args.modes)
    return getattr(mod, f"class{name}")(h, args.quick)


def _print(tallies: list[Tally], seconds: float, verbose: bool) -> None:
    print()
    print(f"{'class':<26} {'tried':>6} {'clean':>6} {'kills':>6} {'survivors':>9}")
    for t in tallies:
        print(f"{t.name:<26} {t.tried:>6} {t.clean:>6} {t.kills:>6} {t.survivors:>9}")
    tried, clean = sum(t.tried for t in tallies), sum(t.clean for t in tallies)
    kills, surv = sum(t.kills for t in tallies), sum(t.survivors for t in tallies)
    print(f"{'total':<26} {tried:>6} {clean:>6} {kills:>6} {surv:>9}")
    print(f"\ninputs tried / clean: {tried} / {clean};  kills / survivors: {kills} / {surv};"
          f"  {seconds:.0f} s")
    for t in tallies:
        if t.unclean:
            print(f"\nunclean in {t.name} ({len(t.unclean)}):")
            for u in sorted(t.unclean):
                print("  - " + u)
        shown = t.notes if verbose else [n for n in t.notes if t.name.startswith(("2 ", "12 "))
                                         or n.startswith("self-check")]
        if shown:
            print(f"\nnotes on {t.name}:")
            for n in sorted(shown):
                print("  . " + n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer payloads, one moment per signal")
    parser.add_argument("--classes", default=",".join(CLASSES),
                        help=f"comma-separated, from {','.join(CLASSES)} (default: all)")
    parser.add_argument("--reps", type=int, default=1, help="kills of each mode x signal x moment")
    parser.add_argument("--modes", default=None, help="only the run modes matching this regex (kills)")
    parser.add_argument("--verbose", action="store_true", help="print every note")
    args = parser.parse_args()
    chosen = [c.strip() for c in args.classes.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CLASSES]
    if unknown:
        parser.error(f"unknown class: {', '.join(unknown)}")

    import subprocess
    from attack_common import GIL_TUI
    probe = subprocess.run(GIL_TUI + ["lessons"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        print("gil-tui does not start (`gil-tui lessons` failed); the checkout is broken right now:\n"
              + probe.stderr.decode("utf-8", "replace")[-600:], file=sys.stderr)
        return 1
    h = Harness()

    def stop(signum: int, _frame: object) -> None:
        kill_live()
        end_marked(TOKEN)
        h.close()
        print(f"\nstopped by signal {signum}; everything started was ended", file=sys.stderr)
        os._exit(130)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    started = time.monotonic()
    tallies: list[Tally] = []
    try:
        for name in chosen:
            t0 = time.monotonic()
            print(f"class {name} ...", end=" ", flush=True)
            tally = _run_class(name, h, args)
            tallies.append(tally)
            print(f"{tally.tried} inputs, {tally.kills} kills, {time.monotonic() - t0:.0f} s", flush=True)
    finally:
        kill_live()
        left = end_marked(TOKEN)
        h.close()
    _print(tallies, time.monotonic() - started, args.verbose)
    if left:
        print(f"\n(ended {left} stray process(es) of ours at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
