"""Sampled: the message that brings each sample of the sampling thread to the Live tab."""

from __future__ import annotations

from textual.message import Message

from gil_tui.engine.system.monitor import CoreSample, TreeSample


class Sampled(Message, bubble=False):
    """A new sample of the cores (and of the run's process tree, during a run), and
    gil-tui's own CPU since the previous one (``own``, percent of one core, or None).

    It does not bubble: others get the cores from
    :attr:`~gil_tui.ui.tabs.live.pane.LivePane.cores_signal` (a message climbing five
    parents four times a second is not free).
    """

    def __init__(self, cores: CoreSample, tree: TreeSample | None, pid: int | None,
                 own: float | None = None) -> None:
        super().__init__()
        self.cores, self.tree, self.pid, self.own = cores, tree, pid, own

    def can_replace(self, message: Message) -> bool:
        # A newer sample replaces a waiting one, unless that one has the process
        # tree and this one has not (the tree comes only every other sample).
        return isinstance(message, Sampled) and (self.tree is not None or message.tree is None)
