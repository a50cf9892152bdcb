"""gil-tui: see threads and processes behave in CPython, with and without the GIL."""

__version__ = "0.1.0"
