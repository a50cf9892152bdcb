"""Classes 10, 11 and 12 of ``benchmarks/attack.py``: odd arguments, closed stdout, byte-exact watch."""

from __future__ import annotations

import hashlib
import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from attack_common import GIL_TUI, PYTHON, Harness, Tally, first_line, judge, new_mark, run
from attack_data import entry, history, line, write

NUMS = ["", "-1", "0", "nan", "inf", "1e999", "9" * 30, "\x1b[2J", "\u0661\u0662"]
NUMS_QUICK = ["", "-1", "nan", "1e999"]
PATHS = ["", "x" * 5000, "\x1b]0;ATK\x07", "/nonexistent/ATK", "/", "\u00e9\u4e2d\n"]
PATHS_QUICK = ["", "\x1b]0;ATK\x07", "/"]
CHOICES = ["", "nope\x1b[2J"]
MUST_FAIL = {"", "-1", "nan", "inf", "1e999", "9" * 30, "\x1b[2J"}

SLEEP_BENCH = ["bench", "--workload", "sleep", "--mode", "threads", "--tasks", "2", "--delay-ms", "1"]
# (base argv, {option: kind}); an option already in base is replaced
SPECS: list[tuple[list[str], dict[str, str]]] = [
    (SLEEP_BENCH, {"--workers": "num", "--tasks": "num", "--scale": "num", "--delay-ms": "num",
                   "--python": "path", "--start-method": "choice", "--workload": "choice",
                   "--mode": "choice"}),
    (["compare", "io", "--python", PYTHON, "--workers", "2", "--delay-ms", "1", "--no-history"],
     {"--python": "path", "--workers": "num", "--scale": "num", "--repeat": "num", "--delay-ms": "num",
      "--sweep": "choice", "@0": "choice"}),
    (["interpreters"], {"--add": "path", "--remove": "path", "--timeout": "num"}),
    (["results"], {"--import": "path"}),
    (["watch", "--no-tui", "--", "true"], {"--pid": "num", "--hz": "num", "--log": "path", "@cmd": "path"}),
    (["costs", "--repeat", "1"], {"--repeat": "num", "--python": "path"}),
    (["demo", "race", "-o", "trials=1", "-o", "increments=1000", "-o", "lock_increments=1000"],
     {"--timeout": "num", "--python": "path", "-o": "opt", "@0": "choice"}),
    (["lessons"], {"@slug": "path"}),
    (["live"], {"--workers": "num", "--tasks": "num", "--scale": "num", "--python": "path",
                "--workload": "choice", "--mode": "choice"}),
    (["app"], {"--tab": "choice", "--lesson": "path"}),
    (["serve", "--port", "1"], {"--port": "num", "--host": "path"}),
]


def _argv(base: list[str], option: str, value: str) -> list[str]:
    argv = list(base)
    if option == "@0":
        argv[1] = value
        return argv
    if option == "@cmd":
        return argv[: argv.index("--") + 1] + [value]
    if option == "@slug":
        return argv + [value]
    if option == "-o":
        return argv + ["-o", value]
    if option == "--pid":
        argv = argv[: argv.index("--")]
    if option in argv:
        i = argv.index(option)
        del argv[i: i + 2]
    return argv[:1] + [option, value] + argv[1:]


def _values(kind: str, quick: bool) -> list[str]:
    if kind == "num":
        return NUMS_QUICK if quick else NUMS
    if kind == "path":
        return PATHS_QUICK if quick else PATHS
    if kind == "opt":
        return ["", "=", "threads=", "threads=-1", "threads=1e999", "threads=nan", "nope=1",
                "threads=99999999999", "variants=\x1b[2J"]
    return CHOICES


