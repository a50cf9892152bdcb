"""gil-tui benchmark worker: runs one workload in one mode and reports JSON lines.

Standard library only; runs on CPython 3.8 and later (the syntax also parses on
3.6/3.7, so those get a clean "too old" error instead of a traceback). It never
imports anything from gil_tui, because it often runs under another interpreter
than gil-tui's own.

Usage::

    PYTHON bench_worker.py --spec '{"v": 1, "workload": "cpu", "mode": "threads", ...}'
                           [--lifeline]

The protocol (every event and field) is documented in PROTOCOL.md next to this
file. Only the main thread writes to stdout; threads, coroutines and child
processes hand their events to it through a queue. The subinterpreters mode
(CPython 3.12+) finds its API in ``subinterpreters.py`` next to this file, which
also holds the code each subinterpreter runs.

With ``--lifeline`` a daemon thread blocks on reading stdin; end of file means
the process that started us is gone, and the whole process group (ours, when we
were started with ``start_new_session=True``) is killed (``lifeline.py`` next to
this file, shared with the other worker scripts). SIGINT and SIGTERM end the run
and every process in the group.
"""

import argparse
import hashlib
import json
import math
import os
import queue
import signal
import sys
import threading
import time

if __package__:  # imported as gil_tui.worker.bench_worker (tests, tools)
    from . import lifeline
else:  # run by path: this folder is sys.path[0]
    import lifeline

end_group = lifeline.end_group  # (sig, exit_code): stop every process of the run, then exit

PROTOCOL_VERSION = 1
T_START = time.perf_counter()

WORKLOADS = ("cpu", "io", "sleep", "hash")
MODES = ("sequential", "threads", "processes", "asyncio", "subinterpreters")
START_METHODS = ("fork", "spawn", "forkserver")
MAX_WORKERS = 256
MAX_TASKS = 10000
MAX_DELAY_MS = 10000
DEFAULT_TASKS = {"cpu": 8, "hash": 8, "io": 16, "sleep": 16}

#: Loop iterations of the cpu kernel for scale 1.0 (2.5-3 s on one idle core of the
#: 2-core Xeon VM gil-tui was calibrated on, CPython 3.11).
CPU_ITERATIONS_PER_SCALE = 15000000
#: Iterations between two progress checks (a few milliseconds of work).
CPU_STEP = 20000
#: MiB hashed with sha256 for scale 1.0 (how long that takes depends on the machine's
#: OpenSSL, not on Python: gil_tui/engine/run/calibration.py measures it).
HASH_MIB_PER_SCALE = 1024
HASH_BUFFER_BYTES = 1 << 20
#: Minimum seconds between two progress events of one worker.
PROGRESS_INTERVAL = 0.25


class WorkerFailure(Exception):
    """A failure to report as an ``error`` event (message meant for a person)."""

    def __init__(self, message, exit_code=1):
        Exception.__init__(self, message)
        self.message = message
        self.exit_code = exit_code


class Stop(BaseException):
    """Raised in the main thread by the SIGINT/SIGTERM handler."""

    def __init__(self, signum):
        BaseException.__init__(self, signum)
        self.signum = signum


# ---------------------------------------------------------------- output


def _now():
    return time.perf_counter()


def write_event(event, **fields):
    """Write one protocol line. Main thread only."""
    ts = fields.pop("ts", None)
    obj = {"v": PROTOCOL_VERSION, "event": event,
           "t": round((ts if ts is not None else _now()) - T_START, 6)}
    obj.update(fields)
    try:
        sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):
        # Nobody reads us any more: end everything quietly.
        end_group(signal.SIGTERM, 1)


def _on_signal(signum, frame):
    raise Stop(signum)


# ---------------------------------------------------------------- the plan


def _fail(message, exit_code=2):
    raise WorkerFailure(message, exit_code)


