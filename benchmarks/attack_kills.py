"""The kills of ``benchmarks/attack.py``: every run mode, four signals, several moments.

Each kill starts gil-tui in a session of its own (a pty for the app and the watch
view), waits a moment, sends the signal to gil-tui (SIGINT to its whole group, as
Ctrl-C would; SIGHUP in a pty by closing the terminal), waits for gil-tui to end,
waits ``SETTLE_S`` more, then counts what is still alive of what it started (by
the environment marker) and the temp folders left in its ``TMPDIR``.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from attack_common import (GIL_TUI, PYTHON, Harness, Tally, end_marked, first_line, leftover_dirs,
                           marked_pids, new_mark, traceback_in, traceback_summary)

SETTLE_S = 10.0
EXIT_WAIT_S = 20.0

TREE = r'''
import os, signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_DFL)  # die quietly, as a C program would
role, mark = sys.argv[1], sys.argv[2]
if role == "top":
    subprocess.Popen([sys.executable, __file__, "child", mark])
    while True:
        time.sleep(0.5)
elif role == "child":
    if os.fork() == 0:
        os.setsid()                      # escapes the process group
        if os.fork() == 0:
            while True:
                time.sleep(0.5)
        os._exit(0)
    while True:
        sum(range(20000)); time.sleep(0.05)
'''


@dataclass
class Mode:
    name: str
    argv: list[str]          # after GIL_TUI; "{tree}" and "{mark}" are filled in
    pty: bool = False
    serve: bool = False
    heavy: bool = False      # CPU-bound: fewer at once
    moments: tuple[float, ...] | None = None   # instead of the default ones (a short run)


SLEEPY = ["--workload", "sleep", "--workers", "2", "--tasks", "40", "--delay-ms", "1000"]


def modes(quick: bool) -> list[Mode]:
    tree = [PYTHON, "{tree}", "top", "ATTACK-TREE-{mark}"]
    out = [
        Mode("bench threads", ["bench", "--mode", "threads"] + SLEEPY),
        Mode("bench processes fork", ["bench", "--mode", "processes", "--start-method", "fork"] + SLEEPY),
        Mode("bench processes spawn", ["bench", "--mode", "processes", "--start-method", "spawn"] + SLEEPY),
        Mode("bench processes forkserver", ["bench", "--mode", "processes", "--start-method", "forkserver"] + SLEEPY),
        Mode("bench io asyncio", ["bench", "--workload", "io", "--mode", "asyncio", "--workers", "4",
                                  "--tasks", "60", "--delay-ms", "700"]),
        Mode("bench io threads", ["bench", "--workload", "io", "--mode", "threads", "--workers", "4",
                                  "--tasks", "60", "--delay-ms", "700"]),
        Mode("bench cpu sequential", ["bench", "--workload", "cpu", "--mode", "sequential", "--scale", "8"], heavy=True),
        Mode("compare io", ["compare", "io", "--python", PYTHON, "--workers", "4", "--delay-ms", "400",
                            "--no-history"]),
        Mode("costs", ["costs", "--repeat", "200"], heavy=True),
        Mode("demo main-guard default", ["demo", "main-guard"], moments=(0.5,)),
        Mode("demo main-guard pool", ["demo", "main-guard", "-o", "run_timeout=20", "-o", "pool=yes",
                                 "--timeout", "30"]),
        Mode("demo race", ["demo", "race", "-o", "trials=100", "-o", "increments=3000000", "-o", "stop_at_loss=no", "--timeout", "30"],
             heavy=True),
        Mode("demo switch-interval", ["demo", "switch-interval", "-o", "work=20000000", "--timeout", "30"],
             heavy=True),
        Mode("watch --no-tui tree", ["watch", "--no-tui", "--"] + tree),
        Mode("watch view tree (pty)", ["watch", "--"] + tree, pty=True),
        Mode("live --run processes (pty)", ["live", "--mode", "processes", "--run", "--workload", "sleep",
                                            "--workers", "2", "--tasks", "200"], pty=True),
        Mode("serve + websocket client", ["serve", "--port", "0"], serve=True),
    ]
    return out


SIGNALS = {"KILL": signal.SIGKILL, "TERM": signal.SIGTERM, "HUP": signal.SIGHUP, "INT": signal.SIGINT}


class _Pty:
    """A pty whose master is drained by a thread (the app never blocks on a full terminal)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.tail = b""
        self.closed = False
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while not self.closed:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.tail = (self.tail + data)[-200_000:]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.master)

    def restored(self) -> bool:
        on, off = self.tail.rfind(b"\x1b[?1049h"), self.tail.rfind(b"\x1b[?1049l")
        return on < 0 or off > on


def _ctty() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class _WsClient:
    """A websocket client of `gil-tui serve` (aiohttp), kept open in a thread of its own."""

    def __init__(self, url: str) -> None:
        self.url, self.error, self.frames = url, "", 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()

    async def _main(self) -> None:
        import aiohttp
        try:
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(self.url, timeout=10, heartbeat=None) as ws:
                    await ws.send_json(["resize", {"width": 100, "height": 30}])
                    while not self._stop.is_set():
                        try:
                            msg = await asyncio.wait_for(ws.receive(), 0.2)
                        except asyncio.TimeoutError:
                            continue
                        if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR,
                                        aiohttp.WSMsgType.CLOSE):
                            return
                        self.frames += 1
        except Exception as exc:  # noqa: BLE001 - reported as a note
            self.error = f"{type(exc).__name__}: {exc}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def _serve_url(proc: subprocess.Popen, deadline: float) -> str | None:
    buf = b""
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            buf += os.read(fd, 4096) or b""
        except BlockingIOError:
            pass
        m = re.search(rb"http://127\.0\.0\.1:(\d+)", buf)
        if m:
            return f"ws://127.0.0.1:{m.group(1).decode()}/ws?width=100&height=30"
        time.sleep(0.1)
    return None


