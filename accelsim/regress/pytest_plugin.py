"""pytest plugin (entry point `pytest11: accelsim`): timing regression in any repository.

- `pytest --accelsim-golden DIR` adds one test per pair of DIR/regress.yaml (repeatable);
  `--accelsim-update` rewrites the goldens instead of failing. Each test's node id is
  `DIR/regress.yaml::<pair>`, so one pair runs with
  `pytest --accelsim-golden DIR DIR/regress.yaml::<pair>`; all carry the mark `accelsim_golden`.
- The fixture `accelsim_regress(directory)` runs a suite from inside a test; a relative
  directory is taken relative to the test file. Without the option nothing is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

UPDATE_FLAG = "--accelsim-update"
MARK = "accelsim_golden"


def pytest_addoption(parser) -> None:
    group = parser.getgroup("accelsim", "accelsim timing regression")
    group.addoption("--accelsim-golden", action="append", default=[], metavar="DIR",
                    help="add a test per (config, workload) pair of DIR/regress.yaml")
    group.addoption(UPDATE_FLAG, action="store_true",
                    help="rewrite accelsim golden files instead of failing on differences")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", f"{MARK}: an accelsim golden timing pair (from --accelsim-golden)")


class GoldenMismatch(Exception):
    """A pair moved beyond tolerance, or has no golden file; the message says which."""


def _run(directory: Path, pair_name: str | None, update: bool):
    from accelsim.regress.compare import check

    return check(directory, update=update, only=pair_name)


def _suites(config) -> list[Path]:
    base = Path(config.invocation_params.dir)
    return [(base / d / "regress.yaml").resolve() for d in config.getoption("accelsim_golden")]


class GoldenFile(pytest.File):
    """A suite's regress.yaml: one item per pair."""

    def collect(self):
        from accelsim.errors import InputError
        from accelsim.regress.suite import load_suite

        try:
            pairs = load_suite(self.path.parent)
        except InputError as exc:
            raise pytest.UsageError(f"--accelsim-golden: {exc.message}") from None
        for pair in pairs:
            item = GoldenItem.from_parent(self, name=pair.name, directory=self.path.parent, pair=pair.name)
            item.add_marker(MARK)
            yield item


class GoldenItem(pytest.Item):
    def __init__(self, *, directory: Path, pair: str, **kwargs):
        super().__init__(**kwargs)
        self.directory, self.pair = directory, pair

    def runtest(self) -> None:
        report = _run(self.directory, self.pair, self.config.getoption("accelsim_update"))
        if not report.ok:
            raise GoldenMismatch(report.text(update_flag=UPDATE_FLAG))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"accelsim golden {self.pair}"


def pytest_collect_file(file_path: Path, parent):
    """regress.yaml of a --accelsim-golden directory, when collection reaches it (or its node id
    is given on the command line)."""
    if file_path.name == "regress.yaml" and file_path.resolve() in _suites(parent.config):
        return GoldenFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    """Suites that collection did not reach (not under the paths given) are added whole."""
    seen = {item.path.resolve() for item in items if isinstance(item, GoldenItem)}
    for path in _suites(config):
        if path in seen:
            continue
        if not path.is_file():
            raise pytest.UsageError(f"--accelsim-golden: {path.parent}: no regress.yaml")
        items.extend(GoldenFile.from_parent(session, path=path).collect())


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
            pytest.fail(report.text(update_flag=UPDATE_FLAG), pytrace=False)
        return report

    return run
