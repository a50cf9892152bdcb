"""DocumentView: a Markdown text drawn by rich as lines, scrolled as one widget.

Textual's Markdown widget builds one widget per block: about 130 for a lesson of
800 words, which took 0.4-0.7 s of CPU to mount on this 2-core VM, and every
later tab switch had to lay them all out again (150-250 ms per key press). Here rich
renders the Markdown once per width (25-70 ms for a lesson), the lines are kept, and
the widget draws only the rows on screen (Textual's Line API), so showing, hiding or
switching a lesson costs about as much as any other widget.

Links keep working: each link's text carries a click action that posts
:class:`DocumentView.LinkClicked` with its target (``lesson:SLUG``, ``https://…``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


@lru_cache(maxsize=1)
def _markdown_class() -> type:
    """rich's Markdown with headings flush left (rich centres h1). Built when first
    needed: the Markdown parser is not imported before the app's first frame."""
    from rich.markdown import Heading, Markdown

    class _LeftHeading(Heading):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            text = self.text.copy()
            text.justify = "left"
            yield text

    class _LessonMarkdown(Markdown):
        elements: ClassVar[dict[str, Any]] = {**Markdown.elements,
                                              "heading_open": _LeftHeading}

    return _LessonMarkdown


def _colour(variables: dict[str, str], name: str, default: str) -> str:
    """A theme variable as a #rrggbb colour rich can parse ('auto 87%' and the like
    fall back to the default)."""
    try:
        colour = Color.parse(variables.get(name, default))
    except ColorParseError:
        colour = Color.parse(default)
    if colour.a < 1:
        colour = Color.parse(default).blend(colour.with_alpha(1), colour.a)
    return colour.hex6


def markdown_theme(variables: dict[str, str], dark: bool) -> Theme:
    """rich styles for Markdown taken from the app's theme colours."""
    foreground = _colour(variables, "foreground", "#e0e0e0" if dark else "#202020")
    accent = _colour(variables, "accent", "#ffa62b")
    primary = _colour(variables, "primary", "#0178d4")
    secondary = _colour(variables, "secondary", primary)
    warning = _colour(variables, "warning", "#ffa62b")
    muted = Color.parse(_colour(variables, "background", "#000000")).blend(
        Color.parse(foreground), 0.7).hex6
    code_bg = _colour(variables, "surface", "#1e1e1e" if dark else "#f0f0f0")
    link = _colour(variables, "primary-lighten-2" if dark else "primary", primary)
    return Theme({
        "markdown.h1": f"bold {accent}",
        "markdown.h2": f"bold {secondary if not dark else accent}",
        "markdown.h3": "bold",
        "markdown.h4": "bold italic",
        "markdown.code": f"bold {warning}",
        "markdown.block_quote": f"italic {muted}",
        "markdown.item.bullet": f"bold {accent}",
        "markdown.item.number": f"bold {accent}",
        "markdown.link": f"underline {link}",
        "markdown.link_url": f"underline {link}",
        "markdown.hr": muted,
        "markdown.table.border": muted,
        "markdown.table.header": "bold",
        "markdown.code_block": f"on {code_bg}",
    })


def render_markdown(source: str, width: int, theme: Theme, code_theme: str,
                    link_action: str = "link") -> list[Strip]:
    """The Markdown as one Strip per line, `width` cells wide.

    Links lose rich's terminal hyperlink (a ``lesson:`` target means nothing to a
    terminal) and get a click action instead: ``link_action('target')``.
    """
    console = Console(width=max(10, width), theme=theme, color_system="truecolor",
                      force_terminal=True, legacy_windows=False, markup=False)
    document = _markdown_class()(source, code_theme=code_theme, hyperlinks=True)
    lines = console.render_lines(document, console.options, pad=False)
    return [Strip(_clickable(line, link_action)) for line in lines]


_WARM_UP = """# Warm up

Some *text* with `code` and a [link](lesson:x).

```python
import threading
```

```bash
gil-tui --help
```

| a | b |
|---|---|
| 1 | 2 |
"""


_warmed_up = False


def warm_up() -> None:
    """Render a small document once per process, so that the first lesson shown does not
    pay for loading the Markdown parser, pygments and its lexers (lesson 1 then takes
    ~50 ms instead of ~100+ here). Safe in a thread: it uses a console of its own."""
    global _warmed_up
    if not _warmed_up:
        _warmed_up = True
        render_markdown(_WARM_UP, 60, Theme({}), "monokai")


