"""The main-guard demo's reading, on recorded output of every shape (no process runs here).

The recordings are what multiprocessing prints (stdout and stderr merged, as the
demo records them) for the demo's scripts: a spawn child that fails while the
parent goes on; a 3.13.8 / 3.14.x fork server that runs the unguarded script and
dies, so the parent's ``start()`` fails with EOFError or ConnectionResetError; a
Pool whose parent hangs until the demo's limit stops it; a guarded script whose
top level the fork server ran once.
"""

from __future__ import annotations

import pytest

from gil_tui.engine.demos import main_guard_analysis as mga

LIB = "/usr/lib/python3.14/multiprocessing"
SCRIPT = "/tmp/gil-tui-main-guard-k2x8/no_guard.py"

#: what the child (spawn) or the fork server (forkserver, 3.13.8+ / 3.14.1+) prints
BOOTSTRAP_ERROR = f"""\
Traceback (most recent call last):
  File "{SCRIPT}", line 22, in <module>
    child.start()
    ~~~~~~~~~~~^^
  File "{LIB}/process.py", line 121, in start
    self._popen = self._Popen(self)
                  ~~~~~~~~~~~^^^^^^
  File "{LIB}/spawn.py", line 164, in get_preparation_data
    _check_not_importing_main()
    ~~~~~~~~~~~~~~~~~~~~~~~~~^^
  File "{LIB}/spawn.py", line 140, in _check_not_importing_main
    raise RuntimeError('''
    ...<16 lines>...
    ''')
RuntimeError:
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.

        This probably means that you are not using fork to start your
        child processes and you have forgotten to use the proper idiom
        in the main module:

            if __name__ == '__main__':
                freeze_support()
                ...

        The "freeze_support()" line can be omitted if the program
        is not going to be frozen to produce an executable.

        To fix this issue, refer to the "Safe importing of main module"
        section in https://docs.python.org/3/library/multiprocessing.html
"""

#: spawn on any version: the child fails, the parent prints the exit code and ends 0
SPAWN_CHILD_FAILED = ("top level runs as '__main__' in pid 4100\n"
                      "top level runs as '__mp_main__' in pid 4102\n"
                      + BOOTSTRAP_ERROR + "\nchild exit code: 1\n")

SERVER_PREFIX = f"""\
top level runs as '__main__' in pid 5200
top level runs as '__mp_main__' in pid 5203
Traceback (most recent call last):
  File "<string>", line 1, in <module>
    from multiprocessing.forkserver import main; main(5, 7, ['__main__'], **{{'sys_path': ['/tmp/gil-tui-main-guard-k2x8'], 'main_path': '{SCRIPT}', 'sys_argv': ['{SCRIPT}'], 'authkey_r': 9}})
  File "{LIB}/forkserver.py", line 212, in main
    spawn.import_main_path(main_path)
    ~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^
  File "<frozen runpy>", line 88, in _run_code
""" + BOOTSTRAP_ERROR.split("\n", 1)[1]

#: 3.13.8: the server died before it forked; the parent waits for the pid and reads EOF
FORKSERVER_EOF = SERVER_PREFIX + f"""\
Traceback (most recent call last):
  File "{SCRIPT}", line 22, in <module>
    child.start()
    ~~~~~~~~~~~^^
  File "/usr/lib/python3.13/multiprocessing/process.py", line 121, in start
    self._popen = self._Popen(self)
                  ~~~~~~~~~~~^^^^^^
  File "/usr/lib/python3.13/multiprocessing/context.py", line 301, in _Popen
    return Popen(process_obj)
  File "/usr/lib/python3.13/multiprocessing/popen_forkserver.py", line 35, in __init__
    super().__init__(process_obj)
    ~~~~~~~~~~~~~~~~^^^^^^^^^^^^^
  File "/usr/lib/python3.13/multiprocessing/popen_fork.py", line 20, in __init__
    self._launch(process_obj)
    ~~~~~~~~~~~~^^^^^^^^^^^^^
  File "/usr/lib/python3.13/multiprocessing/popen_forkserver.py", line 59, in _launch
    self.pid = forkserver.read_signed(self.sentinel)
               ~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^^^^^
  File "/usr/lib/python3.13/multiprocessing/forkserver.py", line 384, in read_signed
    raise EOFError('unexpected EOF')
EOFError: unexpected EOF
"""

