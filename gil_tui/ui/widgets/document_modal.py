"""A modal screen showing one Markdown document, scrollable by keys: the main app's help
and the watch app's help are both one of these (each adds its own bindings)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen

from gil_tui.ui.widgets.document import DocumentView


class DocumentModal(ModalScreen[None]):
    """``text`` in a centred, bordered document viewer; ``close`` dismisses it."""

    DEFAULT_CSS = """
    DocumentModal { align: center middle; }
    DocumentModal > DocumentView {
        width: 80; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 0 0 1;
    }
    """

    #: the id of the document view (tests and CSS find it by it)
    VIEW_ID = "document-text"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        view = DocumentView(self.text, id=self.VIEW_ID)
        view.can_focus = True  # the arrow and page keys scroll it
        yield view

    def action_close(self) -> None:
        self.dismiss(None)
