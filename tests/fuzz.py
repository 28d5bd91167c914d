"""A seeded fuzzer of everything a user types: mutated hardware configs, workloads, SCALE-Sim
.cfg files and topology CSVs, sweep specs, --set overrides, YAML attacks and odd arguments.

Each case is a few files and a command line, run in this process through `accelsim.cli.main`
under a time limit. The promise it checks: every case ends in exit 0, or in exit 2 with one
bounded error line; never a traceback, a hang, a memory blow-up or an unbounded message.

    python -m tests.fuzz --cases 3000 --seed 1     # counts by outcome, then the failures

The test suite runs a few hundred cases (tests/test_fuzz.py), thousands under `-m slow`.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import io
import os
import random
import resource
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HWCONFIGS = sorted((ROOT / "hwconfigs").glob("*.yaml"))
SMALL_HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
SMALL_WORKLOADS = [ROOT / "workloads" / "toy3.yaml", ROOT / "workloads" / "lenet5.yaml"]
SCALESIM = ROOT / "tests" / "data" / "scalesim"
KINDS = ("hardware", "workload", "cfg", "topology", "sweep", "set", "yaml_attack", "args")
MAX_LINE = 1000          # characters in one error line
TIMEOUT_S = 20.0         # per case; a simulation of these small inputs takes well under a second
GOOD = ("ok", "error")

ODD_VALUES = [0, -1, 1, 2, 3, 7, 64, 2**31, 2**63, 2**64 + 1, 10**30, -(2**63), 0.5, 1e-300, 1e18, 1e308,
              float("inf"), float("-inf"), float("nan"), -0.0, True, False, None, "", "x", "x" * 20000, "1e3",
              "\u0663\u0662", "0x10", "NaN", "unlimited", [], [1, 2], {}, {"a": 1}, {"scheme": {}},
              [{"scheme": {}}], "../../etc/passwd", "\u202e\u0000", "a\nb", 10**400]
ODD_TEXT = ["0", "-1", "1", "2", "32", "0.5", "1e18", "1e-9", "inf", "-inf", "nan", ".inf", "", " ", "x",
            "9" * 400, "9" * 5000, "\u0663\u0662", "\uff13", "0x20", "3.0", "1_000", "true", "null", "~",
            "[1, 2", "{a: 1}", "*a", "&a 1", "!!python/object/apply:os.system [ls]", "'unterminated",
            "x" * 100000, "1,2", "\t", "CALC", "USER", "os", "ws", "is", "\ufeff32", "32 # c", "2**31"]
EXPRESSIONS = ["compute.rows <= 32", "compute.rows * compute.cols <= 4096", "workload != 'toy3'", "1 +",
               "__import__('os')", "'x' * 10**9", "(2 ** 1024) ** 1024", "nosuch > 1", "(" * 500 + "1" + ")" * 500,
               "1 + " * 3000 + "1", "compute.rows ** 99999", "log2(0)", "min()", "1 / 0", "lambda: 1",
               "compute.rows if compute.cols else 1", "[x for x in (1,)]", "\x00", 5, None, [1]]


@dataclass
class Case:
    kind: str
    seed: int
    files: dict[str, bytes]
    argv: list[str]              # "{dir}" stands for the case's directory
    note: str = ""


@dataclass
class Outcome:
    name: str                    # ok | error | traceback | hang | memory | unbounded | exit_N
    detail: str = ""
    seconds: float = 0.0
    case: Case | None = field(default=None, repr=False)


# --- mutation helpers -------------------------------------------------------------------------

def _paths(node, prefix=()):
    """Every key path in a nested dict/list (containers included)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _odd_value(rng: random.Random, current=None):
    if isinstance(current, (int, float)) and not isinstance(current, bool) and rng.random() < 0.4:
        factor = rng.choice([2, 0.5, 10, 1000, -1, 0, 1e-3, 2**20])
        value = current * factor
        return int(value) if isinstance(current, int) and value == int(value) else value
    return copy.deepcopy(rng.choice(ODD_VALUES))


