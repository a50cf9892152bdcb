"""A tiny HTTP server that answers after a delay: the other end of the io workload.

``GET /delay?ms=N`` waits N milliseconds (without blocking anything: it is one
``asyncio.sleep`` per request) and answers ``200 ok``. It binds to 127.0.0.1 on
a port the OS chooses, so it never clashes with anything, and it takes hundreds
of requests in flight at once.

    async with LatencyServer() as server:
        print(server.url)          # http://127.0.0.1:PORT

A missing, malformed or negative ``ms`` gets ``400`` with a one-line reason; so
does a delay above :attr:`LatencyServer.MAX_DELAY_MS` (rejected rather than
silently shortened, so a benchmark never measures something else than it asked).

Whatever connects to it, the server stays small and quiet:

* a connection must deliver a whole request within ``header_timeout`` seconds
  (of opening, or of the first byte after its last answer), else it is closed
  (slow partial requests, "slowloris"); one idle for ``idle_timeout`` is closed;
* at most ``max_connections`` are open at once (never more than half the
  process's descriptor limit); one more gets ``503`` and is closed at once;
* a request line or header over 8 KiB gets ``400``;
* trouble (bad requests, refused connections, an accept failing near the
  descriptor limit) is logged on the ``gil_tui.latency`` logger as one line per
  kind, without a traceback, then only counted (:attr:`LatencyServer.troubles`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from typing import Any

from aiohttp import web

__all__ = ["LatencyServer", "LatencyServerError"]

log = logging.getLogger("gil_tui.latency")


class LatencyServerError(RuntimeError):
    """The server could not start (the message says why, for a person)."""


def _fd_limit() -> int | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


#: descriptors gil-tui (and a worker) use besides the io workload's connections
FD_RESERVE = 32


def _raise_fd_limit(wanted: int) -> int | None:
    """Raise the soft descriptor limit towards ``wanted`` (never past the hard limit, and
    only when it is lower); returns the soft limit now (None: no limit)."""
    soft = _fd_limit()
    if soft is None or soft >= wanted:
        return soft
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    new = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if new > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):  # not allowed here: the limit stays
            pass
    return _fd_limit()


class _Trouble:
    """Stands in for aiohttp's server logger: one line per kind of trouble, no traceback."""

    KINDS = 20

    def __init__(self) -> None:
        self.count = 0
        self._seen: set[tuple[str, str]] = set()

    def note(self, message: str, exc: Any = None) -> None:
        self.count += 1
        if exc is True:
            exc = sys.exc_info()[1]
        name = type(exc).__name__ if isinstance(exc, BaseException) else ""
        kind = (message.split(" from ")[0], name)
        if kind in self._seen or len(self._seen) >= self.KINDS:
            return
        self._seen.add(kind)
        if name:
            detail = " ".join(str(exc).split())[:120]
            message = f"{message} ({name}{': ' + detail if detail else ''})"
        log.warning("gil-tui latency server: %s (further ones are only counted)", message)

    # what aiohttp's RequestHandler calls on its logger
    def debug(self, *args: Any, **kwargs: Any) -> None:
        pass

    info = debug

    def warning(self, msg: Any, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = str(msg)
        self.note(text, exc_info)

    error = exception = critical = warning

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - the logging API's name
        return level >= logging.WARNING


class _Guard(asyncio.Protocol):
    """aiohttp's protocol for one connection, wrapped: counted, timed, closed when late."""

    def __init__(self, server: "LatencyServer", inner: asyncio.Protocol, now: float) -> None:
        self.server, self.inner = server, inner
        self.transport: asyncio.BaseTransport | None = None
        self.busy = 0              # requests being answered
        self.waiting = True        # a request is due (since connect, or since its first byte)
        self.since = now           # when the wait (or the idleness) began

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.busy and not self.waiting:
            self.waiting, self.since = True, self.server._now()
        self.inner.data_received(data)  # type: ignore[attr-defined]

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()  # type: ignore[attr-defined]

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._guards.pop(self.inner, None)
        self.inner.connection_lost(exc)

    def overdue(self, now: float) -> bool:
        if self.busy:
            return False
        limit = self.server.header_timeout if self.waiting else self.server.idle_timeout
        return now - self.since > limit


class _Refused(asyncio.Protocol):
    """One connection too many: ``503`` and closed at once."""

    BODY = b"too many connections to the latency server\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"  # type: ignore[attr-defined]
                        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(self.BODY), self.BODY))
        transport.close()


