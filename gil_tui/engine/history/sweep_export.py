"""The scaling sweep as text, Markdown, CSV and JSON (``gil-tui compare --sweep``,
and the Compare tab's copy).

Text: one row per worker count (wall, speedup, the ideal speedup, the Amdahl
fit's speedup, busy cores) and the fit in words. ``json``: one object
(``kind: gil-tui-sweep``: points, ideal, fit with its curve, fit_text).
``markdown`` and ``csv``: the rows. The interpreter's path and the errors did not
come from gil-tui: they are cleaned (:func:`~gil_tui.engine.text.clean_line`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from gil_tui.engine.compare.sweep import SweepResult
from gil_tui.engine.history.export import dumps
from gil_tui.engine.text import clean_line, plural, seconds, speedup

__all__ = ["format_sweep"]

#: ``noise``: why a point is noise (empty when it is not); last, so older readers go on
_FIELDS = ["workers", "median_s", "speedup", "ideal", "fitted", "busy_cores", "runs", "noise"]


def _rows(result: SweepResult) -> list[dict[str, Any]]:
    fit = result.fit
    ideal = dict(result.ideal)
    rows = []
    for p in result.points:
        rows.append({"workers": p.workers, "median_s": round(p.median_s, 4),
                     "speedup": round(p.speedup, 3), "ideal": ideal.get(p.workers),
                     "fitted": None if fit is None else round(fit.predict(p.workers), 3),
                     "busy_cores": round(p.busy_cores, 3), "runs": p.runs,
                     "noise": p.noise})
    return rows


def _caption(result: SweepResult) -> str:
    plan = result.plan
    base = result.baseline_s
    text = (f"{plan.workload.value}, {plan.mode.value} on {plan.target.full} "
            f"({plan.target.path}), {plural(plan.cores, 'core')}, {plural(plan.tasks, 'task')}")
    if base:
        text += f"; sequential {seconds(base)}"
    return clean_line(text)


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def format_sweep(result: SweepResult, fmt: str) -> str:
    """``fmt``: ``json``, ``csv``, ``markdown`` or ``text``."""
    if fmt == "json":
        return dumps(result.to_dict()) + "\n"
    rows = _rows(result)
    if fmt == "csv":
        return _csv(rows)
    busy = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    mark = lambda r: "*" if r["noise"] else ""  # noqa: E731
    table = [[str(r["workers"]), seconds(r["median_s"]), speedup(r["speedup"]) + mark(r),
              speedup(r["ideal"]), speedup(r["fitted"]), busy(r["busy_cores"])] for r in rows]
    noted = [f"* noisy, {plural(r['workers'], 'worker')}: {r['noise']}" for r in rows if r["noise"]]
    head = ["workers", "wall", "speedup", "ideal", "Amdahl fit", "busy cores"]
    errors = [clean_line(f"{k}: {v}") for k, v in result.errors.items()]
    if fmt == "markdown":
        caption = _caption(result).replace("|", "\\|")
        lines = [f"**{caption}**", "", "| " + " | ".join(h.capitalize() for h in head) + " |",
                 "|" + "---:|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in table]
        lines += [n.replace("*", "\\*", 1) for n in noted]
        lines += ["", result.fit_text] + [f"Failed: {e}" for e in errors]
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[n]) for r in table)) if table else len(h)
              for n, h in enumerate(head)]
    lines = [_caption(result),
             "  ".join(h.upper().ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines += noted
    lines += ["", result.fit_text] + [f"failed: {e}" for e in errors]
    return "\n".join(lines) + "\n"
