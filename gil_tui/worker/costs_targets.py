"""The functions the costs worker's threads and child processes run.

A module of its own, as small as possible: under spawn and forkserver each
child imports the module its target lives in, and that import is part of what
a process costs; a child of this module pays for these few lines only.
Standard library only, CPython 3.8+.
"""

import sys


def noop():
    pass


def idle(event):
    event.wait()


def report_memory(conn):
    rss, _, method = memory_now()
    conn.send({"rss": rss, "private": private_bytes(), "method": method})
    conn.close()


def echo(conn):
    """Send back every object received (unpickled here, pickled again), until None or EOF."""
    while True:
        try:
            item = conn.recv()
        except EOFError:
            break
        if item is None:
            break
        conn.send(item)
    conn.close()


def _proc_status():
    """``{"VmRSS": bytes, "VmSize": bytes}`` from /proc/self/status, or None."""
    try:
        with open("/proc/self/status") as handle:
            text = handle.read()
    except OSError:
        return None
    found = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmSize"):
            parts = rest.split()
            if parts and parts[0].isdigit():
                found[name] = int(parts[0]) * 1024
    return found if "VmRSS" in found else None


def private_bytes():
    """Private_Clean + Private_Dirty of this process (Linux 4.14+), or None."""
    try:
        with open("/proc/self/smaps_rollup") as handle:
            text = handle.read()
    except OSError:
        return None
    total = 0
    seen = False
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("Private_Clean", "Private_Dirty"):
            parts = rest.split()
            if parts and parts[0].isdigit():
                total += int(parts[0]) * 1024
                seen = True
    return total if seen else None


def _maxrss_bytes():
    try:
        import resource
    except ImportError:
        return None
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024  # bytes on macOS, KiB elsewhere


def memory_now():
    """(rss, vm, method): current RSS from /proc, else peak RSS from resource."""
    status = _proc_status()
    if status is not None:
        return status["VmRSS"], status.get("VmSize"), "proc"
    return _maxrss_bytes(), None, "ru_maxrss"
