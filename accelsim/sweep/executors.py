"""Where points run: in this process (-j 1), a local process pool (-j N), or Dask distributed.

Every executor calls the same `run_point` and hands each record back to the caller as it
completes; the caller stores it and builds tables in point order, so results are identical
whichever executor ran them.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from accelsim import __version__
from accelsim.errors import InputError, clip
from accelsim.sweep.points import Task, run_point, run_points, warm_up

OnDone = Callable[[dict], None]
MAX_BATCH = 8  # points per Dask task
DASK_WAIT_S = 60.0  # how long a sweep waits for a scheduler's first worker


class ExecutorError(RuntimeError):
    """The executor itself failed (a worker process died, the scheduler went away)."""


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def describe(jobs: int, dask: str | None) -> str:
    if dask == "local":
        return f"a Dask LocalCluster of {jobs} workers"
    if dask:
        return f"the Dask scheduler at {dask}"
    return "this process" if jobs == 1 else f"{jobs} processes"


def run_tasks(tasks: list[Task], on_done: OnDone, *, jobs: int = 1, dask: str | None = None,
              dask_timeout: float = DASK_WAIT_S, log: Callable[[str], None] | None = None) -> None:
    if dask:
        _run_dask(tasks, on_done, dask, jobs, dask_timeout, log or (lambda _line: None))
    elif jobs == 1 or len(tasks) <= 1:
        for task in tasks:
            on_done(run_point(task))
    else:
        _run_pool(tasks, on_done, jobs)


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: it stops submitting and keeps what is stored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()


def _run_pool(tasks: list[Task], on_done: OnDone, jobs: int) -> None:
    import accelsim.simulator  # noqa: F401  (forked workers then start with it imported)

    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=_ignore_sigint)
    try:
        futures = [pool.submit(run_point, task) for task in tasks]
        for future in as_completed(futures):
            try:
                record = future.result()
            except BrokenProcessPool:
                raise ExecutorError("a worker process died (out of memory?); finished points are stored, "
                                    "run the sweep again to resume") from None
            on_done(record)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def require_dask() -> None:
    if importlib.util.find_spec("distributed") is None:
        raise InputError("needs the optional extra: pip install 'accelsim[dask]'", "--dask")


def _worker_version_probe():
    """A function pickled by value (it is built here, not importable by name), so a worker
    without accelsim can still run it and say so."""
    def probe():
        try:
            import accelsim
        except ImportError:
            return None
        return accelsim.__version__
    return probe


def check_worker_versions(versions: dict, address: str, ours: str | None = None) -> None:
    """Refuse workers without accelsim, or with another version: name the first that differs."""
    ours = ours or __version__
    for worker, version in sorted(versions.items()):
        if isinstance(version, BaseException):
            raise InputError(f"worker {worker} failed the version check: {clip(repr(version), 200)}", "--dask")
        if version is None:
            raise InputError(f"worker {worker} cannot import accelsim; install accelsim {ours} on every worker",
                             "--dask")
        if version != ours:
            raise InputError(f"worker {worker} runs accelsim {clip(str(version), 40)}, this client {ours}; "
                             f"install the same version on every worker (scheduler {address})", "--dask")


def _wait_for_workers(client, address: str, timeout: float, log) -> None:
    log(f"Dask scheduler {address}; dashboard: {client.dashboard_link}")
    if client.scheduler_info().get("workers"):
        return
    log(f"waiting up to {timeout:g} s for a worker to join (--dask-timeout)")
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError) as exc:
        raise InputError(f"no worker joined the scheduler at {address} within {timeout:g} s "
                         f"(dashboard: {client.dashboard_link}); start workers with `dask worker {address}` "
                         f"or raise --dask-timeout", "--dask") from None


def _run_dask(tasks: list[Task], on_done: OnDone, address: str, jobs: int, timeout: float = DASK_WAIT_S,
              log: Callable[[str], None] = lambda _line: None) -> None:
    require_dask()
    from distributed import Client, LocalCluster, as_completed as dask_completed
    from distributed.scheduler import KilledWorker

    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            try:
                client = Client(address, timeout=min(30.0, max(1.0, timeout)))
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise InputError(f"cannot connect to the Dask scheduler: {clip(str(exc), 200)}", "--dask") from None
        with client:
            if cluster is None:
                _wait_for_workers(client, address, timeout, log)
                check_worker_versions(client.run(_worker_version_probe(), on_error="return"), address)
            client.run(warm_up)
            workers = max(1, len(client.scheduler_info()["workers"]))
            size = max(1, min(MAX_BATCH, len(tasks) // (4 * workers)))  # >= 4 batches per worker: balance
            batches = [tasks[i:i + size] for i in range(0, len(tasks), size)]
            futures = client.map(run_points, batches, pure=False)
            pending = {future.key: batch for future, batch in zip(futures, batches)}
            # with_results: results are fetched in the background, in groups; fetching each
            # one from the loop would serialise the sweep on round trips to the workers.
            completed = dask_completed(futures, with_results=True, raise_errors=False)
            for future, result in completed:
                batch = pending.pop(future.key)
                if isinstance(result, KilledWorker) and len(batch) > 1:
                    for task in batch:  # run its points one by one to find the one that kills workers
                        single = client.submit(run_points, [task], pure=False)
                        pending[single.key] = [task]
                        completed.add(single)
                    continue
                if isinstance(result, KilledWorker):
                    result = [{"key": batch[0].key, "status": "error",
                               "error": "the Dask worker running this point died (KilledWorker)"}]
                elif isinstance(result, BaseException):  # the scheduler or connection failed: stop
                    raise ExecutorError(f"Dask failed: {type(result).__name__}: {result}; finished points are "
                                        "stored, run the sweep again to resume")
                for record in result:
                    on_done(record)
    finally:
        if cluster is not None:
            cluster.close()