#: 3.14.2: the parent's authkey handshake meets a server that is gone
FORKSERVER_RESET = SERVER_PREFIX + f"""\
Traceback (most recent call last):
  File "{SCRIPT}", line 22, in <module>
    child.start()
    ~~~~~~~~~~~^^
  File "{LIB}/process.py", line 121, in start
    self._popen = self._Popen(self)
                  ~~~~~~~~~~~^^^^^^
  File "{LIB}/context.py", line 300, in _Popen
    return Popen(process_obj)
  File "{LIB}/popen_forkserver.py", line 35, in __init__
    super().__init__(process_obj)
    ~~~~~~~~~~~~~~~~^^^^^^^^^^^^^
  File "{LIB}/popen_fork.py", line 20, in __init__
    self._launch(process_obj)
    ~~~~~~~~~~~~^^^^^^^^^^^^^
  File "{LIB}/popen_forkserver.py", line 51, in _launch
    self.sentinel, w = forkserver.connect_to_new_process(self._fds)
                       ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^
  File "{LIB}/forkserver.py", line 102, in connect_to_new_process
    connection.answer_challenge(
    ~~~~~~~~~~~~~~~~~~~~~~~~~~~^
            wrapped_client, self._forkserver_authkey)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{LIB}/connection.py", line 1004, in answer_challenge
    message = connection.recv_bytes(256)         # reject large message
  File "{LIB}/connection.py", line 222, in recv_bytes
    buf = self._recv_bytes(maxlength)
  File "{LIB}/connection.py", line 430, in _recv_bytes
    buf = self._recv(4)
  File "{LIB}/connection.py", line 395, in _recv
    chunk = read(handle, remaining)
ConnectionResetError: [Errno 104] Connection reset by peer
"""

#: 3.14.6: a Pool at the top level; the server died, the parent waits for ever
POOL_HUNG = SERVER_PREFIX.replace("child.start()", "with ctx.Pool(2) as pool:")

#: 3.14.2 with the guard: the fork server (pid 5203) ran the top level, the child did not
GUARDED_PRELOADED = """\
top level runs as '__main__' in pid 5200
top level runs as '__mp_main__' in pid 5203
hello from the child, pid 5204
child exit code: 0
"""

GUARDED_RERAN = """\
top level runs as '__main__' in pid 5200
top level runs as '__mp_main__' in pid 5204
hello from the child, pid 5204
child exit code: 0
"""

FORK_OK = """\
top level runs as '__main__' in pid 5200
hello from the child, pid 5201
child exit code: 0
"""


def read(output, *, method="forkserver", guard=False, version="3.14.2", exit_code=0, **kw):
    return mga.read_run(output, exit_code=exit_code, guard=guard, method=method,
                        version=version, **kw)


# ------------------------------------------------------------- (a), (b), (c)


def test_a_child_fails_and_the_parent_goes_on():
    run = read(SPAWN_CHILD_FAILED, method="spawn")
    assert run["outcome"] == mga.CHILD_FAILED and run["as_expected"] is True
    assert run["top_level_names"] == ["__main__", "__mp_main__"] and run["child_exit_code"] == 1
    assert run["parent_error"] is None
    # forkserver before the fix did the same, and that is what its row says
    assert read(SPAWN_CHILD_FAILED, version="3.13.7")["as_expected"] is True
    assert read(SPAWN_CHILD_FAILED, version="3.14.1")["as_expected"] is False


