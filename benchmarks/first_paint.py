"""Launch to first frame on a real terminal (tmux): gil-tui against a minimal Textual app.

Starts, in alternation, ``gil-tui`` (the Lessons tab) and a minimal Textual app that shows
two core bars (the smallest app that draws what gil-tui is about), each in a fresh tmux
window of one private tmux server, and polls ``tmux capture-pane`` until a known text is
on screen: that is the time a person waits, terminal drawing included (plus a few ms of
polling). Each app is then closed with ``q`` (or its window killed).

For gil-tui two moments are timed: ``frame`` (the lesson heading, with the tabs and the
key bar: the first frame) and ``text`` (the lesson's first paragraph, drawn by the
document view). The ratio is gil-tui's ``frame`` over the minimal app's. Goal (issue 16.5):
within 10% of the minimal app (ratio <= 1.10).

    python benchmarks/first_paint.py [--repeat 15] [--size 80x24]

``PYTHONPATH=/other/checkout python benchmarks/first_paint.py`` measures another copy of
gil-tui (an older one, to compare). gil-tui is started the way a user starts it, by its
console script (``python -m gil_tui`` when there is none). The machine's load moves both
figures; alternating the two apps spreads it evenly, and each launch of gil-tui is also
compared with the minimal app's launch next to it (the paired ratio). Beside the time on
screen, the CPU time each app had used by then (the scheduler's count for the process,
read when the text is seen) moves much less with the load; gil-tui's includes what it
does right after its frame (the lesson's text is on its way) until the poll sees the frame.
A throwaway GIL_TUI_HOME keeps the user's settings and history out of it (a first start).
Bytecode is cached as for an installed package (``PYTHONDONTWRITEBYTECODE`` would make
every launch compile gil-tui's modules again): in a throwaway ``PYTHONPYCACHEPREFIX``,
filled by the warm-up launches, so the checkout gets no ``__pycache__``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOCKET = "gil-tui-first-paint"

#: The minimal app: Textual, two core bars, `q` quits. Imports only what it draws.
MINIMAL_APP = """\
from textual.app import App
from gil_tui.ui.widgets.core_bars import CoreBars

class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield CoreBars()

    def on_mount(self):
        self.query_one(CoreBars).push((35.0, 70.0))