def check_spec(spec):
    """Validate the spec sent by the runner; return a plan dict (picklable)."""
    if not isinstance(spec, dict):
        _fail("the spec must be a JSON object")
    if spec.get("v") != PROTOCOL_VERSION:
        _fail("the spec is for protocol v%s but this worker speaks v%d; "
              "use the worker that ships with the same gil-tui" % (spec.get("v"), PROTOCOL_VERSION))
    workload = spec.get("workload")
    mode = spec.get("mode")
    if workload not in WORKLOADS:
        _fail("unknown workload %r; choose from %s" % (workload, ", ".join(WORKLOADS)))
    if mode not in MODES:
        _fail("unknown mode %r; choose from %s" % (mode, ", ".join(MODES)))
    workers = spec.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        _fail("workers must be a whole number from 1 to %d (got %r)" % (MAX_WORKERS, workers))
    if mode == "sequential":
        workers = 1
    tasks = spec.get("tasks")
    if tasks is None:
        tasks = DEFAULT_TASKS[workload]
    if isinstance(tasks, bool) or not isinstance(tasks, int) or not 1 <= tasks <= MAX_TASKS:
        _fail("tasks must be a whole number from 1 to %d (got %r)" % (MAX_TASKS, tasks))
    scale = spec.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) \
            or not math.isfinite(scale) or scale <= 0:
        _fail("scale must be a number above 0 (got %r)" % (scale,))
    delay_ms = spec.get("delay_ms", 100)
    if isinstance(delay_ms, bool) or not isinstance(delay_ms, int) \
            or not 0 <= delay_ms <= MAX_DELAY_MS:
        _fail("delay_ms must be a whole number from 0 to %d (got %r)" % (MAX_DELAY_MS, delay_ms))
    start_method = spec.get("start_method")
    if start_method is not None and start_method not in START_METHODS:
        _fail("unknown start method %r; choose from %s" % (start_method, ", ".join(START_METHODS)))
    if mode == "asyncio" and workload in ("cpu", "hash"):
        _fail("asyncio mode runs the I/O workloads only (io, sleep): %s work would block "
              "the event loop; use threads or processes" % workload)
    if mode == "subinterpreters" and workload == "io":
        _fail("subinterpreters mode runs the cpu, hash and sleep workloads only: io needs the "
              "latency server's HTTP client in every subinterpreter; use threads or asyncio")
    url = spec.get("url")
    if workload == "io":
        if not isinstance(url, str) or not url.startswith("http://"):
            _fail("the io workload needs the latency server's http:// url (got %r)" % (url,))
        url = url.rstrip("/")

    if workload == "cpu":
        total = max(tasks, int(round(scale * CPU_ITERATIONS_PER_SCALE)))
    elif workload == "hash":
        total = max(tasks, int(round(scale * HASH_MIB_PER_SCALE)))
    else:
        total = tasks
    base, extra = divmod(total, tasks)
    amounts = [base + (1 if i < extra else 0) for i in range(tasks)]
    if workload == "cpu":
        steps = [int(math.ceil(a / float(CPU_STEP))) for a in amounts]
    else:
        steps = list(amounts)
    return {
        "workload": workload, "mode": mode, "workers": workers, "tasks": tasks,
        "scale": scale, "delay_ms": delay_ms, "start_method": start_method,
        "url": url, "amounts": amounts, "steps": steps, "total_steps": sum(steps),
    }


# ---------------------------------------------------------------- workloads


def cpu_kernel(n, x):
    """Pure-Python integer arithmetic: holds the GIL the whole time."""
    for i in range(n):
        x = (x * 7 + i) % 1000003
    return x


_OPENER = None


def http_opener():
    """One shared urllib opener for plain HTTP, made once.

    Not ``urllib.request.urlopen``: from 3.12 its first call in each thread
    builds an HTTPS handler that loads the system CA certificates, and 16
    threads doing that at once cost about a second that has nothing to do
    with the I/O being measured. Without a proxy handler, too: the latency
    server is on loopback, an ``http_proxy`` variable must not reroute it.
    """
    global _OPENER
    if _OPENER is None:
        import urllib.request as request

        opener = request.OpenerDirector()
        for handler in (request.HTTPHandler(), request.HTTPDefaultErrorHandler(),
                        request.HTTPErrorProcessor()):
            opener.add_handler(handler)
        _OPENER = opener
    return _OPENER


