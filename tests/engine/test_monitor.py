"""The psutil samplers, against real child processes."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest

from gil_tui.engine.system.monitor import (
    CoreSample,
    CoreSampler,
    TreeSample,
    TreeSampler,
    machine_info,
)

BURNER = """
import sys, threading, time
ids = []
ready = threading.Barrier(3)
def burn():
    ids.append(threading.get_native_id())
    ready.wait()
    end = time.time() + 30
    x = 0
    while time.time() < end:
        x += 1
threads = [threading.Thread(target=burn, daemon=True) for _ in range(2)]
for t in threads:
    t.start()
ready.wait()
print("ready", *ids, flush=True)
sys.stdin.read()
"""

PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                         stdin=subprocess.PIPE)
print(child.pid, flush=True)
sys.stdin.read()
child.kill()
child.wait()
"""


def start(script: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def stop(proc: subprocess.Popen) -> None:
    try:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
    except psutil.NoSuchProcess:
        pass
    proc.kill()
    proc.wait(timeout=5)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


@pytest.fixture
def burner():
    proc = start(BURNER)
    words = proc.stdout.readline().split()
    assert words[0] == "ready"
    yield proc, [int(w) for w in words[1:]]
    stop(proc)


@pytest.fixture
def parent():
    proc = start(PARENT)
    grandchild = int(proc.stdout.readline())
    yield proc, grandchild
    stop(proc)


def test_core_sampler_primes_then_measures(burner):
    sampler = CoreSampler()
    first = sampler.sample()
    assert isinstance(first, CoreSample)
    assert len(first.percents) == psutil.cpu_count()
    assert all(p == 0.0 for p in first.percents)
    time.sleep(0.4)
    second = sampler.sample()
    assert len(second.percents) == psutil.cpu_count()
    assert second.t > first.t
    assert all(0.0 <= p <= 100.0 for p in second.percents)
    assert max(second.percents) > 20.0  # the burner keeps at least one core busy


def test_two_samplers_do_not_share_state():
    a, b = CoreSampler(), CoreSampler()
    a.sample()
    b.sample()
    time.sleep(0.05)
    b.sample()
    # a's interval is still measured from its own first call
    assert len(a.sample().percents) == psutil.cpu_count()


def test_tree_sampler_sees_two_busy_threads(burner):
    proc, ids = burner
    sampler = TreeSampler(proc.pid)
    first = sampler.sample()
    # first sighting is measured from the process's creation: already busy
    assert first.processes[0].pid == proc.pid
    time.sleep(0.5)
    tree = sampler.sample()
    assert isinstance(tree, TreeSample)
    assert [p.pid for p in tree.processes] == [proc.pid]
    sample = tree.processes[0]
    assert sample.ppid == psutil.Process().pid
    assert sample.name.startswith("python")
    assert sample.rss > 1_000_000
    assert sample.num_threads == len(sample.threads) == 3
    by_tid = {t.tid: t for t in sample.threads}
    assert set(ids) <= set(by_tid)
    busy = [by_tid[i].cpu_percent for i in ids]
    # thresholds leave room for a machine busy with other tests
    assert all(p > 5.0 for p in busy), busy
    assert all(p <= 100.0 for p in busy)
    # under the GIL the two threads share about one core; the process sums them
    assert sample.cpu_percent > 15.0
    assert abs(sum(t.cpu_percent for t in sample.threads) - sample.cpu_percent) < 30.0
    assert tree.total_cpu_percent == pytest.approx(sample.cpu_percent)
    assert sample.cpu_s > 0.1
    assert tree.truncated == 0


def test_tree_includes_grandchild_and_drops_it_when_gone(parent):
    proc, grandchild = parent
    sampler = TreeSampler(proc.pid)
    tree = sampler.sample()
    pids = {p.pid: p for p in tree.processes}
    assert set(pids) == {proc.pid, grandchild}
    assert pids[grandchild].ppid == proc.pid
    assert tree.processes[0].pid == proc.pid  # root first

    only_children = TreeSampler(proc.pid, include_root=False).sample()
    assert [p.pid for p in only_children.processes] == [grandchild]

    capped = TreeSampler(proc.pid, max_processes=1).sample()
    assert [p.pid for p in capped.processes] == [proc.pid]
    assert capped.truncated == 1

    gc = psutil.Process(grandchild)
    gc.kill()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # a zombie until its parent reaps it
        try:
            if gc.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.01)
    tree = sampler.sample()
    assert grandchild not in {p.pid for p in tree.processes}
    assert proc.pid in {p.pid for p in tree.processes}


def test_vanished_root_gives_an_empty_sample():
    proc = start("import sys; sys.stdin.read()")
    sampler = TreeSampler(proc.pid)
    assert len(sampler.sample().processes) == 1
    stop(proc)
    tree = sampler.sample()
    assert tree.processes == () and tree.total_cpu_percent == 0.0


def test_nonexistent_root_pid():
    # pid_max is at most 2**22 on Linux
    tree = TreeSampler(2**22 + 12345).sample()
    assert tree.processes == () and tree.truncated == 0


def test_bad_max_processes():
    with pytest.raises(ValueError):
        TreeSampler(1, max_processes=0)


def test_machine_info():
    info = machine_info()
    assert info["cpu_count_logical"] == psutil.cpu_count()
    assert 1 <= info["cpu_count_usable"] <= info["cpu_count_logical"]
    assert info["memory_total"] > 0
    assert info["hostname"] and info["platform"]


def test_access_denied_is_handled(monkeypatch, parent):
    proc, grandchild = parent

    def denied(self, *args, **kwargs):
        raise psutil.AccessDenied(self.pid)

    # Process.oneshot() toggles caches on some methods: keep its hooks working
    denied.cache_activate = denied.cache_deactivate = lambda proc: None
    monkeypatch.setattr(psutil.Process, "threads", denied)
    tree = TreeSampler(proc.pid).sample()
    assert {p.pid for p in tree.processes} == {proc.pid, grandchild}
    assert all(p.threads == () for p in tree.processes)

    monkeypatch.setattr(psutil.Process, "cpu_times", denied)
    assert TreeSampler(proc.pid).sample().processes == ()
