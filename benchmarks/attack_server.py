"""Class 2 of ``benchmarks/attack.py``: the io workload's latency server under hostile clients."""

from __future__ import annotations

import resource
import socket
import subprocess
import time

import psutil

from attack_common import GIL_TUI, Harness, Ran, Tally, _killpg, judge, new_mark, run

LONG_IO = ["bench", "--workload", "io", "--mode", "threads", "--workers", "2", "--tasks", "60",
           "--delay-ms", "500"]


def _port(pid: int, deadline: float) -> int | None:
    while time.monotonic() < deadline:
        try:
            for c in psutil.Process(pid).net_connections("tcp"):
                if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.ip == "127.0.0.1":
                    return c.laddr.port
        except psutil.Error:
            return None
        time.sleep(0.05)
    return None


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        return True
    except OSError:
        return False
    if data.startswith(b"HTTP/1.1 503"):
        return False
    return bool(data) and _still_open(sock)


def _attack(port: int, kind: str, count: int) -> tuple[list[socket.socket], str]:
    socks: list[socket.socket] = []
    info = ""
    if kind in ("slow", "flood"):
        for _ in range(count):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(b"GET /delay?ms=1 HTTP/1.1\r\nHost: x\r\nX-A: ")
                socks.append(s)
            except OSError as exc:
                info = f"connect failed after {len(socks)}: {exc}"
                break
    elif kind == "long-header":
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            s.sendall(b"GET /delay?ms=1 HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 200_000 + b"\r\n\r\n")
        except OSError:
            pass
        try:
            info = "answer: " + s.recv(200).split(b"\r\n")[0].decode("latin-1")
        except OSError as exc:
            info = f"answer: {exc}"
        s.close()
    elif kind == "garbage":
        for payload in (b"\x00\xff\x16\x03\x01" * 100 + b"\r\n\r\n", b"GET /delay?ms=1e999 HTTP/1.1\r\n\r\n",
                        b"GET /delay?ms=-5 HTTP/1.1\r\n\r\n", b"POST /delay HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nx",
                        b"GET /../../etc/passwd HTTP/1.0\r\n\r\n", b"\r\n" * 10000):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=3)
                s.sendall(payload)
                s.recv(100)
                s.close()
            except OSError:
                pass
    return socks, info


def _with_attack(h: Harness, t: Tally, kind: str, count: int) -> None:
    label = f"latency server: {kind}" + (f" x{count}" if count > 1 else "")
    case = h.case_dir(label)
    env = h.env(case, new_mark(label))
    proc = subprocess.Popen(GIL_TUI + LONG_IO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    socks: list[socket.socket] = []
    reason = None
    started = time.monotonic()
    try:
        port = _port(proc.pid, started + 10)
        if port is None:
            reason = "could not find the latency server's port"
        else:
            socks, info = _attack(port, kind, count)
            if info:
                t.notes.append(f"{label}: {info}")
            if kind in ("slow", "flood"):
                time.sleep(8.0)  # beyond a 5 s header timeout
                still = sum(_still_open(s) for s in socks)
                alive = proc.poll() is None
                t.notes.append(f"{label}: {still} of {len(socks)} partial requests still open after 8 s"
                               f" (bench {'still running' if alive else 'already over'})")
                if still and alive and kind == "slow":
                    reason = f"{still} of {len(socks)} slow partial requests still open after 8 s"
        try:
            out, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            _killpg(proc.pid)
            out, err = proc.communicate()
            reason = reason or "bench hung > 90 s under attack"
    finally:
        for s in socks:
            s.close()
        if proc.poll() is None:
            _killpg(proc.pid)
            proc.wait()
    r = Ran(proc.args, proc.returncode, out, err, False, time.monotonic() - started)
    # a flood beyond the connection cap may make the run fail (503), in one line or two
    reason = reason or judge(r, ok_codes=(0,) if kind != "flood" else (0, 1), max_err_lines=2)
    t.notes.append(f"{label}: bench rc {proc.returncode}, {len(err)} bytes on stderr")
    t.input(label, reason)


def _fd_limit(n: int):
    def pre() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return pre


def class2(h: Harness, quick: bool) -> Tally:
    t = Tally("2 latency server")
    _with_attack(h, t, "slow", 300 if quick else 450)   # under the cap of 512: the run goes on
    if not quick:
        _with_attack(h, t, "flood", 700)
    _with_attack(h, t, "long-header", 1)
    if not quick:
        _with_attack(h, t, "garbage", 1)
    limits = [(48, "threads", 64), (64, "asyncio", 200)] if quick else \
        [(32, "threads", 64), (48, "threads", 64), (64, "asyncio", 200), (100, "threads", 256),
         (128, "processes", 32)]
    for limit, mode, workers in limits:
        label = f"io {mode} x{workers} with ulimit -n {limit}"
        case = h.case_dir(label)
        argv = GIL_TUI + ["bench", "--workload", "io", "--mode", mode, "--workers", str(workers),
                          "--tasks", str(workers * 2), "--delay-ms", "20"]
        r = run(argv, h.env(case, new_mark(label)), timeout=60, preexec=_fd_limit(limit))
        t.notes.append(f"{label}: rc {r.rc} in {r.seconds:.1f} s, {len(r.err)} bytes on stderr"
                       f" ({r.err.decode('utf-8', 'replace').strip().splitlines()[-1][:90] if r.err.strip() else ''})")
        t.input(label, judge(r, ok_codes=(0, 1), max_err_lines=2))
    return t
