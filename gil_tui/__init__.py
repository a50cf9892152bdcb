"""gil-tui: see threads and processes behave in CPython, with and without the GIL."""

#: The one place the version is written: pyproject.toml reads it from here
#: (``dynamic = ["version"]`` with ``[tool.hatch.version] path = "gil_tui/__init__.py"``),
#: so the installed metadata and ``gil-tui --version`` cannot disagree.  A literal,
#: not ``importlib.metadata.version()``: that import costs about 40 ms at every start.
__version__ = "0.1.0"
