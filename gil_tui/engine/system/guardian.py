"""The watch guardian: what gil-tui starts for `watch` ends with gil-tui, descendants included.

``PR_SET_PDEATHSIG`` alone kills the program when its parent dies, but not what the
program started: its multiprocessing workers, a subprocess, a child that called
``setsid`` would all be handed to init and live on.  So on Linux the program is not
started by gil-tui itself but by a small guardian process, this module run as
``python -m gil_tui.engine.system.guardian STATUS_FD``:

* gil-tui starts the guardian through :func:`gil_tui.engine.system.processes.start`
  (a session of its own, so Ctrl+C in the terminal does not reach it) with a
  lifeline: its stdin is a pipe whose write end only gil-tui holds.  gil-tui writes
  one JSON line (``argv``, ``env``, ``cwd``) and never writes again;
* the guardian makes itself a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): every
  descendant of the program that loses its parent is handed to the guardian, not to
  init, so the whole tree stays below it, ``setsid`` or not;
* it starts the program in a session of its own (its pid is its group's id) with the
  guardian's stdout and stderr, the pipes gil-tui reads (then points its own at
  /dev/null: the program's output reaches gil-tui byte for byte, and the pipes end
  when the program's tree closes them, as without a guardian), stdin /dev/null and
  ``PR_SET_PDEATHSIG`` (SIGKILL), so the program dies if the guardian is killed;
* on the status pipe (``STATUS_FD``) it reports one line each: ``started PID T0 WALL0``
  (``time.monotonic()`` and ``time.time()`` just before the start: the same clock in
  both processes on Linux), ``error ERRNO TEXT`` when it could not start, ``exit CODE
  CPU`` when it reaped the program (the exit code as ``os.waitstatus_to_exitcode``
  gives it, the CPU seconds of ``os.wait4``), and ``ended N`` when it ends;
* when the lifeline reaches end of file (gil-tui closed it, or gil-tui died, by
  SIGKILL too), or on SIGTERM/SIGHUP/SIGINT, it ends every descendant it has, found by
  parentage (SIGTERM, a grace, then SIGKILL, through :mod:`.processes`, the one module
  that signals processes it started), reaps them and exits.

Should the guardian itself be SIGKILLed, the program dies with it (its parent-death
signal) and gil-tui's stop path ends the program's group; only a ``setsid`` descendant
could then outlive them.

gil-tui's side is :func:`launch`, which returns a :class:`Launched`: the program's
``pid``, its output pipes, :meth:`Launched.wait` (exit code and CPU seconds) and
:meth:`Launched.release` (after the program ended: close the lifeline, let the guardian
end what the program left, reap the guardian).  A program attached with ``--pid`` never
goes through here.

Elsewhere (not Linux, or no ``prctl``) :func:`launch` falls back to starting the program
directly with :func:`processes.start`: its group and tree end with gil-tui's stop path,
at exit and on SIGTERM/SIGHUP, but a SIGKILL of gil-tui leaves them running.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import IO, Callable, Sequence

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
#: how long gil-tui waits for the guardian to say it started the program
START_TIMEOUT_S = 30.0
#: how long gil-tui waits for the guardian to end what is left and exit
RELEASE_TIMEOUT_S = 15.0
#: how long the program's leftovers get after SIGTERM before SIGKILL
GRACE_S = 0.5


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # libc, already loaded: no ldconfig run
    except (OSError, AttributeError):
        return None


#: loaded here, in the parent: a child must not load a library between fork and exec
_PRCTL = _load_prctl()
#: whether :func:`launch` starts a guardian (Linux)
SUPPORTED = _PRCTL is not None


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel send ``sig`` to the child when the thread
    that started it ends (Linux); None where there is no such thing."""
    if _PRCTL is None:
        return None
    prctl = _PRCTL
    parent = os.getpid()

    def preexec() -> None:  # runs in the child, between fork and exec
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: go with it
            os.kill(os.getpid(), sig)

    return preexec


# ================================================================ gil-tui's side


