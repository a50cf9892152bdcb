"""Classes 1, 3, 4 and 5 of ``benchmarks/attack.py``: hostile imports and history files."""

from __future__ import annotations

import copy
import json
import os
import resource
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from attack_common import GIL_TUI, PYTHON, Harness, Tally, csv_formula_cells, first_line, judge, new_mark, run

TEMPLATE = {
    "format": 1,
    "spec": {"workload": "cpu", "mode": "threads", "workers": 2, "tasks": None, "scale": 0.5,
             "delay_ms": 100, "start_method": None, "python": "/usr/bin/python3.13"},
    "interpreter": {"path": "/usr/bin/python3.13", "version": "3.13.1", "implementation": "cpython",
                    "gil_enabled": True, "free_threaded": False, "cpu_count": 4,
                    "executable": "/usr/bin/python3.13"},
    "wall_s": 1.0, "startup_s": 0.02, "first_start_s": 0.01, "cpu_s": 3.1, "busy_cores": 3.1,
    "start_method": None, "io_client": None, "tasks": 8, "started_at": 1700000000.0,
    "others_cores": None, "subinterpreters_api": None,
    "workers": [{"index": i, "pid": 1000 + i, "thread_id": 5000 + i, "seconds": 1.0, "cpu_s": 0.9,
                 "tasks": 4, "done": 4, "start_s": 0.01} for i in range(2)],
    "machine": {"hostname": "host0", "cpu_count_logical": 4, "cpu_count_usable": 4,
                "platform": "Linux-bench"},
    "source": "compare", "matrix": "m0", "imported": False,
}


def entry(n: int = 0, **changes: object) -> dict:
    e = copy.deepcopy(TEMPLATE)
    e["started_at"] = 1700000000.0 + n * 10
    e["matrix"] = f"m{n}"
    for dotted, value in changes.items():
        node = e
        parts = dotted.split("__")
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = value
    return e


def line(e: object) -> bytes:
    return json.dumps(e, allow_nan=True).encode() + b"\n"


def write(path: Path, *chunks: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(chunks))
    return path


def history(case: Path) -> Path:
    return case / "home" / "data" / "history.jsonl"


def views(h: Harness, case: Path, env: dict, label: str, tally: Tally, needle: str | None = None,
          formats=("", "--markdown", "--csv", "--json")) -> None:
    for fmt in formats:
        r = run(GIL_TUI + ["results"] + ([fmt] if fmt else []), env)
        reason = judge(r)
        if reason is None and fmt == "--csv" and needle:
            bad = csv_formula_cells(r.out, needle)
            if bad:
                reason = f"CSV formula cells not prefixed: {bad[:3]}"
        if reason is None and fmt == "" and needle and any(ln.count("\r") for ln in r.out.decode("utf-8", "replace").splitlines()):
            reason = "CR inside a table line"
        tally.input(f"{label} results {fmt or 'text'}", reason)


# ----------------------------------------------------------------- class 1

INJECTIONS = {
    "osc-title": "\x1b]0;ATKPWNED\x07",
    "osc52-clipboard": "\x1b]52;c;QVRLcHduZWQ=\x07",
    "csi-clear": "ATK\x1b[2J\x1b[H",
    "cr-lf": "ATK\rfake row\nATK2",
    "c1-csi": "ATK\u009b31mred\u009d0;t\u009c",
    "formula=": "=ATK+HYPERLINK(\"http://x\")",
    "formula+-@": "+ATK-1",
    "formula@": "@ATKSUM(A1)",
    "formula-tab": "\t=ATK",
    "bidi-nul": "ATK\u202egnp.exe\u0000\u0007",
}
FIELDS = {
    "host": ["machine__hostname", "machine__platform"],
    "interpreter": ["interpreter__version", "interpreter__implementation"],
    "path": ["interpreter__path", "interpreter__executable", "spec__python"],
}


def class1(h: Harness, quick: bool) -> Tally:
    t = Tally("1 terminal injection")
    payloads = list(INJECTIONS.items())[: 5 if quick else None]
    jobs = [(p, f) for p in payloads for f in FIELDS.items()]

    def one(job) -> None:
        (pname, payload), (fname, keys) = job
        if True:
            label = f"inject {pname} in {fname}"
            case = h.case_dir(label)
            env = h.env(case, new_mark(label))
            bad = entry(1, **{k: payload for k in keys})
            src = write(case / "import.jsonl", line(entry(0)), line(bad))
            r = run(GIL_TUI + ["results", "--import", str(src)], env)
            t.input(f"{label} import summary", judge(r))
            views(h, case, env, label, t, needle="ATK")

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(one, jobs))
    return t