def perturb_numbers(tree, rng: random.Random):
    """Mild mutation: scale a few numbers by plausible factors, so many cases still simulate
    and reach the code past validation."""
    tree = copy.deepcopy(tree)
    leaves = [p for p in _paths(tree) if p and isinstance(_get(tree, p), (int, float))
              and not isinstance(_get(tree, p), bool)]
    for path in rng.sample(leaves, min(len(leaves), rng.randint(1, 3))):
        parent, value = _get(tree, path[:-1]), _get(tree, path)
        new = value * rng.choice([2, 4, 0.5, 0.25, 3, 16])
        parent[path[-1]] = max(1, int(new)) if isinstance(value, int) else new
    return tree


def mutate_tree(tree, rng: random.Random, n: int | None = None):
    if n is None and rng.random() < 0.3:
        return perturb_numbers(tree, rng)
    tree = copy.deepcopy(tree)
    for _ in range(n or rng.randint(1, 3)):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent, last = _get(tree, path[:-1]), path[-1]
        op = rng.random()
        if op < 0.65:
            parent[last] = _odd_value(rng, parent[last])
        elif op < 0.75:
            del parent[last]
        elif op < 0.82 and isinstance(parent, dict):
            parent[rng.choice(["colour", "rowz", "<<", "type", "x" * 300, "1", "ñ"])] = _odd_value(rng)
        elif op < 0.88 and isinstance(parent, dict) and isinstance(last, str):
            parent[last + rng.choice(["s", "_", "X"])] = parent.pop(last)
        elif op < 0.94 and isinstance(parent, list):
            parent.insert(rng.randrange(len(parent) + 1), copy.deepcopy(parent[last]))
        else:
            parent[last] = rng.choice([{}, [], "x", 1, None])
    return tree


def mutate_text(data: bytes, rng: random.Random) -> bytes:
    op = rng.random()
    if op < 0.2:
        return b"\xef\xbb\xbf" + data
    if op < 0.35:
        return data[: rng.randrange(len(data) + 1)]
    if op < 0.5 and data:
        i = rng.randrange(len(data))
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
    if op < 0.6:
        return data.replace(b"\n", b"\r\n")
    if op < 0.7 and data:
        i = rng.randrange(len(data))
        return data[:i] + rng.choice([b"\t", b"\x00", b"\xff\xfe", b"\\", b"'", b'"', b"&a ", b"*a "]) + data[i:]
    return data


def _dump(tree) -> bytes:
    try:
        return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True).encode("utf-8")
    except (yaml.YAMLError, ValueError):
        return repr(tree).encode("utf-8", "replace")


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- case generators --------------------------------------------------------------------------

def _hardware(rng):
    base = rng.choice(HWCONFIGS)
    data = _dump(mutate_tree(_load(base), rng))
    if rng.random() < 0.3:
        data = mutate_text(data, rng)
    wl = rng.choice(SMALL_WORKLOADS)
    argv = ["check", "{dir}/hw.yaml"] if rng.random() < 0.6 else ["run", "{dir}/hw.yaml", str(wl), "-q"]
    return {"hw.yaml": data}, argv, base.name


def _workload(rng):
    base = rng.choice(SMALL_WORKLOADS)
    tree = _load(base)
    if rng.random() < 0.3:  # shapes that need not chain, so perturbed ones still simulate
        tree = perturb_numbers({**tree, "chain": False}, rng)
    else:
        tree = mutate_tree(tree, rng)
    data = _dump(tree)
    if rng.random() < 0.3:
        data = mutate_text(data, rng)
    hw = rng.choice([SMALL_HW, ROOT / "hwconfigs" / "isaac.yaml", ROOT / "hwconfigs" / "eyeriss.yaml"])
    return {"wl.yaml": data}, ["run", str(hw), "{dir}/wl.yaml", "-q"], f"{base.name} on {hw.name}"