class Launched:
    """A program started for watching (through a guardian where there is one)."""

    def __init__(self, pid: int, t0: float, wall0: float, proc: subprocess.Popen,
                 status: _Lines | None = None) -> None:
        self.pid, self.t0, self.wall0 = pid, t0, wall0
        #: the guardian (or, without one, the program itself)
        self.proc = proc
        self._status = status
        self.stdout: IO[bytes] | None = proc.stdout
        self.stderr: IO[bytes] | None = proc.stderr
        #: the program's exit code once a status line said it (:meth:`exited`, :meth:`release`)
        self.exit_code: int | None = None

    def exited(self, timeout: float) -> int | None:
        """The program's exit code if it exits within ``timeout`` s, else None (guardian only)."""
        if self.exit_code is None and self._status is not None:
            line = self._status.line(timeout)
            if line and line[0] == "exit":
                self._note_exit(line)
        return self.exit_code

    def _note_exit(self, line: list[str]) -> None:
        try:
            self.exit_code = int(line[1])
        except (IndexError, ValueError):
            pass

    def wait(self) -> tuple[int | None, float | None]:
        """Block until the program exited: (exit code, CPU seconds of it and what it reaped);
        (None, None) when nobody can tell (the guardian died)."""
        if self._status is None:
            try:
                _, status, usage = os.wait4(self.pid, 0)
            except ChildProcessError:  # reaped elsewhere: no figures from the kernel
                self.proc.returncode = -1
                return None, None
            code = os.waitstatus_to_exitcode(status)
            self.proc.returncode = code
            return code, usage.ru_utime + usage.ru_stime
        while (line := self._status.line()) is not None:
            if line[0] == "exit":
                try:
                    return int(line[1]), float(line[2])
                except (IndexError, ValueError):
                    break
        return None, None

    def release(self, timeout: float = RELEASE_TIMEOUT_S) -> int:
        """After the program ended: the guardian ends what it left; returns how many."""
        if self._status is None:
            return 0
        from gil_tui.engine.system import processes

        ended = 0
        deadline = time.monotonic() + timeout
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()  # the lifeline: the guardian ends its tree and exits
        while (line := self._status.line(max(0.0, deadline - time.monotonic()))) is not None:
            if line[0] == "ended" and line[-1].isdigit():
                ended += int(line[-1])
            elif line[0] == "exit":
                self._note_exit(line)
        self._status.close()
        try:
            self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:  # pragma: no cover - a guardian stuck in D state
            pass
        processes.end_process(self.proc)  # reaped (or, stuck, ended with its tree)
        return ended


