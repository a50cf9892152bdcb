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


def live_run(mode: str, workers: int = 2, start_method: str | None = None):
    """Select a cpu run in `mode`, start it, and wait until it is well under way."""

    async def steps(app: GilTuiApp, pilot) -> None:
        from gil_tui.engine.spec import Mode, Workload
        from gil_tui.ui.selection import Selection
        from gil_tui.ui.tabs.live import LivePane

        pane = app.query_one(LivePane)
        pane.selection = Selection(workload=Workload.CPU, mode=Mode(mode), workers=workers,
                                   scale=1.0, start_method=start_method)
        await pilot.press("r")
        for _ in range(600):
            tracker = pane.tracker
            if tracker is not None and tracker.spec.mode is Mode(mode) \
                    and tracker.fraction > 0.45:
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
]


async def shoot(scene: Scene) -> Path:
    app = make_app(**scene.app_kwargs)
    async with app.run_test(size=scene.size) as pilot:
        await pilot.pause(0.3)
        for key in scene.press:
            await pilot.press(key)
            await pilot.pause(0.1)
        if scene.after is not None:
            await scene.after(app, pilot)
        await pilot.pause(1.0)
        path = Path(app.save_screenshot(filename=f"{scene.name}.svg", path=str(OUT)))
    return path


def to_png(svg: Path) -> Path | None:
    tool = shutil.which("rsvg-convert")
    if tool is None:
        return None
    png = svg.with_suffix(".png")
    subprocess.run([tool, "-o", str(png), str(svg)], check=True)
    return png


def main(argv: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    wanted = [s for s in SCENES if not argv or any(a in s.name for a in argv)]
    for scene in wanted:
        svg = asyncio.run(shoot(scene))
        png = to_png(svg)
        print(f"wrote {svg.relative_to(ROOT)}" + (f" and {png.name}" if png else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
