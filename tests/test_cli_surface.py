"""The CLI around the work: progress only on a terminal, completion scripts, help with examples."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import time

import pytest

from accelsim.cli import build_parser, main
from accelsim.progress import bar, status
from tests.conftest import ROOT


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_shows_only_on_a_terminal_past_its_delay():
    tty = Terminal()
    with status("accelsim: simulating x", after_s=0.05, stream=tty):
        time.sleep(0.3)
    text = tty.getvalue()
    assert "\raccelsim: simulating x (0 s)" in text and text.endswith("\r")  # cleared at the end
    for stream, kwargs in ((io.StringIO(), {}), (Terminal(), {"enabled": False}), (Terminal(), {"after_s": 5})):
        with status("x", stream=stream, **{"after_s": 0.0, **kwargs}):
            time.sleep(0.1)
        assert stream.getvalue() == ""
    pipe = io.StringIO()
    with bar(3, "regress", stream=pipe) as progress:
        progress.update(3)
    assert pipe.getvalue() == ""


def test_run_and_regress_print_no_progress_into_pipes(tmp_path, capsys):
    assert main(["run", str(ROOT / "hwconfigs" / "systolic_32x32.yaml"), str(ROOT / "workloads" / "toy3.yaml")]) == 0
    out = capsys.readouterr()
    assert out.err == "" and "\r" not in out.out
    assert main(["regress", str(ROOT / "tests" / "golden"), "-q"]) == 0
    assert "\r" not in capsys.readouterr().err


@pytest.mark.parametrize("shell, marker", [("bash", "complete"), ("zsh", "compdef"), ("fish", "complete --command accelsim")])
def test_completion_scripts(shell, marker, capsys):
    pytest.importorskip("argcomplete")
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert marker in script and "accelsim" in script


def test_completion_answers_from_the_parser(tmp_path):
    pytest.importorskip("argcomplete")
    answers = tmp_path / "answers"

    def complete(line: str) -> list[str]:
        env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
               "_ARGCOMPLETE_STDOUT_FILENAME": str(answers), "_ARGCOMPLETE_IFS": "\n"}
        subprocess.run([sys.executable, "-m", "accelsim"], env=env, check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return [a.strip() for a in answers.read_text().split("\n") if a.strip()]

    assert complete("accelsim ru") == ["run"]
    assert complete("accelsim plot x --kind ro") == ["roofline"]
    assert "--fidelity" in complete("accelsim run a b --fi")


@pytest.mark.parametrize("command", ["run", "check", "plot"])
def test_help_has_a_description_and_examples_that_parse(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "examples:" in text
    description = text.split("\n\n")[1]
    assert len(description.split()) > 15
    examples = text.split("examples:\n", 1)[1].replace("\\\n", " ")
    lines = [line.split("#")[0].split(">")[0].strip() for line in examples.splitlines() if line.strip()]
    assert len(lines) >= 2
    parser = build_parser()
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "accelsim" and argv[1] in (command, "run")
        parser.parse_args(argv[1:])  # exits on an option the parser does not know