Minimal().run()
"""

#: (name, what ends the wait) for each app; gil-tui's first frame and its lesson text.
GIL_TUI_MARKS = {"frame": "Lesson 1 of", "text": "When you run a Python script"}
MINIMAL_MARKS = {"frame": "CPU1"}


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True,
                          text=True).stdout


def launch(argv: list[str], marks: dict[str, str], size: tuple[int, int], env: dict[str, str],
           timeout: float = 20.0) -> dict[str, tuple[float, float]]:
    """For each mark: (seconds from launch to its text on screen, CPU seconds the app had
    used by then); (inf, inf) when never seen."""
    command = " ".join(_quote(part) for part in argv)
    env_args = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
    seen: dict[str, tuple[float, float]] = {}
    start = time.perf_counter()
    # Started in the throwaway home, not here: `python -m gil_tui` would find the package
    # in the current directory before PYTHONPATH (which can point at another checkout).
    # -P prints the pane's process: the app itself (the shell execs a lone command).
    pid = tmux("new-session", "-d", "-P", "-F", "#{pane_pid}", "-s", "trial",
               "-x", str(size[0]), "-y", str(size[1]), "-c", env.get("GIL_TUI_HOME", "/"),
               *env_args, command).strip()
    while len(seen) < len(marks):
        now = time.perf_counter() - start
        if now > timeout:
            break
        text = tmux("capture-pane", "-p", "-t", "trial")
        now = time.perf_counter() - start
        for name, mark in marks.items():
            if name not in seen and mark in text:
                seen[name] = (now, cpu_seconds(pid))
        # A short rest between polls: polling flat out spawns tmux clients back to back,
        # which on 2 busy cores takes CPU from the very app being measured.
        time.sleep(0.004)
    _close()
    return {name: seen.get(name, (float("inf"), float("inf"))) for name in marks}


def gil_tui_command() -> list[str]:
    """How a user starts gil-tui: its console script (next to this Python), else
    ``python -m gil_tui``. Either imports gil-tui from PYTHONPATH first."""
    script = os.path.join(os.path.dirname(sys.executable), "gil-tui")
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "gil_tui"]


def cpu_seconds(pid: str) -> float:
    """CPU time used so far by a process, all its threads (nan if unknown).

    From the scheduler's own count (``se.sum_exec_runtime``, in ms, per thread) where
    the kernel shows it, else from ``/proc/PID/stat`` (clock ticks: 10 ms steps).
    Unlike the time to the frame, it hardly moves with the machine's load."""
    total = 0.0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/sched", encoding="ascii") as file:
                for line in file:
                    if line.startswith("se.sum_exec_runtime"):
                        total += float(line.split(":")[1]) / 1000
                        break
        if total > 0:
            return total
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _close() -> None:
    tmux("send-keys", "-t", "trial", "q")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "trial" in tmux("list-sessions", "-F", "#S"):
        time.sleep(0.05)
    tmux("kill-session", "-t", "trial")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="launches of each app")
    parser.add_argument("--size", default="80x24", help="terminal size, WxH")
    parser.add_argument("--warm-up", type=int, default=2,
                        help="launches of each app first, not counted (bytecode, disk cache)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 1
    width, height = (int(part) for part in args.size.split("x"))
    gil_tui = gil_tui_command()
    minimal = [sys.executable, "-c", MINIMAL_APP]
    #: (seconds to the mark, CPU seconds by then) of each counted launch.
    times: dict[str, list[tuple[float, float]]] = {"gil-tui frame": [], "gil-tui text": [],
                                                   "minimal": []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gil-tui-first-paint-") as home:
        env = {"GIL_TUI_HOME": home, "TERM": os.environ.get("TERM", "xterm-256color"),
               "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": f"{home}/pycache"}
        tmux("kill-server")
        tmux("new-session", "-d", "-s", "idle")  # the server stays up between trials
        try:
            for n in range(args.warm_up + args.repeat):
                counted = n >= args.warm_up
                # Alternate which app goes first, so neither always follows the other.
                order = [(gil_tui, GIL_TUI_MARKS), (minimal, MINIMAL_MARKS)]
                for argv, marks in (order if n % 2 == 0 else order[::-1]):
                    seen = launch(argv, marks, (width, height), env)
                    if not counted:
                        continue
                    if argv is gil_tui:
                        times["gil-tui frame"].append(seen["frame"])
                        times["gil-tui text"].append(seen["text"])
                    else:
                        times["minimal"].append(seen["frame"])
        finally:
            tmux("kill-server")
    print(report(times, args.repeat, args.size, (load_before, os.getloadavg()[0])))
    return 0


def report(times: dict[str, list[tuple[float, float]]], repeat: int, size: str,
           load: tuple[float, float]) -> str:
    """The figures: wall time and CPU time to each mark, and the ratios to the goal."""
    lines = [f"launch to first frame, {repeat} launches each at {size}, load average "
             f"{load[0]:.1f} -> {load[1]:.1f} (median, [min-max]):",
             f"  {'':14} {'on screen':>21}   {'CPU used by then':>21}"]
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for name, values in times.items():
        wall[name] = [w for w, _ in values if w != float("inf")]
        cpu[name] = [c for w, c in values if w != float("inf") and c == c]
        missed = len(values) - len(wall[name])
        extra = f"  ({missed} never seen)" if missed else ""
        lines.append(f"  {name:14} {_spread(wall[name])}   {_spread(cpu[name])}{extra}")
    minimal_wall, minimal_cpu = median(wall["minimal"]), median(cpu["minimal"])
    # Each launch of one app against the launch of the other just before or after it:
    # the machine's load drifts slowly, so pairs are fairer than whole medians.
    paired = [g[0] / m[0] for g, m in zip(times["gil-tui frame"], times["minimal"])
              if g[0] != float("inf") and m[0] != float("inf") and m[0] > 0]
    lines.append(f"  ratio gil-tui/minimal: {median(wall['gil-tui frame']) / minimal_wall:.2f} "
                 f"(first frame), {median(wall['gil-tui text']) / minimal_wall:.2f} "
                 f"(lesson text); median of paired launches {median(paired):.2f}   "
                 "goal: <= 1.10")
    lines.append(f"  CPU ratio gil-tui/minimal: {median(cpu['gil-tui frame']) / minimal_cpu:.2f} "
                 "(first frame; the part of the ratio that is gil-tui's own work)")
    return "\n".join(lines)


def _spread(values: list[float]) -> str:
    if not values:
        return f"{'-':>21}"
    return (f"{median(values) * 1000:6.0f} ms [{min(values) * 1000:4.0f}-"
            f"{max(values) * 1000:4.0f}]")


if __name__ == "__main__":
    raise SystemExit(main())