def _fetch(url, timeout):
    import urllib.error

    try:
        with http_opener().open(url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise WorkerFailure("the latency server answered %s %s for %s" % (exc.code, exc.reason, url))
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkerFailure("could not reach the latency server at %s: %s" % (url, reason))


def run_steps(plan, task, on_step):
    """Run task number ``task``; call ``on_step()`` after each step."""
    workload = plan["workload"]
    amount = plan["amounts"][task]
    if workload == "cpu":
        x = task
        left = amount
        while left > 0:
            n = CPU_STEP if left > CPU_STEP else left
            x = cpu_kernel(n, x)
            left -= n
            on_step()
    elif workload == "hash":
        buf = b"\x5a" * HASH_BUFFER_BYTES
        h = hashlib.sha256()
        for _ in range(amount):
            h.update(buf)  # releases the GIL: more than 2047 bytes
            on_step()
        h.digest()
    elif workload == "sleep":
        time.sleep(plan["delay_ms"] / 1000.0)
        on_step()
    else:
        url = "%s/delay?ms=%d" % (plan["url"], plan["delay_ms"])
        _fetch(url, timeout=plan["delay_ms"] / 1000.0 + 30.0)
        on_step()


def work_loop(index, plan, next_task, emit, cpu_clock):
    """One worker: take tasks until none is left, reporting as it goes."""
    start = _now()
    emit({"event": "worker_start", "index": index, "pid": os.getpid(),
          "thread_id": threading.get_native_id(), "ts": start})
    state = {"done": 0, "last": start}

    def on_step():
        state["done"] += 1
        now = _now()
        if now - state["last"] >= PROGRESS_INTERVAL:
            state["last"] = now
            emit({"event": "progress", "index": index, "done": state["done"],
                  "total": plan["total_steps"], "ts": now})

    cpu0 = cpu_clock()
    tasks = 0
    while True:
        task = next_task()
        if task is None:
            break
        run_steps(plan, task, on_step)
        tasks += 1
    end = _now()
    emit({"event": "worker_done", "index": index, "pid": os.getpid(),
          "thread_id": threading.get_native_id(), "seconds": round(end - start, 6),
          "cpu_s": round(cpu_clock() - cpu0, 6), "tasks": tasks, "done": state["done"],
          "start_ts": start, "ts": end})


# ---------------------------------------------------------------- modes


class Collector:
    """Main-thread bookkeeping of worker events, and their output."""

    def __init__(self, plan, t0):
        self.plan = plan
        self.t0 = t0
        self.cpu0 = time.process_time()
        self.starts = {}
        self.workers = {}

    def handle(self, ev):
        ev = dict(ev)
        kind = ev.pop("event")
        if kind == "error":
            raise WorkerFailure(ev.get("message", "a worker failed"), 1)
        if kind == "worker_start":
            self.starts[ev["index"]] = ev["ts"]
        elif kind == "worker_done":
            start_ts = ev.pop("start_ts")
            self.starts.setdefault(ev["index"], start_ts)
            self.workers[ev["index"]] = dict(ev, start_s=round(start_ts - self.t0, 6))
        write_event(kind, **ev)

    def emit_result(self, t_end, cpu_children=0.0):
        starts = sorted(self.starts.values())
        cpu_self = time.process_time() - self.cpu0  # user + system of this process, during the run
        workers = []
        for index in sorted(self.workers):
            w = dict(self.workers[index])
            w.pop("ts", None)
            workers.append(w)
        write_event(
            "result",
            wall_s=round(t_end - self.t0, 6),
            startup_s=round(starts[-1] - self.t0, 6) if starts else 0.0,
            first_start_s=round(starts[0] - self.t0, 6) if starts else 0.0,
            cpu_s=round(cpu_self + cpu_children, 6),
            cpu_self_s=round(cpu_self, 6),
            cpu_children_s=round(cpu_children, 6),
            tasks=self.plan["tasks"],
            total_steps=self.plan["total_steps"],
            workers=workers,
            ts=t_end,
        )


def _thread_clock():
    return time.thread_time()


def run_sequential(plan):
    tasks = iter(range(plan["tasks"]))
    t0 = _now()
    col = Collector(plan, t0)
    work_loop(0, plan, lambda: next(tasks, None), col.handle, _thread_clock)
    col.emit_result(_now())


def _thread_main(index, plan, task_q, events):
    def next_task():
        try:
            return task_q.get_nowait()
        except queue.Empty:
            return None

    try:
        work_loop(index, plan, next_task, events.put, _thread_clock)
    except WorkerFailure as exc:
        events.put({"event": "error", "message": exc.message})
    except BaseException as exc:  # report anything, never die silently
        events.put({"event": "error", "message": "worker thread %d failed: %s: %s"
                    % (index, type(exc).__name__, exc)})


def run_threads(plan):
    task_q = queue.Queue()
    for task in range(plan["tasks"]):
        task_q.put(task)
    events = queue.Queue()
    t0 = _now()
    col = Collector(plan, t0)
    threads = [threading.Thread(target=_thread_main, args=(i, plan, task_q, events),
                                name="bench-%d" % i, daemon=True)
               for i in range(plan["workers"])]
    for th in threads:
        th.start()
    done = 0
    while done < len(threads):
        try:
            ev = events.get(timeout=0.2)
        except queue.Empty:
            continue
        col.handle(ev)
        if ev["event"] == "worker_done":
            done += 1
    for th in threads:
        th.join()
    col.emit_result(_now())


def _process_main(index, plan, task_q, events):
    """Target of each child process (module level, so spawn can pickle it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl+C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked child inherits our handler

    def next_task():
        return task_q.get()

    try:
        work_loop(index, plan, next_task, events.put, time.process_time)
    except WorkerFailure as exc:
        events.put({"event": "error", "message": exc.message})
    except BaseException as exc:
        events.put({"event": "error", "message": "worker process %d (pid %d) failed: %s: %s"
                    % (index, os.getpid(), type(exc).__name__, exc)})
    events.close()
    events.join_thread()


def run_processes(plan):
    import multiprocessing

    method = plan["start_method"]
    try:
        ctx = multiprocessing.get_context(method)
    except ValueError:
        raise WorkerFailure("start method %r is not available here (available: %s)"
                            % (method, ", ".join(multiprocessing.get_all_start_methods())))
    task_q = ctx.Queue()
    for task in range(plan["tasks"]):
        task_q.put(task)
    for _ in range(plan["workers"]):
        task_q.put(None)
    events = ctx.Queue()
    t0 = _now()
    col = Collector(plan, t0)
    procs = [ctx.Process(target=_process_main, args=(i, plan, task_q, events),
                         name="bench-%d" % i, daemon=True)
             for i in range(plan["workers"])]
    for p in procs:
        p.start()
    finished = set()
    dead_since = {}
    while len(finished) < len(procs):
        try:
            ev = events.get(timeout=0.1)
        except queue.Empty:
            ev = None
        if ev is not None:
            col.handle(ev)
            if ev["event"] == "worker_done":
                finished.add(ev["index"])
            continue
        now = _now()
        for i, p in enumerate(procs):
            if i in finished or p.exitcode is None:
                continue
            # Its last events may still be in the pipe: give them a moment.
            if now - dead_since.setdefault(i, now) > 0.5:
                code = p.exitcode
                if code < 0:
                    how = "was killed by signal %d" % -code
                else:
                    how = "exited with code %d" % code
                raise WorkerFailure("worker process %d (pid %s) %s before finishing its tasks"
                                    % (i, p.pid, how))
    for p in procs:
        p.join()
    t_end = _now()
    cpu_children = sum(w.get("cpu_s") or 0.0 for w in col.workers.values())
    col.emit_result(t_end, cpu_children)


def _aiohttp_available():
    import importlib.util

    try:
        return importlib.util.find_spec("aiohttp") is not None
    except (ImportError, ValueError):
        return False


async def _stream_get(url, delay_ms):
    """HTTP/1.1 GET over asyncio streams (used when aiohttp is absent)."""
    import asyncio
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    except OSError as exc:
        raise WorkerFailure("could not reach the latency server at %s: %s" % (url, exc))
    try:
        request = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, parts.netloc)
        writer.write(request.encode("ascii"))
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), delay_ms / 1000.0 + 30.0)
        while await reader.read(65536):
            pass
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    fields = status.split()
    if len(fields) < 2 or fields[1] != b"200":
        raise WorkerFailure("the latency server answered %r for %s"
                            % (status.decode("latin-1").strip(), url))


def run_asyncio(plan, client):
    import asyncio

    aiohttp = None
    if client == "aiohttp":
        import aiohttp  # before t0: importing it takes longer than the run itself
    t0 = _now()
    col = Collector(plan, t0)

    async def main():
        task_q = asyncio.Queue()
        for task in range(plan["tasks"]):
            task_q.put_nowait(task)
        session = None
        if aiohttp is not None:
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        url = "%s/delay?ms=%d" % (plan["url"], plan["delay_ms"]) if plan["url"] else None

        async def one(task):
            if plan["workload"] == "sleep":
                await asyncio.sleep(plan["delay_ms"] / 1000.0)
            elif session is not None:
                try:
                    async with session.get(url) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError as exc:
                    raise WorkerFailure("could not reach the latency server at %s: %s" % (url, exc))
                if status != 200:
                    raise WorkerFailure("the latency server answered %d for %s" % (status, url))
            else:
                await _stream_get(url, plan["delay_ms"])

        async def worker(index):
            start = _now()
            col.handle({"event": "worker_start", "index": index, "pid": os.getpid(),
                        "thread_id": threading.get_native_id(), "ts": start})
            done = 0
            last = start
            while True:
                try:
                    task = task_q.get_nowait()
                except asyncio.QueueEmpty:
                    break
                await one(task)
                done += 1
                now = _now()
                if now - last >= PROGRESS_INTERVAL:
                    last = now
                    col.handle({"event": "progress", "index": index, "done": done,
                                "total": plan["total_steps"], "ts": now})
            end = _now()
            col.handle({"event": "worker_done", "index": index, "pid": os.getpid(),
                        "thread_id": threading.get_native_id(), "seconds": round(end - start, 6),
                        "cpu_s": None, "tasks": done, "done": done, "start_ts": start,
                        "ts": end})

        try:
            await asyncio.gather(*(worker(i) for i in range(plan["workers"])))
        finally:
            if session is not None:
                await session.close()

    asyncio.run(main())
    col.emit_result(_now())


# ---------------------------------------------------------------- subinterpreters


class Unsupported(WorkerFailure):
    """This interpreter cannot run the mode at all (``unsupported: true`` in the error)."""

    fields = {"unsupported": True}


_SUBS = None


def _subinterpreters_module():
    global _SUBS
    if _SUBS is None:
        try:  # run by path: this folder is sys.path[0]
            import subinterpreters
        except ImportError:  # imported as gil_tui.worker.bench_worker (tests, tools)
            from . import subinterpreters
        _SUBS = subinterpreters
    return _SUBS


def subinterpreters_api(plan):
    """The subinterpreters API of this run (None in the other modes).

    Called before ``hello``: where there is none, the run is refused before any
    work starts (one ``error`` event with ``unsupported: true``, exit status 2).
    """
    if plan["mode"] != "subinterpreters":
        return None
    subs = _subinterpreters_module()
    try:
        return subs.find_api()
    except subs.Unavailable as exc:
        raise Unsupported(exc.message, 2)


def _subinterpreter_main(index, plan, api, task_q, events, fd):
    """One worker: a thread that creates its own subinterpreter and runs every task there.

    The subinterpreter runs on this very OS thread, so its native thread id and
    ``time.thread_time()`` are this thread's. ``worker_start`` comes once the
    interpreter exists (its creation counts like a process's start-up).
    """
    subs = _subinterpreters_module()
    interp = None
    try:
        interp = api.create()
        api.run(interp, subs.bench_source(plan, index, fd, CPU_STEP, HASH_BUFFER_BYTES,
                                          PROGRESS_INTERVAL))
        start = _now()
        events.put({"event": "worker_start", "index": index, "pid": os.getpid(),
                    "thread_id": threading.get_native_id(), "ts": start})
        cpu0 = time.thread_time()
        tasks = done = 0
        while True:
            try:
                task = task_q.get_nowait()
            except queue.Empty:
                break
            api.run(interp, subs.task_source(task, plan["amounts"][task]))
            tasks += 1
            done += plan["steps"][task]
        end = _now()
        events.put({"event": "worker_done", "index": index, "pid": os.getpid(),
                    "thread_id": threading.get_native_id(), "seconds": round(end - start, 6),
                    "cpu_s": round(time.thread_time() - cpu0, 6), "tasks": tasks, "done": done,
                    "start_ts": start, "ts": end})
    except subs.RunFailed as exc:
        events.put({"event": "error", "message": "the subinterpreter of worker %d failed: %s"
                    % (index, exc)})
    except BaseException as exc:  # report anything, never die silently
        events.put({"event": "error", "message": "subinterpreter worker %d failed: %s: %s"
                    % (index, type(exc).__name__, exc)})
    finally:
        if interp is not None:
            try:
                api.close(interp)
            except Exception:
                pass


def _progress_reader(fd, total, events):
    """Turn the subinterpreters' progress lines (``index done perf_counter``) into events."""
    pending = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            try:
                index, done, ts = line.split()
                events.put({"event": "progress", "index": int(index), "done": int(done),
                            "total": total, "ts": float(ts)})
            except ValueError:
                continue
    os.close(fd)


def run_subinterpreters(plan, api):
    task_q = queue.Queue()
    for task in range(plan["tasks"]):
        task_q.put(task)
    events = queue.Queue()
    read_fd, write_fd = os.pipe()
    reader = threading.Thread(target=_progress_reader, args=(read_fd, plan["total_steps"], events),
                              name="bench-progress", daemon=True)
    reader.start()
    t0 = _now()
    col = Collector(plan, t0)
    threads = [threading.Thread(target=_subinterpreter_main,
                                args=(i, plan, api, task_q, events, write_fd),
                                name="bench-%d" % i, daemon=True)
               for i in range(plan["workers"])]
    for th in threads:
        th.start()
    finished = set()
    while len(finished) < len(threads):
        try:
            ev = events.get(timeout=0.2)
        except queue.Empty:
            continue
        if ev["event"] == "progress" and ev["index"] in finished:
            continue  # a late line from the pipe: worker_done has the final count
        col.handle(ev)
        if ev["event"] == "worker_done":
            finished.add(ev["index"])
    for th in threads:
        th.join()
    t_end = _now()
    os.close(write_fd)
    reader.join(1.0)
    col.emit_result(t_end)


# ---------------------------------------------------------------- hello, main


def _usable_cpus():
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count()
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def hello_fields(plan, io_client):
    import multiprocessing
    import platform
    import sysconfig

    free_threaded = sysconfig.get_config_var("Py_GIL_DISABLED") == 1
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    default_method = multiprocessing.get_context().get_start_method()
    return {
        "version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "gil_enabled": bool(is_gil_enabled()) if is_gil_enabled else True,
        "free_threaded": free_threaded,
        "cpu_count": _usable_cpus(),
        "pid": os.getpid(),
        "platform": sys.platform,
        "default_start_method": default_method,
        "start_method": (plan["start_method"] or default_method)
        if plan["mode"] == "processes" else None,
        "aiohttp": _aiohttp_available(),
        "io_client": io_client,
        "workload": plan["workload"],
        "mode": plan["mode"],
        "workers": plan["workers"],
        "tasks": plan["tasks"],
        "total_steps": plan["total_steps"],
    }


def _io_client(plan, has_aiohttp):
    if plan["workload"] != "io":
        return None
    if plan["mode"] == "asyncio":
        return "aiohttp" if has_aiohttp else "asyncio-streams"
    return "urllib"


def main(argv=None):
    parser = argparse.ArgumentParser(description="gil-tui benchmark worker (see PROTOCOL.md)")
    parser.add_argument("--spec", required=True, help="the run, as a JSON object")
    parser.add_argument("--lifeline", action="store_true",
                        help="exit with the whole process group when stdin reaches end of file")
    parser.add_argument("--nice", type=int, default=0, metavar="N",
                        help="first lower this process's CPU priority by N (POSIX; the "
                        "worker's own processes inherit it)")
    args = parser.parse_args(argv)
    if args.nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(args.nice)
        except OSError:
            pass  # not allowed here: run at the normal priority

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    if args.lifeline:
        lifeline.start()
    try:
        if sys.version_info < (3, 8):
            raise WorkerFailure("this worker needs CPython >= 3.8; %s is Python %s"
                                % (sys.executable, sys.version.split()[0]))
        try:
            spec = json.loads(args.spec)
        except ValueError as exc:
            raise WorkerFailure("the spec is not valid JSON: %s" % exc, 2)
        plan = check_spec(spec)
        api = subinterpreters_api(plan)
        hello = hello_fields(plan, None)
        hello["io_client"] = _io_client(plan, hello["aiohttp"])
        hello["subinterpreters_api"] = api.label if api is not None else None
        if hello["io_client"] == "urllib":
            http_opener()  # made once, before the clock starts (inherited under fork)
        write_event("hello", **hello)
        mode = plan["mode"]
        if mode == "sequential":
            run_sequential(plan)
        elif mode == "threads":
            run_threads(plan)
        elif mode == "processes":
            run_processes(plan)
        elif mode == "subinterpreters":
            run_subinterpreters(plan, api)
        else:
            run_asyncio(plan, hello["io_client"])
    except WorkerFailure as exc:
        write_event("error", message=exc.message, exit_code=exc.exit_code,
                    **getattr(exc, "fields", {}))
        end_group(signal.SIGTERM, exc.exit_code)
    except Stop as exc:
        name = "SIGINT" if exc.signum == signal.SIGINT else "SIGTERM"
        write_event("error", message="the run was stopped (%s)" % name, cancelled=True,
                    exit_code=128 + exc.signum)
        end_group(signal.SIGTERM, 128 + exc.signum)
    except KeyboardInterrupt:
        end_group(signal.SIGTERM, 130)
    except Exception as exc:
        write_event("error", message="the worker failed: %s: %s" % (type(exc).__name__, exc),
                    exit_code=1)
        end_group(signal.SIGTERM, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