class _Lines:
    """The guardian's status pipe, read a line at a time, with a timeout."""

    def __init__(self, fd: int) -> None:
        self.fd, self._buffer, self._eof = fd, b"", False

    def line(self, timeout: float | None = None) -> list[str] | None:
        """The next line split into words; None at end of file or after ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if self._eof or self.fd < 0:
                return None
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self.fd], [], [], wait)[0]:
                return None
            data = os.read(self.fd, 4096)
            self._eof = not data
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").split(" ")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _guardian_argv(status_w: int) -> list[str]:
    """The guardian's command line: isolated (``-I``: neither the user's folder, which
    ``-m`` would put first on sys.path so that a ``json.py`` there would shadow the
    standard library's, nor PYTHON* variables), with gil_tui importable from where this
    copy of it lives."""
    home = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    code = (f"import sys; sys.path.insert(0, {home!r}); "
            "from gil_tui.engine.system.guardian import main; sys.exit(main())")
    return [sys.executable, "-I", "-c", code, str(status_w)]


def launch(argv: Sequence[str], *, env: dict[str, str] | None = None,
           cwd: str | os.PathLike | None = None, stdout=subprocess.PIPE,
           stderr=subprocess.PIPE) -> Launched:
    """Start ``argv`` for watching, its stdout and stderr pipes (or the files given, which
    the program then writes to); raises OSError as Popen would."""
    from gil_tui.engine.system import processes  # here: the guardian starts without asyncio

    if not SUPPORTED:
        t0, wall0 = time.monotonic(), time.time()
        proc = processes.start(argv, stdout=stdout, stderr=stderr, env=env,
                               cwd=cwd, scratch=False)
        return Launched(proc.pid, t0, wall0, proc)
    status_r, status_w = os.pipe()
    try:
        guardian = processes.start(
            _guardian_argv(status_w), stdout=stdout,
            stderr=stderr, lifeline=True, scratch=False,
            pass_fds=(status_w,))
    except BaseException:
        os.close(status_r)
        raise
    finally:
        os.close(status_w)
    status = _Lines(status_r)
    try:
        request = {"argv": list(argv), "env": dict(os.environ if env is None else env),
                   "cwd": None if cwd is None else os.fspath(cwd)}
        assert guardian.stdin is not None
        guardian.stdin.write(json.dumps(request).encode() + b"\n")
        guardian.stdin.flush()
        line = status.line(START_TIMEOUT_S)
        if line and line[0] == "started":
            return Launched(int(line[1]), float(line[2]), float(line[3]), guardian, status)
        if line and line[0] == "error":
            raise OSError(int(line[1]), " ".join(line[2:]))
        raise OSError("the watch guardian did not start")
    except BaseException:
        status.close()
        processes.end_process(guardian)
        for stream in (guardian.stdout, guardian.stderr):
            if stream is not None:
                stream.close()
        raise


# ================================================================ the guardian


class _Guardian:
    """The guardian process's loop: start the program, reap, end everything on EOF."""

    def __init__(self, status_fd: int) -> None:
        self.status = os.fdopen(status_fd, "w", buffering=1, encoding="utf-8")
        self.program: subprocess.Popen | None = None
        self.stop: list[int] = []

    def say(self, text: str) -> None:
        try:
            self.status.write(text + "\n")
        except (OSError, ValueError):  # gil-tui is gone: nobody to tell
            pass

    def run(self) -> int:
        request = _read_request(0)
        if request is None:  # gil-tui went away before asking
            return 0
        assert _PRCTL is not None
        _PRCTL(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        wake_r, wake_w = os.pipe()
        for fd in (wake_r, wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: self.stop.append(signum))
        t0, wall0 = time.monotonic(), time.time()
        try:
            proc = subprocess.Popen(  # reaped below, never through this object
                request["argv"], stdin=subprocess.DEVNULL, cwd=request.get("cwd"),
                env=request.get("env"), start_new_session=True, preexec_fn=die_with_parent())
        except (OSError, ValueError, TypeError) as exc:
            errno = getattr(exc, "errno", None) or 0
            text = " ".join(str(getattr(exc, "strerror", None) or exc).split())
            self.say(f"error {errno} {text}")
            return 0
        self.program = proc
        _let_go_of_output()
        self.say(f"started {proc.pid} {t0!r} {wall0!r}")
        try:
            while not self.stop:
                self.reap()
                ready = select.select([0, wake_r], [], [])[0]
                if 0 in ready and not os.read(0, 65536):
                    break  # the lifeline ended: gil-tui is done with us, or dead
                if wake_r in ready:
                    while _drain(wake_r):
                        pass
        finally:  # whatever ends the loop, nothing below us outlives it
            ended = end_descendants()
            self.reap()
            self.say(f"ended {ended}")
        return 0

    def reap(self) -> None:
        """Reap every child that exited (the program, and orphans handed to us)."""
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self.program is not None and pid == self.program.pid \
                    and self.program.returncode is None:
                self.program.returncode = os.waitstatus_to_exitcode(status)
                self.say(f"exit {os.waitstatus_to_exitcode(status)} "
                         f"{usage.ru_utime + usage.ru_stime!r}")


def end_descendants(grace: float = GRACE_S) -> int:
    """End every live descendant of this process (SIGTERM, ``grace``, SIGKILL); the count."""
    from gil_tui.engine.system.proctable import count_descendants

    me = os.getpid()
    if not count_descendants(me):
        return 0
    from gil_tui.engine.system import processes

    ended = 0
    for _ in range(10):  # again, for a child forked while the others were being ended
        count = processes.end_tree(me, me, grace)  # our own group is never signalled
        ended += count
        if not count:
            break
    return ended


def _read_request(fd: int) -> dict | None:
    data = b""
    while b"\n" not in data:
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        data += chunk
    return json.loads(data.split(b"\n", 1)[0])


def _let_go_of_output() -> None:
    """Point our stdout and stderr at /dev/null: only the program holds gil-tui's pipes."""
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(null, fd)
    os.close(null)


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not args[0].isdigit() or _PRCTL is None:
        print("usage: python -m gil_tui.engine.system.guardian STATUS_FD (Linux; gil-tui runs it)",
              file=sys.stderr)
        return 2
    return _Guardian(int(args[0])).run()


__all__ = ["GRACE_S", "Launched", "SUPPORTED", "die_with_parent", "end_descendants", "launch",
           "main"]


if __name__ == "__main__":
    raise SystemExit(main())
