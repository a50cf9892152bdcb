"""How `gil-tui results` scales with the number of runs in the history (time, peak memory).

    python benchmarks/history_scale.py [--runs 100000] [--also 10000] [--import-runs 40000]

Writes ``--runs`` history lines (and ``--also`` for comparison) to a temporary
``GIL_TUI_HOME``, then times ``gil-tui results`` in each output format (stdout to
/dev/null) and reads each process's peak resident memory from ``wait4``. The
history is streamed, so the peak memory should be about the same for 10k and
100k runs while the time grows linearly. Last, it imports a history of
``--import-runs`` runs (kept under the 50 MiB import cap) into an empty home.
A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gil_tui.engine.history.entry import HistoryEntry  # noqa: E402
from gil_tui.engine.history.store import HistoryStore  # noqa: E402
from gil_tui.engine.run.events import WorkerStat  # noqa: E402
from gil_tui.engine.run.results import InterpreterInfo, RunResult  # noqa: E402
from gil_tui.engine.run.spec import RunSpec  # noqa: E402

MACHINES = [{"hostname": f"host{n}", "cpu_count_logical": 4 * (n + 1),
             "cpu_count_usable": 4 * (n + 1), "platform": "Linux-bench"} for n in range(3)]
MODES = ("sequential", "threads", "processes")


def write_history(path: Path, runs: int) -> int:
    """``runs`` plausible lines (3 machines, 2 interpreters, 3 modes, matrices of 6 runs)."""
    chunks, size = [], 0
    with open(path, "wb") as f:
        for n in range(runs):
            mode = MODES[n % 3]
            python = "/usr/bin/python3.13" if n % 6 < 3 else "/opt/py/3.14t/bin/python"
            spec = RunSpec("cpu", mode, workers=4, scale=0.5, python=python)
            interp = InterpreterInfo(python, "3.13.1" if n % 6 < 3 else "3.14.0",
                                     gil_enabled=n % 6 < 3, free_threaded=n % 6 >= 3,
                                     cpu_count=4, executable=python)
            wall = 2.0 / (1 if mode == "sequential" else 1.7) + (n % 7) * 0.01
            stats = tuple(WorkerStat(i, 1000 + i, 5000 + i, wall, wall * 0.9, 2, 2, 0.01)
                          for i in range(spec.workers))
            result = RunResult(spec, interp, wall, 0.02, wall * 3.1, stats, 0.01, None,
                               None, 8, 1.7e9 + n * 10.0)
            entry = HistoryEntry(result, MACHINES[n % 3], "compare", f"m{n // 6}")
            line = HistoryStore.encode(entry)
            chunks.append(line)
            size += len(line)
            if len(chunks) >= 5000:
                f.write(b"".join(chunks))
                chunks.clear()
        f.write(b"".join(chunks))
    return size


def measure(home: Path, *args: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of one `gil-tui` run."""
    env = dict(os.environ, GIL_TUI_HOME=str(home),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "gil_tui", *args], stdout=sink,
                                stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes vs KiB
    return elapsed, usage.ru_maxrss * 1024 / scale / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--also", type=int, default=10_000, help="a smaller history to compare")
    parser.add_argument("--import-runs", type=int, default=40_000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    with tempfile.TemporaryDirectory() as tmp:
        base = measure(Path(tmp) / "empty", "results")
        print(f"{'empty history':>28}: {base[0]:6.2f} s  {base[1]:6.1f} MiB peak")
        for runs in sorted({args.also, args.runs}):
            home = Path(tmp) / f"h{runs}"
            (home / "data").mkdir(parents=True)
            size = write_history(home / "data" / "history.jsonl", runs)
            print(f"{runs} runs, history of {size / 2**20:.1f} MiB")
            for fmt in ((), ("--csv",), ("--markdown",), ("--json",)):
                elapsed, peak, code = measure(home, "results", *fmt)
                label = "results " + " ".join(fmt)
                print(f"{label:>28}: {elapsed:6.2f} s  {peak:6.1f} MiB peak  (exit {code})")
        source = Path(tmp) / "to-import.jsonl"
        size = write_history(source, args.import_runs)
        home = Path(tmp) / "importer"
        elapsed, peak, code = measure(home, "results", "--import", str(source))
        label = f"--import {args.import_runs} runs"
        print(f"{label:>28}: {elapsed:6.2f} s  {peak:6.1f} MiB peak  (exit {code}, "
              f"{size / 2**20:.1f} MiB file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
