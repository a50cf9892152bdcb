"""One run at a time across the tabs: two runs at once share the cores and skew each other's times.

The app makes one :class:`RunGate` and gives it to every pane that starts runs;
each pane says how to tell whether it is running and what to tell the others
meanwhile, and asks the gate before it starts. A pane built on its own (in a
test) gets a gate of its own, where nobody else runs.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

#: What a member is told when it would start a second run of its own.
UNDER_WAY = "A run is under way: wait for it, or press x to cancel it."


class Notifier(Protocol):
    def notify(self, message: str, *, severity: Any = ..., timeout: float | None = ...) -> None:
        ...


class RunGate:
    """Who may start a run now."""

    def __init__(self) -> None:
        self._members: list[tuple[object, Callable[[], bool], str]] = []

    def join(self, member: object, running: Callable[[], bool], busy_text: str) -> None:
        """``member`` starts runs; ``running()`` says when one is under way, and then the
        others are told ``busy_text``."""
        self._members.append((member, running, busy_text))

    def busy(self, asking: object) -> str | None:
        """Why ``asking`` should not start a run now (another member's run is going), or None."""
        for member, running, busy_text in self._members:
            if member is not asking and running():
                return busy_text
        return None

    def refuse(self, asking: Notifier) -> bool:
        """True, and ``asking`` told why, when it must not start a run now: a run of its
        own or of another member is under way."""
        mine = any(member is asking and running() for member, running, _ in self._members)
        text = UNDER_WAY if mine else self.busy(asking)
        if text is not None:
            asking.notify(text, severity="warning", timeout=3 if mine else 5)
        return text is not None
