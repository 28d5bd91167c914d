"""pytest plugin (entry point `pytest11: accelsim`): timing regression in any repository.

- `pytest --accelsim-golden DIR` adds one test per pair of DIR/regress.yaml (repeatable);
  `--accelsim-update` rewrites the goldens instead of failing.
- The fixture `accelsim_regress(directory)` runs a suite from inside a test; a relative
  directory is taken relative to the test file. Without the option nothing is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("accelsim", "accelsim timing regression")
    group.addoption("--accelsim-golden", action="append", default=[], metavar="DIR",
                    help="add a test per (config, workload) pair of DIR/regress.yaml")
    group.addoption("--accelsim-update", action="store_true",
                    help="rewrite accelsim golden files instead of failing on differences")


class GoldenMismatch(Exception):
    """A pair moved beyond tolerance; the message is the diff."""


def _run(directory: Path, pair_name: str | None, update: bool):
    from accelsim.regress.compare import check

    return check(directory, update=update, only=pair_name)


class GoldenItem(pytest.Item):
    def __init__(self, *, directory: Path, pair: str, **kwargs):
        super().__init__(**kwargs)
        self.directory, self.pair = directory, pair

    def runtest(self) -> None:
        report = _run(self.directory, self.pair, self.config.getoption("accelsim_update"))
        if not report.ok:
            raise GoldenMismatch(report.text())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.directory / "regress.yaml", None, f"accelsim golden {self.pair}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    directories = config.getoption("accelsim_golden")
    if not directories:
        return
    from accelsim.errors import InputError
    from accelsim.regress.suite import load_suite

    base = Path(config.invocation_params.dir)
    for directory in directories:
        path = base / directory
        try:
            pairs = load_suite(path)
        except InputError as exc:
            raise pytest.UsageError(f"--accelsim-golden: {exc.message}") from None
        for pair in pairs:
            items.append(GoldenItem.from_parent(session, name=f"accelsim-golden[{pair.name}]",
                                                directory=path, pair=pair.name))


@pytest.fixture
def accelsim_regress(request):
    """`accelsim_regress(directory)` fails the test with the diff if timing moved."""

    def run(directory: str | Path, *, update: bool | None = None):
        path = Path(directory)
        if not path.is_absolute():
            path = Path(request.path).parent / path
        if update is None:
            update = request.config.getoption("accelsim_update")
        report = _run(path, None, update)
        if not report.ok:
            pytest.fail(report.text(), pytrace=False)
        return report

    return run