def _scalesim_files():
    cfgs = sorted(SCALESIM.glob("*/cfg_*.cfg"))
    topos = sorted(p for p in SCALESIM.glob("*/*.csv")  # the validation cases: small, quick to simulate
                   if "REPORT" not in p.name and "layout" not in p.name and p.parent.name != "topologies")
    return cfgs, topos


def _mutate_lines(text: str, rng, cell_split: str | None = None) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.6:
            sep = cell_split or ("=" if "=" in lines[i] else ":")
            if sep in lines[i]:
                parts = lines[i].split(sep)
                j = rng.randrange(1, len(parts)) if len(parts) > 1 else 0
                parts[j] = rng.choice(ODD_TEXT)
                lines[i] = sep.join(parts)
            else:
                lines[i] = rng.choice(ODD_TEXT)
        elif op < 0.75:
            del lines[i]
        elif op < 0.85:
            lines.insert(i, lines[i])
        else:
            lines.insert(i, rng.choice(["[junk", "[architecture_presets]", "x = 1", ",,,,", "", "\x00"]))
    return "\n".join(lines) + ("\n" if rng.random() < 0.8 else "")


def _cfg(rng):
    cfgs, topos = _scalesim_files()
    base = rng.choice(cfgs)
    data = _mutate_lines(base.read_text(encoding="utf-8"), rng).encode("utf-8")
    if rng.random() < 0.3:
        data = mutate_text(data, rng)
    if rng.random() < 0.6:
        return {"hw.cfg": data}, ["check", "{dir}/hw.cfg"], base.parent.name
    topo = _small_topology(rng.choice(topos))
    return {"hw.cfg": data, "topo.csv": topo}, ["run", "{dir}/hw.cfg", "{dir}/topo.csv", "-q"], base.parent.name


def _small_topology(path: Path) -> bytes:
    lines = path.read_text(encoding="utf-8").splitlines()
    return ("\n".join(lines[:4]) + "\n").encode("utf-8")  # header + 3 layers: quick to simulate


def _topology(rng):
    _, topos = _scalesim_files()
    base = rng.choice(topos)
    data = _mutate_lines(_small_topology(base).decode(), rng, cell_split=",").encode("utf-8")
    if rng.random() < 0.3:
        data = mutate_text(data, rng)
    return {"topo.csv": data}, ["run", str(SMALL_HW), "{dir}/topo.csv", "-q"], base.parent.name


AXIS_PATHS = ["compute.rows", "compute.cols", "compute.dataflow", "memory.dram.bandwidth_bytes_per_cycle",
              "memory.ifmap_sram.capacity_kib", "workload.defaults.batch", "clock_mhz", "compute.nosuch",
              "bad path", "", "x" * 500, "workload.layers", "memory", "compute.rows.deeper"]


def _axis_value(rng):
    op = rng.random()
    if op < 0.4:
        return [_odd_value(rng) if rng.random() < 0.5 else rng.choice([8, 16, 32]) for _ in range(rng.randint(1, 2))]
    small = [1, 2, 4, 8, 16]
    if op < 0.65:
        return {"range": {"start": rng.choice(small + [0, -1, 1e308, "x"]),
                          "stop": rng.choice(small + [2**31, 10**400, float("inf")]),
                          "step": rng.choice([4, 8, 0, -1, 1e-308, 0.5])}}
    if op < 0.9:
        spacing = ({"num": rng.choice([2, 3, 0, 1, -1, 2**31, 1.5, "x"])} if rng.random() < 0.5
                   else {"factor": rng.choice([2, 4, 1, 0.5, 1e-300, float("nan")])})
        return {"logrange": {"start": rng.choice([1, 2, 8, 0, -1, 1e-300]),
                             "stop": rng.choice([8, 16, 32, 2**70, 1e308]), **spacing}}
    return _odd_value(rng)


