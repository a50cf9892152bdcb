"""RunExplanation: what the last run showed, in words (the engine's explanation), under
the results; when other programs took cores the run needed, the explanation says so
instead of drawing a conclusion, and it is drawn as a warning."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from gil_tui.engine.run.session import RunRecord


def record_text(record: RunRecord) -> Text:
    """The record's explanation (and whether its baseline ran by itself)."""
    text = Text(record.explanation)
    if record.auto_baseline:
        text.append("  (baseline ran automatically)", style="dim")
    return text


class RunExplanation(Static):
    """The explanation of the last run; red when it failed, in the warning colour when
    the machine was shared."""

    DEFAULT_CSS = """
    RunExplanation.-failed { color: $error; }
    RunExplanation.-shared { color: $warning; }
    """

    def show_record(self, record: RunRecord) -> None:
        self.set_class(bool(record.error) and not record.cancelled, "-failed")
        self.set_class(record.shared, "-shared")
        self.update(record_text(record))

    def show_text(self, text: Text, failed: bool = False) -> None:
        """Other words in its place (the Costs preset's failure)."""
        self.set_class(failed, "-failed")
        self.set_class(False, "-shared")
        self.update(text)
