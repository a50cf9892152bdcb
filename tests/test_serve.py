"""`gil-tui serve`: the policy the app reads, the address checks, the CLI, the served
app's quitting, and the whole thing in a real headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from gil_tui import cli
from gil_tui import policy
from gil_tui.serve import address
from tests import browser
from tests.cli_helpers import ROOT, cli_env, one_clear_line

SCREENSHOT = ROOT / "screenshots" / "serve-browser.png"


def _keep_screenshot(driver, screen: str, tmp_path) -> None:
    """The browser's picture is always taken (it must work), but it replaces the README's
    only when asked (``GIL_TUI_SCREENSHOT=1``, as ``make screenshots`` does) and when its
    figures are plausible: a quiet machine, no GIL-threads speedup the lessons call
    impossible. A test run never rewrites a tracked file on its own."""
    shot = tmp_path / "serve-browser.png"
    assert driver.save_screenshot(str(shot))
    if os.environ.get("GIL_TUI_SCREENSHOT") != "1":
        return
    speedups = [float(s) for s in re.findall(r"^\s*cpu\s+threads\s.*?(\d+\.\d\d)x", screen, re.M)]
    noisy = "Other programs used" in screen or "*" in screen or any(s >= 1.3 for s in speedups)
    if noisy:
        pytest.fail("the browser screenshot's run was noisy (other programs busy): "
                    "not kept; run again on a quiet machine")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)


# ------------------------------------------------------------------ policy

def test_not_served_allows_commands():
    assert policy.served({}) is False
    assert policy.commands_allowed({}) is True
    assert policy.commands_allowed({policy.ALLOW_COMMANDS_ENV: "0"}) is True


def test_served_refuses_commands_unless_allowed():
    served = {policy.SERVED_ENV: "1"}
    assert policy.served(served) is True
    assert policy.commands_allowed(served) is False
    assert policy.commands_allowed({**served, policy.ALLOW_COMMANDS_ENV: "0"}) is False
    assert policy.commands_allowed({**served, policy.ALLOW_COMMANDS_ENV: "1"}) is True


def test_policy_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv(policy.SERVED_ENV, "1")
    monkeypatch.setenv(policy.ALLOW_COMMANDS_ENV, "0")
    assert policy.served() and not policy.commands_allowed()
    monkeypatch.setenv(policy.SERVED_ENV, "0")
    assert not policy.served() and policy.commands_allowed()


def test_child_environment_round_trips():
    for allow in (False, True):
        env = policy.child_environment(allow)
        assert policy.served(env) and policy.commands_allowed(env) is allow


def test_the_cli_side_loads_neither_textual_nor_the_web_server():
    """The CLI imports every command to build its parser; the UI imports the policy."""
    check = ("import sys, gil_tui.commands.serve, gil_tui.policy, gil_tui.serve.address; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'textual', 'rich', 'aiohttp', 'textual_serve'}))")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          cwd=ROOT, env=cli_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------ address

@pytest.mark.parametrize("text,port", [("0", 0), ("8000", 8000), (" 65535 ", 65535), (80, 80)])
def test_good_ports(text, port):
    assert address.parse_port(text) == port


@pytest.mark.parametrize("text", ["-1", "65536", "abc", "", "80.5"])
def test_bad_ports(text):
    with pytest.raises(address.AddressError, match="--port must be a number from 0 to 65535"):
        address.parse_port(text)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
def test_loopback_hosts_get_no_warning(host):
    assert address.is_loopback(host)
    assert address.exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "example.org"])
def test_other_hosts_get_one_warning_line(host):
    warning = address.exposure_warning(host)
    assert warning and "\n" not in warning
    assert host in warning and "anyone who can reach it can run workloads" in warning


def test_listen_on_port_zero_binds_a_free_port_and_a_busy_port_is_refused():
    sock = address.listen("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert port > 0
        with pytest.raises(address.AddressError, match=f"cannot listen on 127.0.0.1:{port}"):
            address.listen("127.0.0.1", port)
    finally:
        sock.close()


def test_urls():
    assert address.url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert address.url_for("::1", 80) == "http://[::1]:80/"
    assert address.browser_url("0.0.0.0", 5) == "http://127.0.0.1:5/"


@pytest.mark.parametrize("bound,host,origin,refused", [
    ("127.0.0.1", "127.0.0.1:8000", None, False),
    ("127.0.0.1", "localhost:8000", "http://localhost:8000", False),
    ("::1", "[::1]:8000", "http://[::1]:8000", False),
    ("127.0.0.1", "rebound.example:8000", None, True),  # DNS rebinding
    ("127.0.0.1", None, None, True),
    ("127.0.0.1", "127.0.0.1:8000", "http://other.example", True),  # another site's page
    ("127.0.0.1", "127.0.0.1:8000", "http://127.0.0.1:9999", True),
    ("0.0.0.0", "teacher.example:8000", "http://teacher.example:8000", False),
    ("0.0.0.0", "teacher.example:8000", "http://other.example", True),
])
def test_refusal(bound, host, origin, refused):
    assert (address.refusal(bound, host, origin) is not None) is refused


# ------------------------------------------------------------------ the command

@pytest.mark.parametrize("port", ["70000", "http", "-3"])
def test_bad_port_exits_2_with_one_line(capsys, port):
    assert cli.main(["serve", "--port", port]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line.startswith("gil-tui serve: --port must be")


def test_busy_port_exits_2_with_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert cli.main(["serve", "--port", port]) == 2
    assert one_clear_line(capsys.readouterr().err).startswith("gil-tui serve: cannot listen")


def _serve_in_process(monkeypatch, capsys, *argv: str):
    """Run `gil-tui serve ...` with the server replaced by a stub; what it was given."""
    import gil_tui.commands.serve as command
    import gil_tui.serve.server as server

    given = {}
    for name in (policy.SERVED_ENV, policy.ALLOW_COMMANDS_ENV):  # restored after the test
        monkeypatch.setenv(name, "unset")
    real_listen = address.listen
    monkeypatch.setattr(command, "listen", lambda host, port: real_listen("127.0.0.1", 0))

    def fake_run(srv, sock):
        given.update(server=srv, host=srv.host, env=dict(os.environ))
        srv._ready()
        sock.close()

    monkeypatch.setattr(server, "run_server", fake_run)
    code = cli.main(["serve", *argv])
    return code, given, capsys.readouterr()


def test_default_host_is_loopback_without_warning(monkeypatch, capsys):
    code, given, out = _serve_in_process(monkeypatch, capsys, "--port", "0")
    assert code == 0 and given["host"] == "127.0.0.1"
    assert out.err == ""
    assert re.fullmatch(r"gil-tui serve: http://127\.0\.0\.1:\d+/ .*\n", out.out)
    assert given["env"][policy.SERVED_ENV] == "1"
    assert given["env"][policy.ALLOW_COMMANDS_ENV] == "0"
    assert "gil_tui.serve.child" in given["server"].command


def test_another_host_warns_on_one_line_and_allow_commands_is_passed_on(monkeypatch, capsys):
    code, given, out = _serve_in_process(
        monkeypatch, capsys, "--host", "0.0.0.0", "--port", "0", "--allow-commands")
    assert code == 0 and given["host"] == "0.0.0.0"
    warning = one_clear_line(out.err)
    assert "0.0.0.0" in warning and "anyone who can reach it" in warning
    assert given["env"][policy.ALLOW_COMMANDS_ENV] == "1"


def test_open_opens_the_page_once_the_server_is_ready(monkeypatch, capsys):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    code, _given, out = _serve_in_process(monkeypatch, capsys, "--port", "0", "--open")
    assert code == 0
    assert len(opened) == 1 and opened[0] in out.out


def test_child_command_runs_this_python_without_a_shell_left_over():
    from gil_tui.serve.server import child_command

    command = child_command("/opt/my python/bin/python3")
    assert command == "exec '/opt/my python/bin/python3' -m gil_tui.serve.child"


# ------------------------------------------------------------------ the served app process

class _Child:
    """`python -m gil_tui.serve.child` as textual-serve runs it: pipes, and a drained stdout."""

    def __init__(self, tmp_path: Path):
        env = cli_env()
        env.update(GIL_TUI_HOME=str(tmp_path), COLUMNS="100", ROWS="30",
                   TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",  # as textual-serve
                   **policy.child_environment(False))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gil_tui.serve.child"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
        self.started = threading.Event()
        self.output = bytearray()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for chunk in iter(lambda: self.proc.stdout.read1(65536), b""):
            self.output += chunk
            if b"__GANGLION__\n" in self.output:
                self.started.set()

    def send_meta(self, meta: dict) -> None:
        payload = json.dumps(meta).encode()
        self.proc.stdin.write(b"M" + len(payload).to_bytes(4, "big") + payload)
        self.proc.stdin.flush()

    def ended_within(self, seconds: float) -> bool:
        try:
            self.proc.wait(seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.mark.parametrize("how", ["quit packet", "stdin closed"])
def test_the_served_app_quits_when_told_or_when_the_server_is_gone(tmp_path, how):
    child = _Child(tmp_path)
    try:
        assert child.started.wait(60), child.proc.stderr.read1(4096) if child.proc.poll() else ""
        if how == "quit packet":  # what textual-serve sends when the tab closes
            child.send_meta({"type": "quit"})
        else:  # the server died: textual's own web driver would wait forever
            child.proc.stdin.close()
        assert child.ended_within(30), f"the app did not quit after: {how}"
        assert child.proc.returncode == 0
    finally:
        child.kill()


# ------------------------------------------------------------------ in a real browser

class _Server:
    """`gil-tui serve --port 0` in its own session, its output collected."""

    def __init__(self, home: Path):
        env = cli_env()
        env["GIL_TUI_HOME"] = str(home)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gil_tui", "serve", "--port", "0"], cwd=ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def url(self) -> str | None:
        for line in self.lines:
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                return found.group(0)
        return None

    def output(self) -> str:
        return "".join(self.lines[-60:])

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                return None
        return self.proc.returncode


def _until(check, seconds: float) -> None:
    """Wait for ``check`` for at most ``seconds``, without failing (cosmetic waits)."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.2)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _is_worker(process: psutil.Process) -> bool:
    try:
        return any("bench_worker" in part for part in process.cmdline())
    except psutil.Error:
        return False


