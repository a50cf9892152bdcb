# guarded.py: the same script, WITH the main guard.
# (gil-tui's main-guard demo runs it in a temporary directory under each start method.)
import multiprocessing as mp
import os

START_METHOD = "spawn"

print("top level runs as", repr(__name__), "in pid", os.getpid(), flush=True)


def greet():
    print("hello from the child, pid", os.getpid(), flush=True)


if __name__ == "__main__":
    ctx = mp.get_context(START_METHOD)
    child = ctx.Process(target=greet)
    child.start()
    child.join()
    print("child exit code:", child.exitcode, flush=True)
