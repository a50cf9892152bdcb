# pool_no_guard.py: a Pool at the top level, WITHOUT the main guard.
# (gil-tui's main-guard demo runs it in a temporary directory under each start method.)
import multiprocessing as mp
import os

START_METHOD = "spawn"

print("top level runs as", repr(__name__), "in pid", os.getpid(), flush=True)


def square(n):
    return n * n


# Safety cap added by gil-tui, not part of the lesson: processes two levels down
# skip the pool, so even a Python without multiprocessing's own check stops here.
level = int(os.environ.get("GIL_TUI_DEMO_LEVEL", "0"))
if level < 2:
    os.environ["GIL_TUI_DEMO_LEVEL"] = str(level + 1)
    ctx = mp.get_context(START_METHOD)
    with ctx.Pool(2) as pool:
        print("pool results:", pool.map(square, range(4)), flush=True)
