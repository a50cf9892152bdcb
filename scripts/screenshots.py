"""Regenerate screenshots/ from the app itself (Textual's own SVG export).

    python scripts/screenshots.py            # every scene
    python scripts/screenshots.py lessons    # scenes whose name contains "lessons"

SVGs are written to screenshots/. When `rsvg-convert` is installed, a PNG of each is
written beside it too, so the pictures can be looked at without a browser.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gil_tui.ui.app import GilTuiApp, make_app  # noqa: E402

OUT = ROOT / "screenshots"


@dataclass
class Scene:
    name: str
    size: tuple[int, int]
    press: list[str] = field(default_factory=list)
    app_kwargs: dict = field(default_factory=dict)
    #: Extra steps after the key presses (wait for a run to be under way, ...).
    after: Callable[[GilTuiApp, object], Awaitable[None]] | None = None
    #: Why the figures on screen are not fit to be shown as fact (None: they are).
    check: Callable[[GilTuiApp], str | None] | None = None


#: A scene whose figures are implausible is shot again, at most this many times in all.
ATTEMPTS = 4


def implausible_figures(app: GilTuiApp) -> str | None:
    """Why the Compare tab's figures would teach something false, or None.

    Screenshots are shown as fact in the README, so a noisy run is never kept: no
    speedup above what the cores allow, no GIL-build CPU threads speedup (the lessons
    say it cannot happen), processes/subinterpreters that did not get both cores, and
    no run during which other programs used the machine (engine.run.share).
    """
    from gil_tui.engine.compare.model import MatrixResult, usable_cores
    from gil_tui.engine.compare.sweep import SweepResult
    from gil_tui.engine.run.share import SHARED
    from gil_tui.engine.run.spec import Mode
    from gil_tui.engine.text import SCALED
    from gil_tui.ui.tabs.compare.chart import ScalingPlot
    from gil_tui.ui.tabs.compare.pane import ComparePane

    cores = usable_cores()
    parallel = (Mode.THREADS, Mode.PROCESSES, Mode.SUBINTERPRETERS)
    shown = app.query_one(ComparePane).book.shown
    results: list = [shown[0]] if shown else []
    results += [plot.result for plot in app.query(ScalingPlot) if plot.result is not None]
    for result in results:
        runs = []
        if isinstance(result, MatrixResult):
            cpu = not result.plan.workload.io_bound
            for cell in result.cells:
                runs += cell.runs
                if cell.speedup is None or cell.mode not in parallel or not cpu:
                    continue
                label = f"{cell.target.minor} {cell.mode.value} {cell.speedup:.2f}x"
                if cell.speedup > min(cell.workers, cores) * 1.15:
                    return f"{label}: more than {min(cell.workers, cores)} cores allow"
                if cell.mode is Mode.THREADS and cell.gil_enabled is not False \
                        and result.plan.workload.value == "cpu" and cell.speedup >= SCALED:
                    return f"{label}: GIL threads cannot speed up pure Python"
                if cell.mode is not Mode.THREADS and cell.workers >= 2 and cores >= 2 \
                        and cell.speedup < SCALED:
                    return f"{label}: the machine did not give it two cores"
        elif isinstance(result, SweepResult):
            runs += result.baseline + [r for rs in result.runs.values() for r in rs]
            for point in result.points:
                if point.speedup > min(point.workers, cores) * 1.15:
                    return f"sweep {point.workers} workers {point.speedup:.2f}x: too fast"
        busy = [r.others_cores for r in runs if r.others_cores is not None]
        if busy and max(busy) >= SHARED:
            return f"other programs used up to {max(busy):.1f} cores during the runs"
    return None


def live_run(mode: str, workers: int = 2, start_method: str | None = None):
    """Select a cpu run in `mode`, start it, and wait until it is well under way."""

    async def steps(app: GilTuiApp, pilot) -> None:
        from gil_tui.engine.run.spec import Mode, Workload
        from gil_tui.ui.selection import Selection
        from gil_tui.ui.tabs.live.pane import LivePane

        pane = app.query_one(LivePane)
        pane.selection = Selection(workload=Workload.CPU, mode=Mode(mode), workers=workers,
                                   scale=1.0, start_method=start_method)
        await pilot.press("r")
        for _ in range(600):
            tracker = pane.run_display.tracker
            if tracker is not None and tracker.spec.mode is Mode(mode) \
                    and tracker.fraction > 0.45:
                break
            await pilot.pause(0.05)
        app.clear_notifications()

    return steps


def compare_run(view: str = "matrix", scale: float = 0.25, others: int = 1, repeat: int = 3):
    """Wait for the interpreters, keep this one and the newest other one, run the matrix
    (or the scaling sweep) at a small scale, and wait until it has finished."""

    async def steps(app: GilTuiApp, pilot) -> None:
        from gil_tui.ui.tabs.compare.pane import ComparePane

        pane = app.query_one(ComparePane)
        for _ in range(600):  # the Interpreters tab discovers them
            if pane.interpreters:
                break
            await pilot.pause(0.05)
        found = pane.interpreters or []
        current = [i.path for i in found if i.source == "current"]
        newest = [i.path for i in reversed(found) if i.source != "current"]
        pane.choice = pane.choice.replace(paths=tuple(current + newest[:others]),
                                          scale=scale, repeat=repeat)
        if view == "scaling":
            await pilot.press("v")
        await pilot.press("r")
        for _ in range(3000):
            if not pane.running:
                break
            await pilot.pause(0.1)
        app.clear_notifications()

    return steps


def lesson_demo(slug: str, pick_first: bool = False):
    """Open a lesson, run its demo, wait for the result."""

    async def steps(app: GilTuiApp, pilot) -> None:
        from gil_tui.ui.tabs.lessons.demo_panel import DemoPanel

        await pilot.pause(0.5)
        await pilot.press("d")
        if pick_first:
            await pilot.pause(0.3)
            await pilot.press("enter")
        panel = app.query_one(DemoPanel)
        for _ in range(600):
            if panel.result is not None:
                break
            await pilot.pause(0.05)
        app.clear_notifications()

    return steps


SCENES = [
    Scene("lessons-80x24", (80, 24)),
    Scene("lessons-120x40", (120, 40), press=["n", "n"]),
    Scene("lessons-contents-80x24", (80, 24), press=["t", "down", "down", "down"]),
    Scene("help-80x24", (80, 24), press=["f1"]),
    Scene("live-threads-running-100x30", (100, 30), app_kwargs={"tab": "live"},
          after=live_run("threads")),
    Scene("live-processes-running-100x30", (100, 30), app_kwargs={"tab": "live"},
          after=live_run("processes")),
    Scene("live-threads-running-80x24", (80, 24), app_kwargs={"tab": "live"},
          after=live_run("threads")),
    Scene("interpreters-100x30", (100, 30), app_kwargs={"tab": "interpreters"}),
    Scene("compare-matrix-100x30", (100, 30), app_kwargs={"tab": "compare"},
          after=compare_run(), check=implausible_figures),
    Scene("compare-matrix-80x24", (80, 24), app_kwargs={"tab": "compare"}, after=compare_run(),
          check=implausible_figures),
    Scene("compare-scaling-100x30", (100, 30), app_kwargs={"tab": "compare"},
          after=compare_run("scaling"), check=implausible_figures),
    Scene("demo-race-100x30", (100, 30), app_kwargs={"lesson": "free-threading"},
          after=lesson_demo("free-threading")),
    Scene("demo-main-guard-100x30", (100, 30), app_kwargs={"lesson": "main-guard"},
          after=lesson_demo("main-guard")),
]


WATCHED = """\
import threading