@pytest.mark.parametrize("output, error, version", [
    (FORKSERVER_EOF, "EOFError: unexpected EOF", "3.13.8"),
    (FORKSERVER_RESET, "ConnectionResetError: [Errno 104] Connection reset by peer", "3.14.2"),
])
def test_b_the_parents_start_dies_when_the_fork_server_ran_the_script(output, error, version):
    run = read(output, exit_code=1, version=version)
    assert run["outcome"] == mga.PARENT_FAILED and run["as_expected"] is True
    assert run["parent_error"] == error and run["failed_in_start"]
    assert run["runtime_error"] and run["reran_as_mp_main"] == 1
    assert run["child_exit_code"] is None
    assert run["expected"] == [mga.PARENT_FAILED, mga.HUNG]
    summary = mga.main_guard_summary([run], version)
    assert (f"Without the guard, under forkserver the parent itself failed: its start() died "
            f"with {error} (exit code 1), after the fork server had run the script's top level "
            "(as __mp_main__) and stopped with RuntimeError") in summary
    assert "the fork server runs the main script once itself" in summary
    assert "not what the lesson's table says" not in summary
    # the same output from a version before the fix is named the same, and flagged
    old = read(output, exit_code=1, version="3.13.0")
    assert old["outcome"] == mga.PARENT_FAILED and old["as_expected"] is False
    assert ("That is not what the lesson's table says for 3.13.0, which expects under "
            "forkserver, without the guard: the child to fail while the parent goes on."
            ) in mga.main_guard_summary([old], "3.13.0")


def test_stderr_kept_apart_reads_the_same():
    merged = read(FORKSERVER_RESET, exit_code=1)
    out, _, err = FORKSERVER_RESET.partition("Traceback")
    apart = read(out, exit_code=1, stderr="Traceback" + err)
    assert apart == merged


def test_c_a_parent_that_hangs_is_named_and_the_limit_is_said():
    run = read(POOL_HUNG, script="pool", exit_code=-9, timed_out=True, version="3.14.6")
    assert run["outcome"] == mga.HUNG and run["as_expected"] is True
    assert run["parent_error"] is None  # a killed parent printed no error of its own
    run["limit_s"] = 3.0
    summary = mga.main_guard_summary([run], "3.14.6")
    assert summary.startswith("With a Pool and no guard, under forkserver the parent hung: it "
                              "neither finished nor failed, and gil-tui stopped it after 3.00 s "
                              "(the demo's time limit for one run).")


def test_c_a_spawn_pool_keeps_replacing_workers():
    worker = ("top level runs as '__mp_main__' in pid {pid}\n" + BOOTSTRAP_ERROR)
    output = "top level runs as '__main__' in pid 10\n" + "".join(
        worker.format(pid=11 + n) for n in range(5))
    run = read(output, method="spawn", script="pool", exit_code=-9, timed_out=True)
    assert run["outcome"] == mga.HUNG and run["bootstrap_errors"] == 5
    assert run["as_expected"] is True  # spawn: a Pool without the guard hangs on every version
    summary = mga.main_guard_summary([dict(run, limit_s=2.0)], "3.14.2")
    assert "the pool kept replacing workers that ran the top level again and died with " \
           "RuntimeError (5 under spawn)" in summary


# ------------------------------------------------------------- runs that work


def test_guarded_runs_say_where_the_top_level_ran_again():
    preloaded = read(GUARDED_PRELOADED, guard=True)
    assert preloaded["outcome"] == mga.PRELOADED and preloaded["as_expected"] is True
    reran = read(GUARDED_RERAN, guard=True, method="spawn")
    assert reran["outcome"] == mga.RERAN_IN_CHILD and reran["as_expected"] is True
    old_server = read(GUARDED_RERAN, guard=True, version="3.14.0")
    assert old_server["outcome"] == mga.RERAN_IN_CHILD and old_server["as_expected"] is True
    fork = read(FORK_OK, method="fork", guard=True)
    assert fork["outcome"] == mga.RAN_ONCE and fork["as_expected"] is True
    summary = mga.main_guard_summary([reran, preloaded, fork], "3.14.2")
    assert summary.startswith(
        "With the guard, under spawn the top level ran again in the child (as __mp_main__) but "
        "the guarded part did not, and the child greeted and exited 0; under forkserver the top "
        "level ran once more, in the fork server (as __mp_main__), not in the child")


