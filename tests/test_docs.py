"""Generated documentation stays in step with the code it documents."""

from accelsim.config.reference import render
from tests.conftest import ROOT


def test_config_reference_is_current():
    on_disk = (ROOT / "docs" / "config-reference.md").read_text()
    assert on_disk == render(), "regenerate: python -m accelsim.config.reference > docs/config-reference.md"


# --- every command in README.md and docs/*.md runs as written ---------------------------------

import os  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"(accelsim|python|pytest) ")
# a synopsis, not a command: upper-case placeholders (HW, WORKLOAD, DIR, N), [optional] or <name>
PLACEHOLDER = re.compile(r"\b(?:[A-Z][A-Z_0-9]*[A-Z]|N)\b|[\[<|]")
# runnable but not run here, each for a reason
EXEMPT = {
    "python -m pip install": "installs the package (CI runs this line itself)",
    "python -m pytest": "is the test suite itself",
    "pytest --accelsim-golden timing/": "an example for the reader's own repository (tests/test_regress.py runs the plugin)",
    # tests never rewrite source files; these two regenerate parts of docs/ by design
    "python scripts/reproduce_seeds.py": "rewrites the generated section of docs/validation.md",
    "python scripts/nand_spin_training.py": "rewrites docs/img/training_nand_spin.png",
    "python scripts/bench_llm.py": "a benchmark of minutes per run (LLaMA-2-7B, three repeats per case)",
}
SLOW = ("accelsim sweep", "resnet", "vgg16", "alexnet", "bert", "mobilenet", "python scripts/", "accelsim compress")
INLINE = re.compile(r"`((?:accelsim|python|pytest) [^`]+)`")


def doc_commands(path: Path) -> list[tuple[int, str]]:
    """(line, command) for each command of a fenced block and each complete inline one, in order."""
    out, fence, pending = [], None, ""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if text.startswith("```"):
            fence = None if fence is not None else (text[3:] or "text")
            continue
        if fence is None:
            for match in INLINE.finditer(line):
                command = match.group(1).strip()
                if not _fragment(shlex.split(command)):
                    out.append((number, command))
            continue
        text = f"{pending} {text}".strip() if pending else text
        pending = ""
        if text.endswith("\\"):
            pending = text[:-1]
            continue
        text = text.removeprefix("$ ")
        if COMMAND.match(text):
            out.append((number, re.sub(r"\s+#.*$", "", text)))
    return out


def _fragment(argv: list[str]) -> bool:
    """`accelsim plot` or `accelsim run --set` in prose names a command or option; it is no command."""
    return argv[0] == "accelsim" and (len(argv) < 3 or argv[2].startswith("-"))


def runnable(command: str) -> bool:
    return not PLACEHOLDER.search(command) and not any(command.startswith(p) for p in EXEMPT)


def _all_commands():
    return [(path, line, command) for path in DOCS for line, command in doc_commands(path) if runnable(command)]


def test_docs_have_commands_to_run():
    commands = _all_commands()
    assert len(commands) >= 15, commands
    assert all(c.split()[0] in ("accelsim", "python", "pytest") for _, _, c in commands)


def _workdir(tmp_path: Path) -> Path:
    """A scratch directory that looks like the repository root (commands use relative paths
    and write under out/)."""
    for name in ("hwconfigs", "workloads", "sweeps", "tests", "scripts", "docs", "accelsim"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def _run(command: str, cwd: Path) -> None:
    argv = shlex.split(command)
    if argv[0] == "accelsim":
        argv = [sys.executable, "-m", "accelsim", *argv[1:]]
    elif argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    redirect = None
    if ">" in argv:  # e.g. `python -m accelsim.config.reference > docs/config-reference.md`: compare, never write
        at = argv.index(">")
        argv, redirect = argv[:at], argv[at + 1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=1800, env=env)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    if redirect is not None:
        assert proc.stdout == (ROOT / redirect).read_text(), f"{command}: output differs from {redirect}"


def _doc_ids():
    return [p.relative_to(ROOT).as_posix() for p in DOCS]


@pytest.mark.parametrize("doc", DOCS, ids=_doc_ids())
def test_fast_doc_commands_run_as_written(doc, tmp_path):
    """The quick commands of each page, in the page's order; a command needing what a slow one
    writes (under out/) waits for the slow run."""
    cwd = _workdir(tmp_path)
    produced_by_slow: set[str] = set()
    for _line, command in doc_commands(doc):
        if not runnable(command):
            continue
        outputs = re.findall(r"out/[\w./-]+", command)
        if any(s in command for s in SLOW):
            produced_by_slow.update(outputs)
            continue
        if any(o.split(".")[0].rstrip("/") in {p.split(".")[0].rstrip("/") for p in produced_by_slow} for o in outputs):
            continue
        _run(command, cwd)


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=_doc_ids())
def test_every_doc_command_runs_as_written(doc, tmp_path):
    cwd = _workdir(tmp_path)
    for _line, command in doc_commands(doc):
        if runnable(command):
            _run(command, cwd)