def _clickable(line: list[Segment], action: str) -> list[Segment]:
    out: list[Segment] = []
    for text, style, control in line:
        if style is not None and style.link:
            href = style.link
            style = Style(color=style.color, bgcolor=style.bgcolor, bold=style.bold,
                          italic=style.italic, underline=style.underline,
                          meta={"@click": f"{action}({href!r})"})
        out.append(Segment(text, style, control))
    return out


class DocumentView(ScrollView, can_focus=False):
    """Markdown rendered by rich, scrolled by Textual one line at a time."""

    DEFAULT_CSS = """
    DocumentView { height: 1fr; padding: 0 1; overflow-x: hidden; scrollbar-gutter: stable; }
    """

    class LinkClicked(Message):
        """A link in the document was clicked."""

        def __init__(self, view: DocumentView, href: str) -> None:
            super().__init__()
            self.view = view
            self.href = href

        @property
        def control(self) -> DocumentView:
            return self.view

    #: The widest the text is set (a readable measure); a wider view centres it.
    MAX_MEASURE = 100

    def __init__(self, source: str = "", *, id: str | None = None,
                 classes: str | None = None, max_measure: int | None = MAX_MEASURE) -> None:
        super().__init__(id=id, classes=classes)
        self.source = source
        #: Lines are rendered at most this wide (None: the full width) and centred.
        self.max_measure = max_measure
        self._lines: list[Strip] = []
        self._cache: dict[tuple[str, int], list[Strip]] = {}
        self._rendered_width = -1
        self._line_style: Style | None = None  # while drawing: see render_lines

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if not _warmed_up:  # after the first frame: it competes with it for the GIL
            self.set_timer(self.WARM_UP_AFTER, self._warm_up)

    #: Seconds after mount to warm the Markdown renderer up, unless a text came first
    #: (rendering it warms it up as well, without a thread competing for the GIL).
    WARM_UP_AFTER = 0.1

    def _warm_up(self) -> None:
        if not _warmed_up and self.is_attached and not self.source:
            self.run_worker(warm_up, thread=True, group="document-warm-up",
                            exit_on_error=False)

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: object) -> None:
        self._cache.clear()
        self._rendered_width = -1
        self._layout_lines()

    def update(self, source: str) -> None:
        """Show another text (each text is rendered once per width and kept)."""
        if source == self.source and self._rendered_width >= 0:
            return
        self.source = source
        self._rendered_width = -1
        self._layout_lines()

    def on_resize(self) -> None:
        self._layout_lines()

    def _content_width(self) -> int:
        """The width the text is rendered at: the view's, up to the measure."""
        width = self.scrollable_content_region.width
        if self.max_measure is not None:
            width = min(width, self.max_measure)
        return width

    @property
    def indent(self) -> int:
        """Blank cells left of the text, which is centred when the view is wider."""
        if self._rendered_width <= 0:
            return 0
        return max(0, (self.scrollable_content_region.width - self._rendered_width) // 2)

    def _rendered(self, source: str, width: int) -> list[Strip]:
        key = (source, width)
        lines = self._cache.get(key)
        if lines is None:
            theme = self.app.current_theme
            lines = render_markdown(
                source, width, markdown_theme(self.app.theme_variables, theme.dark),
                "monokai" if theme.dark else "default")
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = lines
        return lines

    def prerender(self, source: str) -> None:
        """Render a text at the current width ahead of time, so showing it is instant."""
        width = self._content_width()
        if self.is_attached and width > 0:
            self._rendered(source, width)

    def _layout_lines(self) -> None:
        if not self.is_attached or self.size.width <= 0:
            return
        width = self._content_width()
        if width <= 0:
            return
        if width == self._rendered_width:
            self.refresh()  # the same lines, perhaps centred anew
            return
        # Nothing to show yet (a lesson comes a frame later): no need for the Markdown parser.
        lines = self._rendered(self.source, width) if self.source else []
        self._lines = lines
        self._rendered_width = width
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    @property
    def lines(self) -> list[str]:
        """The rendered text, one string a line (for tests and the command line)."""
        return [strip.text for strip in self._lines]

    def render_lines(self, crop: Region) -> list[Strip]:
        # The style every line is drawn in, found once a redraw (not once per line:
        # rich_style walks up the DOM to blend the backgrounds).
        self._line_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._line_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        style = self._line_style if self._line_style is not None else self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, style)
        indent = self.indent
        line = self._lines[index].crop_extend(scroll_x, scroll_x + width - indent, None)
        if indent:
            line = Strip.join([Strip.blank(indent), line])
        return line.apply_style(style).apply_offsets(scroll_x, index)

    def action_link(self, href: str) -> None:
        self.post_message(self.LinkClicked(self, href))
