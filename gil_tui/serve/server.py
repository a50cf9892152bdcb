"""The textual-serve server behind `gil-tui serve` (aiohttp; imported only when serving).

textual-serve starts ``command`` once per websocket, that is once per browser
tab, and sends it ``quit`` when the tab closes. What this subclass changes:

* it serves on a socket bound beforehand (so port 0 works and the URL printed
  is the one bound, and address errors are reported before anything starts);
* the page's websocket address follows the address the browser used (the
  stock page points at the host given on the command line, which fails for
  ``0.0.0.0`` and for a browser on another machine);
* it prints one line with the URL instead of textual-serve's banner;
* it refuses requests from other sites' pages and, on loopback, for other
  host names (:func:`~gil_tui.serve.address.refusal`): any page open in the
  browser could otherwise open the websocket and drive the app;
* on shutdown (Ctrl+C, SIGTERM) it closes every open websocket first, so each
  app process quits the usual way and no worker outlives the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import socket
import sys
import weakref
from typing import Any, Callable

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from gil_tui.serve.address import refusal

log = logging.getLogger("textual-serve")

__all__ = ["GilServer", "child_command", "run_server"]


def child_command(python: str | None = None) -> str:
    """The shell command textual-serve runs for each tab (``exec``: no shell left over)."""
    return f"exec {shlex.quote(python or sys.executable)} -m gil_tui.serve.child"


class GilServer(Server):
    """textual-serve's server with the changes listed in the module docstring."""

    def __init__(self, command: str, *, host: str, port: int,
                 ready: Callable[[], Any] | None = None) -> None:
        super().__init__(command, host=host, port=port, title="gil-tui")
        self._ready = ready
        self._sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        problem = refusal(self.host, request.headers.get("Host"), request.headers.get("Origin"))
        if problem:
            raise web.HTTPForbidden(text=problem)
        return await handler(request)

    async def on_startup(self, app: web.Application) -> None:
        if self._ready is not None:
            self._ready()

    async def on_shutdown(self, app: web.Application) -> None:
        open_sockets = list(self._sockets)
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")
                               for ws in open_sockets), return_exceptions=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser tab: start its app process, relay until either side closes."""
        ws = web.WebSocketResponse(heartbeat=15)
        await ws.prepare(request)
        self._sockets.add(ws)
        service = AppService(self.command, write_bytes=ws.send_bytes, write_str=ws.send_str,
                             close=ws.close, download_manager=self.download_manager,
                             debug=self.debug)
        try:
            await service.start(to_int(request.query.get("width", "80"), 80),
                                to_int(request.query.get("height", "24"), 24))
            await self._process_messages(ws, service)
        except asyncio.CancelledError:
            pass
        except Exception:  # one tab's failure is logged; the server goes on
            log.exception("gil-tui serve: a browser session failed")
        finally:
            self._sockets.discard(ws)
            await ws.close()
            await service.stop()  # "quit", then read its output to the end
            await _reap(service)
        return ws

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        origin = f"{request.scheme}://{request.host}"
        static = request.app.router["static"].url_for(filename="/")
        ws_path = request.app.router["websocket"].url_for()
        ws_scheme = "wss" if request.scheme == "https" else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{ws_scheme}://{request.host}{ws_path}",
            "config": {"static": {"url": f"{origin}{static}".rstrip("/") + "/"}},
            "application": {"name": self.title},
        }


async def _reap(service: AppService, timeout: float = 5.0) -> None:
    """Wait for the app process to exit, so none is left a zombie when the server stops."""
    process = getattr(service, "_process", None)
    if process is not None:
        with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
            await asyncio.wait_for(process.wait(), timeout)


def run_server(server: GilServer, sock: socket.socket) -> None:
    """Serve on ``sock`` until Ctrl+C or SIGTERM."""
    server.initialize_logging()
    web.run_app(server._make_app(), sock=sock, print=None, access_log=None,
                handle_signals=True, shutdown_timeout=10.0)
