"""The Live tab's keys: every one a Binding with an id (for keymaps) and a tooltip.

The controls line shows the values they set; ``check_action`` in
:class:`gil_tui.ui.tabs.live.pane.LivePane` greys out cancel while nothing runs, and
offers Escape only while the Costs panel is open.
"""

from __future__ import annotations

from textual.binding import Binding

LIVE_BINDINGS = [
    Binding("r", "run", "Run", id="live.run", tooltip="Start the selected run"),
    Binding("x", "cancel", "Cancel", id="live.cancel",
            tooltip="Stop the run; every worker process ends"),
    Binding("w", "cycle('workload')", "Workload", id="live.workload",
            tooltip="Next workload: cpu, io, sleep, hash"),
    Binding("m", "cycle('mode')", "Mode", id="live.mode",
            tooltip="Next mode: sequential, threads, processes, asyncio, subinterpreters"),
    Binding("plus,equals_sign", "workers(1)", "+Worker", key_display="+", show=False,
            id="live.more", tooltip="One more worker"),
    Binding("minus", "workers(-1)", "-Worker", key_display="-", show=False,
            id="live.fewer", tooltip="One worker fewer"),
    Binding("i", "cycle('python')", "Python", id="live.python",
            tooltip="Next interpreter found on this machine"),
    Binding("c", "costs", "Costs", id="live.costs",
            tooltip="Measure what creating a thread and a process costs here (c again closes)"),
    Binding("escape", "close_costs", "Close costs", id="live.close_costs",
            tooltip="Close the Costs panel"),
    Binding("t", "cycle('tasks')", "Tasks", show=False, id="live.tasks",
            tooltip="How many tasks the work is split into"),
    Binding("s", "cycle('scale')", "Scale", show=False, id="live.scale",
            tooltip="How much work (cpu, hash) or how long each wait (io, sleep), "
                    "with how long the run should take"),
    Binding("k", "cycle('start')", "Start method", show=False, id="live.start",
            tooltip="Start method for processes"),
    Binding("f", "cycle('hz')", "Sample rate", show=False, id="live.hz",
            tooltip="How often the cores are sampled (1-10 Hz)"),
]
