"""Dask: a scheduler without workers, or workers with another accelsim, fail fast with one line."""

from __future__ import annotations

import logging
import time

import pytest

from accelsim.cli import main
from accelsim.errors import InputError
from accelsim.sweep.executors import check_worker_versions
from tests.conftest import ROOT

HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"


def test_version_check_names_the_worker_that_differs():
    check_worker_versions({"tcp://a:1": "1.0", "tcp://b:2": "1.0"}, "tcp://s:8786", ours="1.0")
    with pytest.raises(InputError, match="worker tcp://b:2 runs accelsim 0.9, this client 1.0"):
        check_worker_versions({"tcp://a:1": "1.0", "tcp://b:2": "0.9"}, "tcp://s:8786", ours="1.0")
    with pytest.raises(InputError, match="worker tcp://a:1 cannot import accelsim"):
        check_worker_versions({"tcp://a:1": None}, "tcp://s:8786", ours="1.0")


@pytest.fixture
def scheduler():
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=0, processes=False, dashboard_address=None, silence_logs=logging.ERROR)
    yield cluster
    cluster.close()


def _spec(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"hardware: {HW}\nworkloads: [{TOY3}]\naxes: {{compute.rows: [8, 16]}}\n")
    return spec


def test_a_scheduler_without_workers_fails_after_the_timeout(tmp_path, capsys, scheduler):
    started = time.perf_counter()
    code = main(["sweep", str(_spec(tmp_path)), "-o", str(tmp_path / "out"), "--dask", scheduler.scheduler_address,
                 "--dask-timeout", "1"])
    assert code == 2 and time.perf_counter() - started < 60
    out, err = capsys.readouterr()
    assert "dashboard" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "no worker joined the scheduler" in lines[0] and "within 1 s" in lines[0]


def test_a_worker_with_another_version_is_named(tmp_path, capsys, scheduler, monkeypatch):
    import accelsim.sweep.executors as executors

    scheduler.scale(1)
    monkeypatch.setattr(executors, "__version__", "0.0.0-client")
    code = main(["sweep", str(_spec(tmp_path)), "-o", str(tmp_path / "out"), "--dask", scheduler.scheduler_address,
                 "-q"])
    assert code == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "this client 0.0.0-client" in line and line.startswith("accelsim: error: --dask: worker ")


def test_dask_timeout_must_be_positive(tmp_path, capsys):
    assert main(["sweep", str(_spec(tmp_path)), "-o", str(tmp_path / "out"), "--dask-timeout", "nan"]) == 2
    assert "--dask-timeout" in capsys.readouterr().err