def _sweep(rng):
    spec = {"hardware": str(SMALL_HW) if rng.random() < 0.85 else rng.choice(["x" * 5000, "/", "nosuch.yaml", "", 7]),
            "workloads": [str(SMALL_WORKLOADS[0])] if rng.random() < 0.9 else rng.choice([[], "x", [1], ["/"]])}
    spec["axes"] = {rng.choice(AXIS_PATHS): _axis_value(rng) for _ in range(rng.randint(0, 2))}
    if rng.random() < 0.4:
        spec["sampling"] = {"method": rng.choice(["random", "grid", "x"]),
                            "points": rng.choice([1, 2, 0, -1, 2**40, 10**30, "x"]),
                            "seed": rng.choice([0, 1, -1, 2**70, 1.5])}
    if rng.random() < 0.4:
        spec["constraints"] = [rng.choice(EXPRESSIONS) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        spec["seed"] = rng.choice([0, 1, -1, 2**63, 2**70, "x", 1.5, True])
    if rng.random() < 0.2:
        spec["fidelity"] = rng.choice(["fine", "fast", "x", 1])
    if rng.random() < 0.2:
        spec = mutate_tree(spec, rng, 1)
    data = _dump(spec)
    if rng.random() < 0.15:
        data = mutate_text(data, rng)
    return {"spec.yaml": data}, ["sweep", "{dir}/spec.yaml", "-o", "{dir}/out", "-j", "1", "-q"], ""


def _set(rng):
    base = rng.choice(HWCONFIGS)
    tree = _load(base)
    leaves = [".".join(map(str, p)) for p in _paths(tree) if p and all(isinstance(x, str) for x in p)]
    key = rng.choice(leaves) if rng.random() < 0.7 else rng.choice(
        ["compute", "compute.rows.x", "", ".", "a..b", "x" * 1000, "memory.nosuch.x", "0", "compute.tile.0"])
    value = rng.choice(ODD_TEXT)
    pair = f"{key}={value}" if rng.random() < 0.95 else key
    if rng.random() < 0.7:
        return {}, ["check", str(base), "--set", pair], base.name
    return {}, ["run", str(base), str(SMALL_WORKLOADS[0]), "-q", "--set", pair], base.name


def _laughs(levels, width):
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _yaml_attack(rng):
    depth = rng.choice([50, 99, 101, 500, 999, 1001, 5000, 20000])
    docs = [
        _laughs(rng.randint(3, 12), rng.randint(2, 12)),
        "[" * depth + "]" * depth,
        "".join(" " * i + "a:\n" for i in range(min(depth, 3000))) + " " * min(depth, 3000) + "b: 1\n",
        "name: " + "9" * rng.choice([4000, 4301, 5000, 100000]) + "\n",
        "name: " + "x" * rng.choice([10**5, 10**6, 5 * 10**6]) + "\n",
        "? [a, b]\n: 1\n", "? {a: 1}\n: 1\n",
        "b: &b {name: t}\nx: {<<: *b}\n", "x: {<<: 3}\n", "x: {<<: [*nosuch]}\n",
        "a: !!python/object/apply:os.system [ls]\n", "a: !!binary aGVsbG8=\n", "a: !!set {1, 2}\n",
        "name: t\n---\nname: u\n", "&a [*a]\n", "", "# only a comment\n", "---\n", "\x00\x01\x02",
        "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"), "name: \u202e\n", "a: 1\na: 2\n",
        "- 1\n- 2\n", "42\n", "name: [unclosed\n", "\t- x\n", "name: " + "[a, " * 90 + "]" * 90 + "\n",
    ]
    text = rng.choice(docs)
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if rng.random() < 0.1:
        data = "\ufeff".encode("utf-16") + data
    target = rng.random()
    if target < 0.4:
        return {"a.yaml": data}, ["check", "{dir}/a.yaml"], "as hardware"
    if target < 0.7:
        return {"a.yaml": data}, ["run", str(SMALL_HW), "{dir}/a.yaml", "-q"], "as workload"
    if target < 0.9:
        return {"a.yaml": data}, ["sweep", "{dir}/a.yaml", "-o", "{dir}/out", "-j", "1", "-q"], "as sweep spec"
    return {}, ["check", str(SMALL_HW), "--set", "compute.rows=" + data.decode("utf-8", "replace")[:200000]], "--set"


