"""What the Compare tab's copy key puts on the clipboard, without Textual: the Markdown
table of the sweep or of the matrix on show, the command line that prints it, and what
the tab says about it."""

from __future__ import annotations

from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.engine.history.export import matrix_markdown
from gil_tui.ui.tabs.compare.choice import compare_command


def copy_source(view: str, sweep: SweepResult | None,
                shown: tuple[MatrixResult, bool] | None
                ) -> tuple[MatrixResult | SweepResult, bool] | None:
    """What the copy key copies in ``view``: the sweep, or the table on show (and whether it
    comes from the history); None while there is nothing measured to copy."""
    if view == "scaling":
        return (sweep, False) if sweep is not None and sweep.points else None
    return shown if shown is not None and shown[0].runs else None


def copy_payload(result: MatrixResult | SweepResult, *, from_history: bool = False
                 ) -> tuple[str, str]:
    """(the Markdown table, the command line that prints it) for the copy key."""
    if isinstance(result, SweepResult):
        from gil_tui.engine.history.sweep_export import format_sweep

        plan = result.plan
        return format_sweep(result, "markdown"), compare_command(
            plan.workload, [plan.target.path], workers=plan.max_workers, scale=plan.scale,
            repeat=plan.repeat, sweep=plan.mode)
    if from_history:
        return matrix_markdown(result), "gil-tui results --markdown (the whole history)"
    p = result.plan
    return matrix_markdown(result), compare_command(
        p.workload, [t.path for t in p.targets], workers=p.workers, scale=p.scale,
        repeat=p.repeat)


def copied_text(command: str) -> str:
    """What the tab says once it copied: the news first (the status line is one line; the
    rest may be cut, its paths to their last part), then the command line that prints it."""
    return f"Copied the Markdown table · {command}"
