"""LatencyServer: real aiohttp on loopback."""

from __future__ import annotations

import asyncio
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
    assert 0.075 <= elapsed < 1.0
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
        start = time.perf_counter()
        status, text = await get(f"{server.url}/delay{query}", session)
    assert status == 400
    for word in words:
        assert word in text
    assert time.perf_counter() - start < 1.0  # rejected, not slept on
    assert server.requests == 0


async def test_unknown_path_is_404(server):
    async with aiohttp.ClientSession() as session:
        status, _ = await get(f"{server.url}/nothing", session)
    assert status == 404


async def test_256_requests_in_flight_at_once(server):
    n, delay = 256, 300
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        answers = await asyncio.gather(
            *(get(f"{server.url}/delay?ms={delay}", session) for _ in range(n))
        )
        elapsed = time.perf_counter() - start
    assert all(status == 200 for status, _ in answers)
    assert server.requests == n
    # one after another this would take 77 s; all at once, a little over 0.3 s
    assert elapsed < 3.0, f"{n} concurrent requests took {elapsed:.2f} s"


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
        pending = asyncio.ensure_future(get(f"{url}/delay?ms=5000", session))
        await asyncio.sleep(0.1)
        start = time.perf_counter()
        await server.stop()
        assert time.perf_counter() - start < 1.0
        with pytest.raises(aiohttp.ClientError):
            await pending
    assert not server.running
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    await server.stop()  # twice is fine
