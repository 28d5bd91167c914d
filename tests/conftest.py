"""Shared test helpers. Paths are relative to this file, never the working directory."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Tests (and the CLI processes they start) never touch the user's compression cache.
_CACHE = tempfile.mkdtemp(prefix="accelsim-test-cache-")
os.environ["ACCELSIM_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SCALESIM = DATA / "scalesim"
HWCONFIGS = sorted((ROOT / "hwconfigs").glob("*.yaml"))
WORKLOADS = sorted((ROOT / "workloads").glob("*.yaml"))


def scalesim_cases():
    return sorted(p for p in SCALESIM.iterdir() if p.is_dir() and any(p.glob("cfg_*.cfg")))


def case_files(case: Path) -> tuple[Path, Path]:
    cfg = next(case.glob("cfg_*.cfg"))
    topo = next(p for p in case.glob("*.csv") if "REPORT" not in p.name and "layout" not in p.name)
    return cfg, topo


@pytest.fixture
def tmp_yaml(tmp_path):
    def write(text: str, name: str = "hw.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