# ----------------------------------------------------------------- class 3

def _no_dac() -> list[str]:
    """Run as root without the capability to ignore file modes (we are root in the VM)."""
    if os.geteuid() != 0:
        return []
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", "--"]


def class3(h: Harness, quick: bool) -> Tally:
    t = Tally("3 read-only history")
    wrap = _no_dac()
    for variant in ("file-0444", "dir-0555", "file-is-dir"):
        label = f"readonly {variant}"
        case = h.case_dir(label)
        env = h.env(case, new_mark(label))
        hist = history(case)
        write(hist, *(line(entry(n)) for n in range(5)))
        if variant == "file-0444":
            hist.chmod(0o444)
        elif variant == "dir-0555":
            hist.parent.chmod(0o555)
        else:
            hist.unlink()
            hist.mkdir()
        compare = wrap + GIL_TUI + ["compare", "io", "--python", PYTHON,
                                    "--workers", "2", "--delay-ms", "1"]
        r = run(compare, env, timeout=120)
        reason = judge(r, ok_codes=(0, 1))
        said_err = r.err.decode("utf-8", "replace").lower().count("not saved")
        said_out = r.out.decode("utf-8", "replace").lower().count("not saved")
        expected = {"file-0444": 1, "dir-0555": 0}.get(variant)  # 0555 dir: the file itself is writable
        if reason is None and expected is not None and said_err + said_out != expected:
            reason = (f"'not saved' said {said_err + said_out} times, expected {expected} "
                      f"({said_out} on stdout, {said_err} on stderr; rc {r.rc})")
        t.input(f"{label}: compare io saves", reason)
        r = run(wrap + GIL_TUI + ["results", "--json"], env)
        reason = judge(r, ok_codes=(0, 1))
        if reason is None and variant != "file-is-dir":
            try:
                runs = json.loads(r.out).get("entries", [])
                if len(runs) < 5:
                    reason = f"history shows {len(runs)} runs, expected >= 5"
            except (ValueError, AttributeError) as exc:
                reason = f"results --json not JSON: {exc}"
        t.input(f"{label}: results still lists the runs", reason)
        if variant != "file-is-dir" and not hist.exists():
            t.input(f"{label}: history not moved aside", "history file is gone (moved aside?)")
        else:
            t.input(f"{label}: history not moved aside", None)
        for args in (["--import", str(write(case / "imp.jsonl", line(entry(9))))], ["--clear"]):
            r = run(wrap + GIL_TUI + ["results"] + args, env)
            t.input(f"{label}: results {args[0]}", judge(r, ok_codes=(0, 1, 2)))
        hist.parent.chmod(0o755)
        if hist.is_file():
            hist.chmod(0o644)
    return t


# ----------------------------------------------------------------- class 4

def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth + b"\n"


def absurd_lines(quick: bool) -> dict[str, bytes]:
    cases = {
        "ts-1e300": line(entry(2, started_at=1e300)),
        "ts--1e18": line(entry(2, started_at=-1e18)),
        "ts-nan": line(entry(2, started_at=float("nan"))),
        "wall-inf": line(entry(2, wall_s=float("inf"))),
        "wall--inf": line(entry(2, wall_s=float("-inf"))),
        "wall-1e999-text": line(entry(2)).replace(b'"wall_s": 1.0', b'"wall_s": 1e999'),
        "version-number": line(entry(2, interpreter__version=3.13)),
        "version-list": line(entry(2, interpreter__version=[3, 13])),
        "workers-huge-int": line(entry(2, spec__workers=10 ** 400)),
        "cpu-huge-int": line(entry(2, cpu_count=10 ** 50, machine__cpu_count_logical=10 ** 4000)),
        "hostname-list": line(entry(2, machine__hostname=["a", "b"])),
        "hostname-number": line(entry(2, machine__hostname=12345)),
        "hostname-1MB": line(entry(2, machine__hostname="h" * 1_000_000)),
        "machine-list": line(entry(2, machine=[1, 2])),
        "spec-string": line(entry(2, spec="cpu")),
        "workers-strings": line(entry(2, workers=["x", None, 3])),
        "workers-dict": line(entry(2, workers={"0": 1})),
        "mode-unknown": line(entry(2, spec__mode="teleport")),
        "bool-as-number": line(entry(2, interpreter__gil_enabled=7)),
        "format-99": line(entry(2, format=99)),
        "top-level-list": b"[1, 2, 3]\n",
        "top-level-null": b"null\n",
        "empty-object": b"{}\n",
        "deep-nesting": _nested(200_000),
        "deep-object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n",
        "not-utf8": b'{"format": 1, "machine": {"hostname": "\xff\xfe\x80"}}\n' + b"\xff\xfe\xfd\n",
        "nul-bytes": b"\x00" * 100 + b"\n",
        "truncated-line": line(entry(2))[:60] + b"\n",
        "long-number": b'{"format": 1, "wall_s": ' + b"9" * 100_000 + b"}\n",
    }
    if quick:
        keep = ("ts-1e300", "wall-inf", "version-number", "workers-huge-int", "hostname-list",
                "deep-nesting", "not-utf8", "spec-string", "long-number")
        cases = {k: v for k, v in cases.items() if k in keep}
    return cases