def _args(rng):
    hw, wl = str(SMALL_HW), str(SMALL_WORKLOADS[0])
    pool = [
        ["run", hw, wl, "--fidelity", rng.choice(["x", "fine", ""])],
        ["run", hw, wl, "--seed", rng.choice(["-1", "1e3", "9" * 30, "0", "x", str(2**63 - 1), str(2**63)])],
        ["run", hw, wl, "--format", rng.choice(["xlsx", "", ",", "csv,csv", "json", "x" * 10000]), "-o", "{dir}/o"],
        ["run", hw, wl, "-o", rng.choice(["{dir}/f", "{dir}/f/sub", "", "/sys/x", "{dir}/" + "d" * 300])],
        ["run", hw, wl, "--functional-vectors", rng.choice(["0", "-5", "x"]), "--functional"],
        ["run", hw, rng.choice(["nosuch.yaml", "{dir}", "/dev/null", str(ROOT / "README.md"), "x.onnx", "x.csv"])],
        ["run", rng.choice(["nosuch.cfg", "{dir}", "/dev/null", str(ROOT / "README.md"), "x" * 5000]), wl],
        ["trace", hw, wl, "-o", "{dir}/t.json", "--start", rng.choice(["5", "-1", "x"]), "--end", rng.choice(["3", "9"])],
        ["trace", hw, wl, "-o", "{dir}/t.json", "--component", rng.choice(["nosuch", "*", "pe_*", ""]), "-q"],
        ["trace", hw, wl, "-o", "{dir}/t.json", "--layer", rng.choice(["nosuch", "*", "x" * 5000]), "-q"],
        ["sweep", str(ROOT / "sweeps" / "array_shapes.yaml"), "-o", "{dir}/f", "-j", rng.choice(["0", "-1", "x"])],
        ["sweep", str(ROOT / "sweeps" / "array_shapes.yaml"), "-o", "{dir}/f", "-q"],
        ["check", hw, "--json", "--set", rng.choice(["compute.rows=64", "=1", "x", "compute.rows="])],
        [rng.choice(["nosuch", "", "-x", "--version"])],
        ["regress", rng.choice(["nosuch.yaml", "{dir}/f"])],
        ["compress", rng.choice(["nosuch.yaml", "{dir}/f"]), "-o", "{dir}/c"],
    ]
    return {"f": b"a file\n"}, rng.choice(pool), ""


GENERATORS = {"hardware": _hardware, "workload": _workload, "cfg": _cfg, "topology": _topology,
              "sweep": _sweep, "set": _set, "yaml_attack": _yaml_attack, "args": _args}


def make_case(kind: str, seed: int) -> Case:
    rng = random.Random(f"{kind}:{seed}")
    files, argv, note = GENERATORS[kind](rng)
    return Case(kind, seed, files, argv, note)


# --- running ----------------------------------------------------------------------------------