def test_the_page_serves_a_websocket_address_on_the_host_the_browser_used(tmp_path):
    server = _Server(tmp_path)
    try:
        url = browser.wait_for("the URL", server.url, 30, server.output)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        port = url.rsplit(":", 1)[1].rstrip("/")
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        local = url.replace("127.0.0.1", "localhost")
        page = urllib.request.urlopen(local, timeout=10).read().decode()
        assert f'data-session-websocket-url="ws://localhost:{port}/ws"' in page
        for headers in ({"Host": f"rebound.example:{port}"}, {"Origin": "http://other.example"}):
            request = urllib.request.Request(url + "ws", headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 403
    finally:
        assert server.stop() == 0, server.output()


@pytest.mark.browser  # out of the default run: `make test-browser` (.ci/run runs it)
@pytest.mark.skipif(browser.missing() is not None, reason=str(browser.missing()))
def test_in_chromium_each_tab_runs_the_app_and_closing_it_leaves_no_process(tmp_path):
    """Lessons shows, 2 and r give a result row, the tab closes: nothing of it is left."""
    server = _Server(tmp_path / "home")
    profile = browser.new_profile()
    driver = None
    try:
        url = browser.wait_for("the URL", server.url, 30, server.output)
        driver = browser.start_chromium(profile.name)
        blank = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(url)
        text = lambda: browser.screen_text(driver)  # noqa: E731
        explain = lambda: f"screen:\n{text()}\nserver:\n{server.output()}"  # noqa: E731
        browser.wait_for("the terminal", lambda: browser.find_terminal(driver), 30, explain)
        browser.wait_for("the Lessons tab", lambda: re.search(r"Lesson 1 of \d+", text()), 40,
                         explain)
        apps = server.descendants()
        assert apps, "no app process was started for the tab"

        keys = driver.find_element("css selector", ".xterm-helper-textarea")
        keys.send_keys("2")
        browser.wait_for("the Live tab", lambda: "workload" in text(), 20, explain)
        keys.send_keys("r")  # a baseline (sequential) run, then the threads run
        row = r"^\s*cpu\s+threads\s.*\d+\.\d\dx"
        browser.wait_for("the result row", lambda: re.search(row, text(), re.M), 45, explain)
        _until(lambda: "No sequential run" not in text(), 10)  # the README's picture: no toast
        _keep_screenshot(driver, text(), tmp_path)

        # Close the tab in the middle of a run: its workers must end with it.
        keys.send_keys("ss")  # scale 1 -> 4: the run outlasts the closing
        keys.send_keys("r")
        browser.wait_for("a bench worker", lambda: any(map(_is_worker, server.descendants())),
                         20, explain)
        started = server.descendants()
        assert any(map(_is_worker, started))
        driver.close()
        driver.switch_to.window(blank)
        browser.wait_for("every process of the tab to end",
                         lambda: not any(map(_alive, started + apps))
                         and not any(map(_alive, server.descendants())),
                         20, lambda: f"left: {[p for p in started + apps if _alive(p)]}")
        assert server.proc.poll() is None, "the server stopped with the tab"
    finally:
        if driver is not None:
            driver.quit()
        profile.cleanup()
        code = server.stop()
    assert code == 0, server.output()
