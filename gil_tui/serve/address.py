"""Where `gil-tui serve` listens: the port check, the loopback test, the socket, the URL.

No Textual and no aiohttp here, so the command's checks run (and are tested)
without the server. Every problem is a :class:`AddressError` whose text is the
one line the command prints before exiting with 2.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from gil_tui.engine.text import clean_line

__all__ = ["AddressError", "parse_port", "is_loopback", "exposure_warning", "listen", "url_for",
           "browser_url", "refusal"]


class AddressError(ValueError):
    """A host or port the server cannot use; the message is meant for a person."""


def parse_port(text: str | int) -> int:
    """The port as a number from 0 (any free port) to 65535."""
    try:
        port = int(str(text).strip(), 10)
    except ValueError:
        raise AddressError(f"--port must be a number from 0 to 65535, not {str(text)!r}") from None
    if not 0 <= port <= 65535:
        raise AddressError(f"--port must be a number from 0 to 65535, not {port}")
    return port


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The one-line warning for a host others can reach (None for loopback)."""
    if is_loopback(host):
        return None
    return (f"warning: listening on {clean_line(host, max_len=80)}: anyone who can reach it can run workloads on "
            "this machine")


def listen(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free port the system picks)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise AddressError(f"cannot listen on {_shown(host)}: {exc.strerror or exc}") from None
    except (UnicodeError, ValueError):  # a name IDNA cannot encode (a label over 63 characters)
        raise AddressError(f"cannot listen on {_shown(host)}: not a valid host name") from None
    last: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(backlog)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        sock.setblocking(False)
        return sock
    reason = (last.strerror or str(last)) if last else "no address"
    raise AddressError(f"cannot listen on {_host_port(host, port)}: {reason}")


def _shown(host: str) -> str:
    """``host`` for a message: one line, control characters cleaned, at most 80 characters."""
    return clean_line(host, max_len=80)


def _host_port(host: str, port: int) -> str:
    name = _shown(host).strip("[]")
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


def url_for(host: str, port: int) -> str:
    """The page's address for a host and the port actually bound."""
    return f"http://{_host_port(host, port)}/"


def browser_url(host: str, port: int) -> str:
    """The address to open on this machine: a wildcard host becomes loopback."""
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
    return url_for(wildcard.get(host.strip("[]"), host), port)


def refusal(bound_host: str, host_header: str | None, origin: str | None) -> str | None:
    """Why a request must be refused (None: serve it).

    * Served on loopback, the ``Host`` header must name loopback too: a web page
      whose name an attacker points at 127.0.0.1 (DNS rebinding) is refused.
    * A request that carries an ``Origin`` (a browser's websocket always does)
      must come from this server's own page: another site open in the same
      browser cannot drive the app (browsers let any page open a websocket).
    """
    host = (host_header or "").strip().lower()
    if is_loopback(bound_host) and not is_loopback(urlsplit(f"//{host}").hostname or ""):
        return "gil-tui serve answers only to this machine's loopback names (see --host)"
    if origin is not None and urlsplit(origin.strip().lower()).netloc != host:
        return "gil-tui serve refuses requests from another site's page"
    return None