def spin(n):
    total = 0
    for i in range(n):
        total += i

if __name__ == "__main__":
    print("two CPU-bound threads, under the GIL", flush=True)
    threads = [threading.Thread(target=spin, args=(12_000_000,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("done", flush=True)
"""


async def shoot_watch(name: str, size: tuple[int, int], wait_for_end: bool) -> Path:
    """`gil-tui watch -- python two_threads.py`, during the run or after it."""
    import tempfile

    from gil_tui.ui.watch.view import WatchApp

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "two_threads.py"
        script.write_text(WATCHED)
        app = WatchApp([sys.executable, str(script)], hz=4)
        async with app.run_test(size=size) as pilot:
            screen = app.screen
            for _ in range(600):
                done = getattr(screen, "summary", None) is not None
                if (wait_for_end and done) or (not wait_for_end and _running_long(screen)):
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.5)
            path = Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))
            if not wait_for_end:
                screen.action_stop()
                await pilot.pause(1.0)
    return path


def _running_long(screen) -> bool:
    session = getattr(screen, "session", None)
    return session is not None and session.running and (
        time.monotonic() - session._t0 > 2.0 if getattr(session, "_t0", 0) else False)


WATCH_SCENES = [("watch-running-100x30", (100, 30), False),
                ("watch-summary-100x30", (100, 30), True)]


class Implausible(Exception):
    pass


async def shoot(scene: Scene) -> Path:
    """One scene; a scene with a check is shot again while its figures are implausible,
    and never written if they stay so (the picture would show noise as fact)."""
    why = None
    for attempt in range(1, ATTEMPTS + 1):
        app = make_app(**scene.app_kwargs)
        async with app.run_test(size=scene.size) as pilot:
            await pilot.pause(0.3)
            for key in scene.press:
                await pilot.press(key)
                await pilot.pause(0.1)
            if scene.after is not None:
                await scene.after(app, pilot)
            await pilot.pause(1.0)
            why = scene.check(app) if scene.check is not None else None
            if why is None:
                return Path(app.save_screenshot(filename=f"{scene.name}.svg", path=str(OUT)))
        print(f"{scene.name}: attempt {attempt}: {why}; again", file=sys.stderr)
    raise Implausible(f"{scene.name}: kept the old picture, the figures stayed implausible "
                      f"({why}); run it again on a quiet machine")


def to_png(svg: Path) -> Path | None:
    tool = shutil.which("rsvg-convert")
    if tool is None:
        return None
    png = svg.with_suffix(".png")
    # Without xml:space="preserve", rsvg-convert drops the leading spaces of each text run:
    # a table's "3.11 GIL  sequential" became "3.11 GILsequential" in the PNG.
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    subprocess.run([tool, "-o", str(png)], input=text.encode("utf-8"), check=True)
    return png


def main(argv: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    wanted = [s for s in SCENES if not argv or any(a in s.name for a in argv)]
    failed = 0
    for scene in wanted:
        try:
            svg = asyncio.run(shoot(scene))
        except Implausible as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        png = to_png(svg)
        print(f"wrote {svg.relative_to(ROOT)}" + (f" and {png.name}" if png else ""))
    for name, size, end in WATCH_SCENES:
        if argv and not any(a in name for a in argv):
            continue
        svg = asyncio.run(shoot_watch(name, size, end))
        png = to_png(svg)
        print(f"wrote {svg.relative_to(ROOT)}" + (f" and {png.name}" if png else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