class LatencyServer:
    """aiohttp server on loopback with ``GET /delay?ms=N``."""

    MAX_DELAY_MS = 10_000
    #: Pending connections the kernel queues for us (aiohttp's default is 128,
    #: too few for 256 clients connecting at once).
    BACKLOG = 1024
    #: Connections accepted per wake-up of the event loop.
    ACCEPT_BATCH = 64
    HEADER_TIMEOUT = 5.0
    IDLE_TIMEOUT = 30.0
    MAX_CONNECTIONS = 512

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 header_timeout: float | None = None, idle_timeout: float | None = None,
                 max_connections: int | None = None, clients: int | None = None) -> None:
        """``clients``: the connections the run itself makes at once (its workers); the
        server then takes at least that many (plus a margin), or refuses to start in one
        line when the descriptor limit cannot carry them."""
        self.host = host
        self.port = port
        self.url: str = ""
        self.requests = 0
        #: delays being waited now, and the most there were at once
        self.in_flight = 0
        self.peak_in_flight = 0
        self.header_timeout = header_timeout or self.HEADER_TIMEOUT
        self.idle_timeout = idle_timeout or self.IDLE_TIMEOUT
        self.clients = clients or 0
        self._cap = max_connections or self.MAX_CONNECTIONS
        self.max_connections = self._connection_cap(_fd_limit())
        self._trouble = _Trouble()
        self._guards: dict[Any, _Guard] = {}
        self._runner: web.AppRunner | None = None
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handlers: tuple[Any, Any] | None = None

    #: connections above the run's own that the cap leaves room for
    CLIENT_MARGIN = 16

    def _connection_cap(self, limit: int | None) -> int:
        """At most half the descriptor limit, but never below the run's own connections."""
        cap = min(self._cap, max(16, limit // 2)) if limit else self._cap
        return max(cap, self.clients + self.CLIENT_MARGIN) if self.clients else cap

    def _check_descriptors(self) -> None:
        """Raise the soft limit if the run needs it; LatencyServerError when it cannot."""
        if not self.clients:
            return
        needed = self.clients + FD_RESERVE
        limit = _raise_fd_limit(2 * needed)
        if limit is not None and limit < needed:
            raise LatencyServerError(
                f"the open-file limit ({limit}, see ulimit -n) is too low for {self.clients} "
                f"io workers: it needs at least {needed}")
        self.max_connections = self._connection_cap(limit)

    @property
    def troubles(self) -> int:
        """How many bad requests, refused connections and failed accepts there were."""
        return self._trouble.count

    @property
    def connections(self) -> int:
        """Connections open now."""
        return len(self._guards)

    def _now(self) -> float:
        return self._loop.time() if self._loop is not None else 0.0

    # ------------------------------------------------------------- requests

    @web.middleware
    async def _track(self, request: web.Request, handler: Any) -> web.StreamResponse:
        guard = self._guards.get(request.protocol)
        if guard is not None:
            guard.busy += 1
            guard.waiting = False
        try:
            return await handler(request)
        finally:
            if guard is not None:
                guard.busy -= 1
                guard.since = self._now()

    async def _delay(self, request: web.Request) -> web.Response:
        raw = request.query.get("ms")
        if raw is None:
            return web.Response(status=400, text="missing ms: use /delay?ms=N\n")
        try:
            ms = int(raw)
        except ValueError:
            return web.Response(status=400, text=f"ms must be a whole number, got {raw[:40]!r}\n")
        if not 0 <= ms <= self.MAX_DELAY_MS:
            return web.Response(
                status=400, text=f"ms must be between 0 and {self.MAX_DELAY_MS}, got {ms}\n"
            )
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if ms:
                await asyncio.sleep(ms / 1000)
        finally:
            self.in_flight -= 1
        return web.Response(text="ok\n")

    # ------------------------------------------------------------- connections

    def _connection(self) -> asyncio.Protocol:
        """The protocol for one accepted connection (the listening socket's factory)."""
        assert self._runner is not None and self._runner.server is not None
        if len(self._guards) >= self.max_connections:
            self._trouble.note(f"more than {self.max_connections} connections at once; "
                               "refusing the extra ones")
            return _Refused()
        inner = self._runner.server()
        guard = _Guard(self, inner, self._now())
        self._guards[inner] = guard
        return guard

    async def _sweep(self) -> None:
        tick = min(1.0, self.header_timeout / 4)
        while True:
            await asyncio.sleep(tick)
            now = self._now()
            for guard in [g for g in self._guards.values() if g.overdue(now)]:
                if guard.transport is not None:
                    guard.transport.abort()  # type: ignore[attr-defined]

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The loop's exception handler while we serve: our own trouble in one line."""
        sock, protocol = context.get("socket"), context.get("protocol")
        ours = isinstance(protocol, (_Guard, _Refused)) or (
            sock is not None and self._socket is not None
            and _fileno(sock) == _fileno(self._socket))
        if ours:
            self._trouble.note(str(context.get("message", "error")), context.get("exception"))
            return
        previous = self._handlers[0] if self._handlers else None
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    # ------------------------------------------------------------- life

    async def start(self) -> str:
        """Start serving; return the base url. Raises LatencyServerError."""
        if self._runner is not None:
            return self.url
        self._check_descriptors()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.host, self.port))
            sock.listen(self.BACKLOG)
        except OSError as exc:
            sock.close()
            raise LatencyServerError(
                f"could not start the latency server on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        app = web.Application(middlewares=[self._track])
        app.router.add_get("/delay", self._delay)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1,
                               logger=self._trouble, keepalive_timeout=self.idle_timeout)
        loop = asyncio.get_running_loop()
        self._loop = loop
        try:
            await runner.setup()
            # asyncio accepts up to `backlog` connections per wake-up before any of them
            # can be closed: a small batch keeps a flood from using up the descriptors...
            self._server = await loop.create_server(self._connection, sock=sock,
                                                    backlog=self.ACCEPT_BATCH)
            sock.listen(self.BACKLOG)  # ...while the kernel still queues BACKLOG of them
        except BaseException as exc:
            await runner.cleanup()
            sock.close()
            if isinstance(exc, OSError):
                raise LatencyServerError(f"could not start the latency server: {exc}") from None
            raise
        self._runner = runner
        self._socket = sock
        self._handlers = (loop.get_exception_handler(), self._on_loop_error)
        loop.set_exception_handler(self._on_loop_error)
        self._sweeper = asyncio.ensure_future(self._sweep())
        host, port = sock.getsockname()[:2]
        self.port = port
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving; requests still in flight are cut (after 0.1 s of grace)."""
        runner, self._runner = self._runner, None
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._server is not None:
            self._server.close()
            self._server = None
        if runner is not None:
            await runner.cleanup()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._handlers is not None and self._loop is not None:
            if self._loop.get_exception_handler() == self._on_loop_error:
                self._loop.set_exception_handler(self._handlers[0])
            self._handlers = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def __aenter__(self) -> "LatencyServer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def _fileno(sock: Any) -> int:
    try:
        return sock.fileno()
    except (OSError, ValueError, AttributeError):
        return -1
