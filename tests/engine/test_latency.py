"""LatencyServer: real aiohttp on loopback; slow, partial, oversized and too many clients.

No test asserts a speed: a delay is checked from below only (the server waited at
least that long), and what must end (a connection closed by the server) is waited
for with a generous deadline.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import aiohttp
import pytest

from gil_tui.engine.run.latency import LatencyServer, LatencyServerError


@pytest.fixture
async def server():
    async with LatencyServer() as running:
        yield running


async def get(url: str, session: aiohttp.ClientSession) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, await response.text()


async def test_binds_loopback_on_an_os_chosen_port(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert server.port > 0 and server.url.endswith(f":{server.port}")
    assert server.running


async def test_delay_waits_then_answers(server):
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        status, text = await get(f"{server.url}/delay?ms=80", session)
        elapsed = time.perf_counter() - start
    assert (status, text) == (200, "ok\n")
    assert elapsed >= 0.075  # it waited (how much longer depends on the machine)
    assert server.requests == 1


@pytest.mark.parametrize(
    "query, words",
    [
        ("", ["missing ms"]),
        ("?ms=", ["whole number"]),
        ("?ms=abc", ["whole number", "abc"]),
        ("?ms=1.5", ["whole number"]),
        ("?ms=-1", ["between 0 and 10000", "-1"]),
        (f"?ms={LatencyServer.MAX_DELAY_MS + 1}", ["between 0 and 10000", "10001"]),
        ("?ms=99999999999999999999", ["between 0 and 10000"]),
    ],
)
async def test_bad_delays_get_400_with_a_reason(server, query, words):
    async with aiohttp.ClientSession() as session:
        status, text = await get(f"{server.url}/delay{query}", session)
    assert status == 400
    for word in words:
        assert word in text
    assert server.requests == 0 and server.peak_in_flight == 0  # rejected, never slept on


async def test_unknown_path_is_404(server):
    async with aiohttp.ClientSession() as session:
        status, _ = await get(f"{server.url}/nothing", session)
    assert status == 404


async def test_256_requests_in_flight_at_once(server):
    n, delay = 256, 2000
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        answers = await asyncio.gather(
            *(get(f"{server.url}/delay?ms={delay}", session) for _ in range(n))
        )
    assert all(status == 200 for status, _ in answers)
    assert server.requests == n
    # all of them waited at the same time (one after another would take 512 s)
    assert server.peak_in_flight == n


async def test_port_in_use_is_a_clear_error():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        with pytest.raises(LatencyServerError) as info:
            await LatencyServer(port=port).start()
        assert "could not start the latency server" in str(info.value)
        assert str(port) in str(info.value)
    finally:
        blocker.close()


async def test_stop_is_quick_with_requests_in_flight_and_frees_the_port():
    server = LatencyServer()
    url = await server.start()
    port = server.port
    async with aiohttp.ClientSession() as session:
        pending = asyncio.ensure_future(get(f"{url}/delay?ms=10000", session))
        while not server.in_flight:
            await asyncio.sleep(0.01)
        # stop cuts the request: it does not wait for its 10 s (9 s is only a deadline)
        await asyncio.wait_for(server.stop(), timeout=9)
        assert pending.done() or not server.running
        with pytest.raises(aiohttp.ClientError):
            await pending
    assert not server.running
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    await server.stop()  # twice is fine


# ------------------------------------------------------------------ hostile clients

DEADLINE = 30.0  # generous: what is checked is that the server closes, not how fast


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """True once the server closed the connection (EOF or reset) within DEADLINE."""
    try:
        while True:
            data = await asyncio.wait_for(reader.read(4096), timeout=DEADLINE)
            if not data:
                return True
    except asyncio.TimeoutError:  # first: on 3.11+ it is an OSError too
        return False
    except (ConnectionError, OSError):
        return True


async def test_slow_partial_requests_are_closed():
    async with LatencyServer(header_timeout=0.5) as server:
        streams = []
        for n in range(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            if n:  # the first one says nothing at all
                writer.write(b"GET /delay?ms=1 HTTP/1.1\r\nHost: x\r\nX-Slow: "[: 10 + n * 5])
                await writer.drain()
            streams.append((reader, writer))
        closed = await asyncio.gather(*(closed_by_server(r) for r, _ in streams))
        assert closed == [True] * 5
        for _, writer in streams:
            writer.close()
        while server.connections:  # bookkeeping follows the close
            await asyncio.sleep(0.01)
        async with aiohttp.ClientSession() as session:  # and it still serves
            assert await get(f"{server.url}/delay?ms=1", session) == (200, "ok\n")


@pytest.mark.slow  # waits out the default 5 s; test_slow_partial_requests_are_closed is quick
async def test_the_default_server_closes_a_partial_request(server):
    # LatencyServer() as the runner makes it: a few seconds, not aiohttp's hour
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /delay?ms=1 HTTP/1.1\r\nHo")
    await writer.drain()
    assert await closed_by_server(reader)
    writer.close()


async def test_a_kept_alive_connection_that_goes_slow_is_closed():
    async with LatencyServer(header_timeout=0.5) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /delay?ms=1 HTTP/1.1\r\nHost: x\r\n\r\n")  # one whole request
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"ok\n"), timeout=DEADLINE)
        assert head.startswith(b"HTTP/1.1 200")
        writer.write(b"GET /delay?ms=1 HTTP/1.1\r\nHo")  # then a slow one on the same socket
        await writer.drain()
        assert await closed_by_server(reader)
        writer.close()


async def test_connections_beyond_the_cap_get_503_and_one_log_line(caplog):
    caplog.set_level(logging.WARNING, logger="gil_tui.latency")
    async with LatencyServer(max_connections=4, header_timeout=60) as server:
        held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(4)]
        while server.connections < 4:
            await asyncio.sleep(0.01)
        answers = []
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            answers.append(await asyncio.wait_for(reader.read(), timeout=DEADLINE))
            writer.close()
        assert all(a.startswith(b"HTTP/1.1 503") for a in answers)
        assert server.connections == 4 and server.troubles == 3
        for _, writer in held:
            writer.close()
    lines = [r for r in caplog.records if r.name == "gil_tui.latency"]
    assert len(lines) == 1 and "refusing" in lines[0].getMessage()
    assert lines[0].exc_info is None


async def test_an_over_long_header_gets_400_and_no_traceback(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    async with LatencyServer() as server:
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /delay?ms=1 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000
                         + b"\r\n\r\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=DEADLINE)
            writer.close()
            assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]
        troubles = server.troubles
    assert not [r for r in caplog.records if r.exc_info]  # nothing logged a traceback
    assert "Traceback" not in capfd.readouterr().err
    ours = [r for r in caplog.records if r.name == "gil_tui.latency"]
    assert len(ours) == 1 and "\n" not in ours[0].getMessage()  # one line for the three
    assert troubles == 3


async def test_binds_loopback_only(server):
    assert server._socket.getsockname()[0] == "127.0.0.1"  # never 0.0.0.0