def class10(h: Harness, quick: bool) -> Tally:
    t = Tally("10 odd CLI arguments")
    jobs = []
    for base, options in SPECS:
        for option, kind in options.items():
            for value in _values(kind, quick):
                if base[0] == "serve" and option == "--port" and value == "0":
                    continue
                jobs.append((base, option, value))

    def one(job: tuple[list[str], str, str]) -> None:
        base, option, value = job
        label = f"{base[0]} {option} {ascii(value)[:24]}"
        case = h.case_dir(label)
        env = h.env(case, new_mark(label))
        opens_app = base[0] in ("live", "app", "serve")
        r = run(GIL_TUI + _argv(base, option, value), env, timeout=10 if opens_app else 60,
                cwd=str(case))
        codes = (0, 1, 2, 126, 127) if option == "@cmd" else (0, 1, 2)
        reason = judge(r, ok_codes=codes, max_err_lines=15 if base[0] == "lessons" else 2)
        if r.rc not in (0, 2) and not r.hung and reason is None:
            t.notes.append(f"{label}: rc {r.rc} (failed, not usage error): {first_line(r.err)[:90]}")
        if r.hung and opens_app and value.isdigit() and int(value) > 0:
            reason = None
            t.notes.append(f"{label}: accepted as {int(value)} (int() takes non-ASCII digits); it served")
        elif r.hung and opens_app:
            reason = "accepted: the app/server started instead of exit 2"
        elif reason is None and r.rc == 0 and (value in MUST_FAIL or value == ""):
            if not (option == "--log" and value == "/dev/null"):
                reason = f"accepted with exit 0 (output: {r.out[:60]!r})"
        t.input(label, reason)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, jobs))
    return t


def class11(h: Harness, quick: bool) -> Tally:
    t = Tally("11 closed stdout")
    case = h.case_dir("closed stdout")
    write(history(case), *(line(entry(n)) for n in range(3)))
    cmds = [SLEEP_BENCH, SLEEP_BENCH + ["--json"], ["results"], ["results", "--json"], ["results", "--csv"],
            ["watch", "--no-tui", "--", "echo", "hi"], ["watch", "--json", "--", "true"],
            ["lessons"], ["lessons", "the-gil"], ["interpreters"], ["interpreters", "--json"],
            ["demo", "race", "-o", "trials=1", "-o", "increments=1000", "-o", "lock_increments=1000"]]
    for argv in cmds[: 6 if quick else None]:
        label = "closed stdout: " + " ".join(argv)[:60]
        r = run(GIL_TUI + argv, h.env(case, new_mark(label)), close_stdout=True)
        t.input(label, judge(r, ok_codes=(0, 1, 2, 120), max_err_lines=2))
    return t


def class12(h: Harness, quick: bool) -> Tally:
    t = Tally("12 watch byte-exact")
    rnd = random.Random(12)
    datas = {
        "random 100 KB": rnd.randbytes(100_000),
        "CRLF lines": b"".join(b"line %d\r\n" % i for i in range(2000)),
        "no final newline": b"one\ntwo\nthree",
        "200 KB line": b"y" * 200_000 + b"\n",
        "lone CR": b"\r",
        "NULs and ESC": b"\x00\x1b[31mred\x1b[0m\x00\n" * 100,
        "random 1 MB": rnd.randbytes(1_000_000),
        "empty": b"",
    }
    if quick:
        datas.pop("random 1 MB")
    case = h.case_dir("watch bytes")
    for name, data in datas.items():
        src = write(case / f"in-{len(os.listdir(case))}.bin", data)
        log = case / f"log-{len(os.listdir(case))}.bin"
        label = f"watch --no-tui {name}"
        r = run(GIL_TUI + ["watch", "--no-tui", "--log", str(log), "--", "cat", str(src)],
                h.env(case, new_mark(label)))
        reason = judge(r, check_stdout_ctrl=False)
        if reason is None:
            head = r.out[: len(data)]
            if hashlib.sha256(head).digest() != hashlib.sha256(data).digest():
                reason = (f"stdout differs: {len(r.out)} bytes for {len(data)} "
                          f"(sha256 {hashlib.sha256(head).hexdigest()[:10]} != "
                          f"{hashlib.sha256(data).hexdigest()[:10]})")
            elif log.exists() and hashlib.sha256(log.read_bytes()).digest() != hashlib.sha256(data).digest():
                reason = f"--log file differs: {log.stat().st_size} bytes for {len(data)}"
            elif data and not data.endswith(b"\n") and r.out[len(data): len(data) + 1] == b"\n":
                t.notes.append(f"{label}: a newline is added before the summary (stdout)")
        t.input(label, reason)
        r = run(GIL_TUI + ["watch", "--json", "--", "cat", str(src)], h.env(case, new_mark(label)))
        reason = judge(r, check_stdout_ctrl=False, check_stderr_ctrl=False, max_err_lines=10**9)
        if reason is None:
            try:
                json.loads(r.out.splitlines()[-1] if r.out else b"")
            except ValueError:
                reason = "--json: the last stdout line is not the JSON summary"
        t.input(f"watch --json {name}", reason)
    return t