class _Hang(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` swallows it."""


def _alarm(signum, frame):
    raise _Hang


def run_case(case: Case, workdir: Path, timeout: float = TIMEOUT_S) -> Outcome:
    from accelsim.cli import main

    for name, data in case.files.items():
        (workdir / name).write_bytes(data)
    argv = [a.replace("{dir}", str(workdir)) for a in case.argv]
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(workdir)  # `-o ""` or a relative path writes into the case's directory, never the repository
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # overflow in numpy is a bug to find, not noise
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except _Hang:
        return Outcome("hang", f"over {timeout:g} s", timeout, case)
    except MemoryError:
        return Outcome("memory", "MemoryError", time.perf_counter() - started, case)
    except BaseException as exc:  # noqa: BLE001 - anything escaping main is the finding
        return Outcome("traceback", f"{type(exc).__name__}: {str(exc)[:300]}", time.perf_counter() - started, case)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
    seconds = time.perf_counter() - started
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    if code == 0:
        return Outcome("ok", "", seconds, case)
    if code == 2:
        errors = [line for line in lines if ": error: " in line]
        others = [line for line in lines if ": error: " not in line and ": notice: " not in line]
        if len(errors) != 1 or others or any(len(line) > MAX_LINE for line in lines):
            longest = max((len(line) for line in lines), default=0)
            return Outcome("unbounded", f"{len(lines)} lines, longest {longest}: {err.getvalue()[:300]!r}",
                           seconds, case)
        return Outcome("error", errors[0][:200], seconds, case)
    return Outcome(f"exit_{code}", err.getvalue()[:300], seconds, case)


@contextlib.contextmanager
def memory_limit(extra_bytes: int = 3 * 2**30):
    """Cap this process's address space at its current size plus `extra_bytes`, so a blow-up
    is a MemoryError (an outcome) rather than the machine swapping."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/status") as status:
            vm = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration):
        yield
        return
    limit = vm + extra_bytes if hard == resource.RLIM_INFINITY else min(hard, vm + extra_bytes)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@functools.cache  # once per process: the compiled code is then cached on disk and in memory
def warm_up() -> None:
    """Run one unmutated input of each simulating path, untimed, so that Numba's one-off
    compilation in a fresh clone (about 13 s of CPU for the SCALE-Sim memory kernels) is
    not charged to whichever fuzz case happens to reach a kernel first as a "hang"."""
    cfgs, topos = _scalesim_files()
    toy = ROOT / "workloads" / "toy3.yaml"
    cases = [{}, ["run", str(SMALL_HW), str(toy), "-q"]], \
        [{"topo.csv": _small_topology(topos[0])}, ["run", str(cfgs[0]), "{dir}/topo.csv", "-q"]], \
        [{}, ["run", str(ROOT / "hwconfigs" / "isaac.yaml"), str(toy), "-q"]], \
        [{}, ["run", str(ROOT / "hwconfigs" / "eyeriss.yaml"), str(toy), "-q"]]
    for files, argv in cases:
        with tempfile.TemporaryDirectory(prefix="accelsim-fuzz-") as tmp:
            outcome = run_case(Case("warm-up", 0, files, argv), Path(tmp), timeout=600.0)
        if outcome.name != "ok":
            raise RuntimeError(f"fuzz warm-up input failed: {describe(outcome)}")


def run_cases(kinds, count: int, seed: int, timeout: float = TIMEOUT_S) -> list[Outcome]:
    """`count` cases of each kind, case seeds seed*100000 + i (after an untimed warm-up)."""
    outcomes = []
    warm_up()
    with memory_limit():
        for kind in kinds:
            for i in range(count):
                case = make_case(kind, seed * 100_000 + i)
                with tempfile.TemporaryDirectory(prefix="accelsim-fuzz-") as tmp:
                    outcomes.append(run_case(case, Path(tmp), timeout))
    return outcomes


def describe(outcome: Outcome) -> str:
    case = outcome.case
    argv = " ".join(a if len(a) < 80 else a[:60] + "..." for a in case.argv)
    return f"[{case.kind} seed {case.seed}{' ' + case.note if case.note else ''}] {outcome.name}: " \
           f"{outcome.detail[:300]} :: accelsim {argv}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100, help="cases per input kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S)
    args = parser.parse_args(argv)
    kinds = args.kind or KINDS
    started = time.perf_counter()
    outcomes = run_cases(kinds, args.cases, args.seed, args.timeout)
    by_kind = Counter((o.case.kind, o.name) for o in outcomes)
    print(f"{len(outcomes)} cases in {time.perf_counter() - started:.0f} s (seed {args.seed})")
    print("by outcome:", dict(Counter(o.name for o in outcomes)))
    for kind in kinds:
        print(f"  {kind:12s}", {name: n for (k, name), n in sorted(by_kind.items()) if k == kind})
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"slowest case: {slowest.seconds:.1f} s ({describe(slowest)[:200]})")
    bad = [o for o in outcomes if o.name not in GOOD]
    for outcome in bad:
        print(describe(outcome))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
