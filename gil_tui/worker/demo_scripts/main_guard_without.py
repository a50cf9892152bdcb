# no_guard.py: starts a process at the top level, WITHOUT the main guard.
# (gil-tui's main-guard demo runs it in a temporary directory under each start method.)
import multiprocessing as mp
import os

START_METHOD = "spawn"

print("top level runs as", repr(__name__), "in pid", os.getpid(), flush=True)


def greet():
    print("hello from the child, pid", os.getpid(), flush=True)


# Safety cap added by gil-tui, not part of the lesson: processes two levels down
# skip the start, so even a Python without multiprocessing's own check stops here.
level = int(os.environ.get("GIL_TUI_DEMO_LEVEL", "0"))
if level < 2:
    os.environ["GIL_TUI_DEMO_LEVEL"] = str(level + 1)
    ctx = mp.get_context(START_METHOD)
    child = ctx.Process(target=greet)
    child.start()
    child.join()
    print("child exit code:", child.exitcode, flush=True)
