"""`gil-tui serve`: the app in a browser, one app process per browser tab (textual-serve).

Binds 127.0.0.1 unless told otherwise; any other host gets a one-line warning,
because whoever reaches the page can run workloads here. Features that run a
command or interpreter the user types stay off in the served app unless
``--allow-commands`` is given (see :mod:`gil_tui.policy`). Importing this
module loads neither Textual nor aiohttp: the CLI imports every command.
"""

from __future__ import annotations

import argparse
import os
import sys

from gil_tui.commands._common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
from gil_tui.serve.address import AddressError, browser_url, exposure_warning, listen, parse_port
from gil_tui.policy import child_environment

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8000"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="open the app in a web browser (one app per browser tab)",
        description="Serve the app over HTTP with textual-serve: each browser tab that opens "
        "the page gets its own gil-tui, which ends (with every worker it started) when the "
        "tab closes. Listens on 127.0.0.1 unless --host says otherwise.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="the address to listen on (default: %(default)s, this machine only)")
    parser.add_argument("--port", default=DEFAULT_PORT, metavar="PORT",
                        help="the port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--open", action="store_true", dest="open_browser",
                        help="open the page in the default web browser")
    parser.add_argument("--allow-commands", action="store_true",
                        help="let the served app run commands and interpreters its user types "
                        "(Watch a command…, adding an interpreter); off by default")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        port = parse_port(args.port)
        sock = listen(args.host, port)
    except AddressError as exc:
        return fail(str(exc), EXIT_USAGE, prog="gil-tui serve")
    warning = exposure_warning(args.host)
    if warning:
        print(f"gil-tui serve: {warning}", file=sys.stderr)
    bound = sock.getsockname()[1]
    url = browser_url(args.host, bound)
    os.environ.update(child_environment(args.allow_commands))
    try:
        from gil_tui.serve.server import GilServer, child_command, run_server
    except ImportError as exc:  # pragma: no cover - textual-serve is a dependency
        sock.close()
        return fail(f"needs textual-serve ({exc}): pip install textual-serve", EXIT_FAILED,
                    prog="gil-tui serve")

    def ready() -> None:
        print(f"gil-tui serve: {url}  (each browser tab runs its own gil-tui; Ctrl+C stops)",
              flush=True)
        if args.open_browser:
            import webbrowser

            webbrowser.open(url)

    run_server(GilServer(child_command(), host=args.host, port=bound, ready=ready), sock)
    return EXIT_OK