def one_kill(h: Harness, t: Tally, mode: Mode, sig_name: str, moment: float, rep: int) -> None:
    label = f"{mode.name} {sig_name} at {moment:g}s #{rep}"
    case = h.case_dir(label)
    mark = new_mark(label)
    env = h.env(case, mark)
    tree = case / "tree.py"
    tree.write_text(TREE)
    argv = GIL_TUI + [a.replace("{tree}", str(tree)).replace("{mark}", mark) for a in mode.argv]
    pty = _Pty() if mode.pty else None
    if pty:
        proc = subprocess.Popen(argv, env=env, stdin=pty.slave, stdout=pty.slave, stderr=pty.slave,
                                start_new_session=True, preexec_fn=_ctty, cwd=str(case))
        os.close(pty.slave)
    else:
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True, cwd=str(case))
    client = None
    reasons: list[str] = []
    err = b""
    try:
        if mode.serve:
            url = _serve_url(proc, time.monotonic() + 15)
            if url:
                client = _WsClient(url)
            else:
                t.notes.append(f"{label}: no URL from serve")
        time.sleep(moment)
        before = len(marked_pids(mark))
        if proc.poll() is not None:
            out = pty.tail if pty else proc.communicate()[1]
            t.unclean.append(f"{label}: HARNESS: gil-tui ended before the signal (rc {proc.returncode}): "
                             f"{first_line(out.split(b'Traceback')[-1] if b'Traceback' in out else out)}")
            return
        if pty and sig_name == "HUP":
            pty.close()          # the terminal goes away: the kernel sends SIGHUP
        elif sig_name == "INT" and not pty:
            _signal_group(proc.pid, signal.SIGINT)   # Ctrl-C reaches the whole foreground group
        else:
            _signal(proc.pid, SIGNALS[sig_name])
        try:
            if pty:
                proc.wait(EXIT_WAIT_S)
            else:
                _, err = proc.communicate(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            reasons.append(f"gil-tui did not exit within {EXIT_WAIT_S:g} s of SIG{sig_name}")
            _signal(proc.pid, signal.SIGKILL)
            proc.wait()
        if pty and sig_name in ("TERM", "INT") and not pty.restored():
            reasons.append("terminal left in the alternate screen")
        if traceback_in(err) or (pty and traceback_in(pty.tail)):
            reasons.append("traceback: " + traceback_summary(err if traceback_in(err) else pty.tail))
        if client is not None:
            client.close()
            if client.error:
                t.notes.append(f"{label}: websocket client: {client.error[:100]}")
        time.sleep(SETTLE_S)
        alive = marked_pids(mark)
        alive.pop(proc.pid, None)
        if alive:
            reasons.append(f"{len(alive)} survivor(s): " + "; ".join(sorted(set(alive.values())))[:200])
        dirs = leftover_dirs(case / "tmp")
        if dirs and sig_name != "KILL":
            reasons.append(f"temp folders left: {', '.join(dirs)[:120]}")
        elif dirs:
            t.notes.append(f"{label}: temp folders left after SIGKILL (a later start sweeps them "
                           f"after an hour): {', '.join(dirs)[:100]}")
        with t.lock:
            t.notes.append(f"{label}: {before} of our processes at the signal, rc {proc.returncode}")
        t.kill(label, len(alive), "; ".join(reasons) or None)
    finally:
        if client is not None:
            client.close()
        if proc.poll() is None:
            _signal(proc.pid, signal.SIGKILL)
            proc.wait()
        end_marked(mark)
        if pty:
            pty.close()


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def self_check(h: Harness, t: Tally) -> None:
    """The same tree under a plain shell that gets SIGKILL: the survivors must be seen."""
    case = h.case_dir("self-check")
    mark = new_mark("selfcheck")
    tree = case / "tree.py"
    tree.write_text(TREE)
    proc = subprocess.Popen(["sh", "-c", f'"{PYTHON}" "{tree}" top ATTACK-TREE-{mark} & wait'],
                            env=h.env(case, mark), start_new_session=True, stdin=subprocess.DEVNULL)
    time.sleep(2.0)
    _signal(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.0)
    seen = marked_pids(mark)
    end_marked(mark)
    t.notes.append(f"self-check: SIGKILL of a plain `sh` running the tree left {len(seen)} survivors "
                   f"(3 expected: the harness sees escaped processes)")
    if len(seen) < 3:
        t.unclean.append(f"HARNESS self-check saw only {len(seen)} of 3 survivors")


def kills(h: Harness, quick: bool, reps: int, only: str | None = None) -> Tally:
    t = Tally("kills")
    self_check(h, t)
    moments = (0.5, 4.0) if not quick else (4.0,)
    jobs = [(m, s, mo, r) for m in modes(quick) if not only or re.search(only, m.name)
            for s in SIGNALS for mo in (m.moments[-len(moments):] if m.moments else moments)
            for r in range(reps)]
    heavy = threading.Semaphore(2)

    def run_one(job) -> None:
        mode = job[0]
        if mode.heavy:
            with heavy:
                one_kill(h, t, *job)
        else:
            one_kill(h, t, *job)

    with ThreadPoolExecutor(10) as pool:
        for f in [pool.submit(run_one, j) for j in jobs]:
            try:
                f.result()
            except Exception as exc:  # noqa: BLE001 - one broken case must not stop the rest
                t.unclean.append(f"harness error: {type(exc).__name__}: {exc}")
    return t
