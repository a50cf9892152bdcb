"""`gil-tui compare WORKLOAD --sweep MODE`: the scaling view, headless.

Text: one row per worker count (wall, speedup, the ideal speedup, the Amdahl
fit's speedup, busy cores) and the fit in words. ``--json``: one object
(``kind: gil-tui-sweep``: points, ideal, fit with its curve, fit_text).
``--markdown`` and ``--csv``: the rows.
"""

from __future__ import annotations

import argparse
import csv
import io
from typing import Any, TextIO

PROG = "gil-tui compare"


def _rows(result: Any) -> list[dict[str, Any]]:
    fit = result.fit
    ideal = dict(result.ideal)
    rows = []
    for p in result.points:
        rows.append({"workers": p.workers, "median_s": round(p.median_s, 4),
                     "speedup": round(p.speedup, 3), "ideal": ideal.get(p.workers),
                     "fitted": None if fit is None else round(fit.predict(p.workers), 3),
                     "busy_cores": round(p.busy_cores, 3), "runs": p.runs})
    return rows


def _caption(result: Any) -> str:
    plan = result.plan
    base = result.baseline_s
    text = (f"{plan.workload.value}, {plan.mode.value} on {plan.target.full} "
            f"({plan.target.path}), {plan.cores} cores, {plan.tasks} tasks")
    if base:
        text += f"; sequential {base:.3f} s"
    return text


def format_sweep(result: Any, fmt: str) -> str:
    from gil_tui.engine.history import export
    if fmt == "json":
        return export.dumps(result.to_dict()) + "\n"
    rows = _rows(result)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["workers", "median_s", "speedup", "ideal",
                                                 "fitted", "busy_cores", "runs"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    show = lambda v, suffix="x": "-" if v is None else f"{v:.2f}{suffix}"  # noqa: E731
    table = [[str(r["workers"]), export.seconds_text(r["median_s"]), show(r["speedup"]),
              show(r["ideal"]), show(r["fitted"]), show(r["busy_cores"], "")] for r in rows]
    head = ["workers", "wall", "speedup", "ideal", "Amdahl fit", "busy cores"]
    errors = [f"{k}: {v}" for k, v in result.errors.items()]
    if fmt == "markdown":
        lines = [f"**{_caption(result)}**", "", "| " + " | ".join(h.capitalize() for h in head)
                 + " |", "|" + "---:|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in table]
        lines += ["", result.fit_text] + [f"Failed: {e}" for e in errors]
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[n]) for r in table)) if table else len(h)
              for n, h in enumerate(head)]
    lines = [_caption(result),
             "  ".join(h.upper().ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines += ["", result.fit_text] + [f"failed: {e}" for e in errors]
    return "\n".join(lines) + "\n"


def run_sweep(args: argparse.Namespace, target: Any, history: Any, progress: Any,
              out: TextIO, err: TextIO) -> int:
    from gil_tui.commands.compare import run_cancellable
    from gil_tui.engine.compare.sweep import Sweep, SweepPlan

    if not target.supported:
        print(f"{PROG}: {target.reason or target.path + ' cannot run the benchmarks'}", file=err)
        return 1
    try:
        plan = SweepPlan.make(args.workload, args.sweep, target, max_workers=args.workers,
                              scale=args.scale, repeat=args.repeat, delay_ms=args.delay_ms)
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=err)
        return 2
    sweep = Sweep(plan, history=history,
                  on_progress=progress.on_progress if progress else None,
                  on_event=progress.on_event if progress else None)
    result, interrupted = run_cancellable(sweep)
    if progress:
        progress.clear()
    if interrupted:
        print(f"{PROG}: interrupted; the worker and its processes were stopped", file=err)
        return 130
    out.write(format_sweep(result, args.format))
    out.flush()
    if result.errors:
        print(f"{PROG}: {len(result.errors)} of the sweep's runs failed (see the output)",
              file=err)
        return 1
    return 0
