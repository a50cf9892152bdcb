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
"""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web

__all__ = ["LatencyServer", "LatencyServerError"]


class LatencyServerError(RuntimeError):
    """The server could not start (the message says why, for a person)."""


class LatencyServer:
    """aiohttp server on loopback with ``GET /delay?ms=N``."""

    MAX_DELAY_MS = 10_000
    #: Pending connections the kernel queues for us (aiohttp's default is 128,
    #: too few for 256 clients connecting at once).
    BACKLOG = 1024

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.url: str = ""
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None

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
        if ms:
            await asyncio.sleep(ms / 1000)
        return web.Response(text="ok\n")

    async def start(self) -> str:
        """Start serving; return the base url. Raises LatencyServerError."""
        if self._runner is not None:
            return self.url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise LatencyServerError(
                f"could not start the latency server on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        app = web.Application()
        app.router.add_get("/delay", self._delay)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        try:
            await runner.setup()
            site = web.SockSite(runner, sock, backlog=self.BACKLOG)
            await site.start()
        except BaseException as exc:
            await runner.cleanup()
            sock.close()
            if isinstance(exc, OSError):
                raise LatencyServerError(f"could not start the latency server: {exc}") from None
            raise
        self._runner = runner
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.port = port
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving; requests still in flight are cut (after 0.1 s of grace)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def __aenter__(self) -> "LatencyServer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