def class4(h: Harness, quick: bool) -> Tally:
    t = Tally("4 absurd JSON values")

    def one(item) -> None:
        name, bad = item
        label = f"absurd {name} import"
        case = h.case_dir(label)
        env = h.env(case, new_mark(label))
        src = write(case / "import.jsonl", line(entry(0)), bad, line(entry(1)))
        r = run(GIL_TUI + ["results", "--import", str(src)], env)
        t.input(label, judge(r))
        views(h, case, env, label, t, formats=("", "--json", "--csv"))
        label = f"absurd {name} in history"
        case = h.case_dir(label)
        env = h.env(case, new_mark(label))
        write(history(case), line(entry(0)), bad, line(entry(1)))
        views(h, case, env, label, t, formats=("", "--json"))
        r = run(GIL_TUI + ["results", "--json"], env)
        if judge(r) is None:
            try:
                n = len(json.loads(r.out).get("entries", []))
                t.input(f"{label}: good lines kept", None if n >= 2 else f"only {n} of 2 good runs listed")
            except (ValueError, AttributeError) as exc:
                t.input(f"{label}: good lines kept", f"results --json is not JSON: {exc}")
        r = run(GIL_TUI + ["results", "--clear"], env)
        reason = judge(r)
        if reason is None and history(case).exists() and history(case).stat().st_size:
            reason = "history not empty after --clear"
        t.input(f"{label} --clear", reason)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(one, absurd_lines(quick).items()))
    return t


# ----------------------------------------------------------------- class 5

def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def class5(h: Harness, quick: bool) -> Tally:
    t = Tally("5 odd import files")
    case = h.case_dir("import files")
    fifo = case / "fifo"
    os.mkfifo(fifo)
    huge = case / "huge.jsonl"
    with open(huge, "wb") as f:
        f.truncate(60 << 20)  # 60 MiB of NULs, sparse
    big_valid = case / "big_valid.jsonl"
    one = line(entry(3))
    with open(big_valid, "wb") as f:
        f.write(one * ((52 << 20) // len(one) + 1))  # just over the 50 MiB cap, every line valid
    link = case / "link-to-zero"
    link.symlink_to("/dev/zero")
    empty = write(case / "empty.jsonl", b"")
    targets = {"/dev/zero": "/dev/zero", "fifo": str(fifo), "directory": str(case),
               "sparse 60 MiB": str(huge), "valid 52 MiB": str(big_valid), "symlink to /dev/zero": str(link),
               "empty file": str(empty), "/dev/null": "/dev/null", "missing": str(case / "nope"),
               "/proc/self/mem": "/proc/self/mem", "/dev/urandom": "/dev/urandom"}
    if quick:
        targets.pop("valid 52 MiB")
    for name, path in targets.items():
        env = h.env(case, new_mark(name))
        r = run(GIL_TUI + ["results", "--import", path], env, timeout=30, preexec=_cap_memory)
        reason = judge(r, ok_codes=(0, 1, 2))  # 1: "failed" (cannot read, too big), one line
        t.notes.append(f"import {name}: rc {r.rc}, {first_line(r.err)[:90]}")
        if reason is None and name not in ("empty file", "/dev/null") and r.rc == 0:
            reason = "accepted with exit 0"
        t.input(f"import {name}", reason)
    r = run(GIL_TUI + ["results"], h.env(case, new_mark("after")), timeout=30)
    t.input("results after the odd imports", judge(r))
    return t
