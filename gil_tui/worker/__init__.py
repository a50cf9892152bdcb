"""Scripts that run in the chosen interpreter, by path, with the standard library only.

Nothing here imports gil_tui: each script must run alone in any CPython >= 3.8
(a free-threaded 3.14t without our dependencies included). The engine finds them
through ``WORKER_DIR``.
"""

from pathlib import Path

#: the folder that holds the worker scripts (bench, costs, demo scripts)
WORKER_DIR = Path(__file__).resolve().parent