def test_odd_runs_and_capped_runs():
    killed = read(FORK_OK, method="fork", exit_code=-11)
    assert killed["outcome"] == mga.ODD and killed["as_expected"] is False
    no_traceback = read("top level runs as '__main__' in pid 1\n", exit_code=2)
    assert no_traceback["outcome"] == mga.ODD and no_traceback["parent_error"] is None
    capped = read(SPAWN_CHILD_FAILED, method="spawn", exit_code=-9, capped=True)
    assert capped["outcome"] == mga.CAPPED
    summary = mga.main_guard_summary([capped, killed], "3.12.1")
    assert "under spawn the run started too many processes and gil-tui stopped it" in summary
    assert "under fork something unexpected happened (fork: script exit code -11" in summary
    assert mga.main_guard_summary([]) == "Nothing ran."


def test_an_unknown_version_names_the_outcome_but_expects_nothing():
    run = read(FORKSERVER_EOF, exit_code=1, version=None)
    assert run["outcome"] == mga.PARENT_FAILED
    assert run["expected"] is None and run["as_expected"] is None
    assert "fork server runs" not in mga.main_guard_summary([run], None)


# ------------------------------------------------------------- the version table


@pytest.mark.parametrize("version, preloads", [
    ("3.12.1", False), ("3.13.0", False), ("3.13.7", False), ("3.13.8", True),
    ("3.13.14", True), ("3.14.0", False), ("3.14.0t", False), ("3.14.1", True),
    ((3, 14, 6), True), ([3, 15, 0], True), ("3.9.18", False), (None, False), ("junk", False),
])
def test_which_versions_preload_main(version, preloads):
    assert mga.forkserver_preloads_main(version) is preloads


def test_expected_outcomes_follow_the_lessons_table():
    new, old = "3.14.1", "3.13.7"
    assert mga.expected_outcomes("spawn", False, "process", new) == (mga.CHILD_FAILED,)
    assert mga.expected_outcomes("forkserver", False, "process", old) == (mga.CHILD_FAILED,)
    assert mga.expected_outcomes("forkserver", False, "process", new) == (mga.PARENT_FAILED,
                                                                          mga.HUNG)
    assert mga.expected_outcomes("forkserver", True, "process", new) == (mga.PRELOADED,)
    assert mga.expected_outcomes("forkserver", True, "process", old) == (mga.RERAN_IN_CHILD,)
    assert mga.expected_outcomes("fork", False, "process", new) == (mga.RAN_ONCE,)
    assert mga.expected_outcomes("spawn", False, "pool", new) == (mga.HUNG,)
    assert mga.expected_outcomes("forkserver", False, "pool", new) == (mga.PARENT_FAILED,
                                                                       mga.HUNG)
    assert mga.expected_outcomes("spawn", False, "process", None) is None


def test_version_note_names_the_row():
    assert mga.version_note("3.13.0", ["spawn", "forkserver"]).startswith(
        "On 3.13.0 (before the 3.13.8 fix) the fork server does not run the main script")
    assert "(before the 3.14.1 fix)" in mga.version_note("3.14.0", ["forkserver"])
    assert mga.version_note("3.12.1", ["forkserver"]).startswith("On 3.12.1 the fork server")
    assert mga.version_note("3.14.2", ["forkserver"]).startswith(
        "On 3.14.2 the fork server runs the main script once itself")
    assert mga.version_note("3.14.2", ["spawn", "fork"]) == ""
    assert mga.version_tuple("3.14.0t") == (3, 14, 0) and mga.version_tuple("3") is None


def test_tracebacks_are_split_with_their_exception():
    found = mga.tracebacks(FORKSERVER_RESET.splitlines())
    assert [tb["name"] for tb in found] == ["RuntimeError", "ConnectionResetError"]
    assert found[1]["frames"][0] == f'File "{SCRIPT}", line 22, in <module>'
    bare = mga.tracebacks(["Traceback (most recent call last):", '  File "x", line 1, in f',
                           "EOFError"])
    assert bare[0]["name"] == "EOFError" and bare[0]["exception"] == "EOFError"
