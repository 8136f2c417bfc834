"""Executors: every task comes back exactly once (a result or "lost"), and a Dask cluster grades like -j 1."""
from __future__ import annotations

import logging
import os
import time

import pytest

from grader.executors import DaskExecutor, ExecutorUnavailable, ProcessExecutor

# ---- work functions: module level, so spawned workers import them by name (keep this module's imports light)


def square_plus(x: int, context: int) -> int:
    return x * x + context


def dies_on(x: int, context: int) -> int:
    if x == context:
        os._exit(3)   # the worker process dies: not an exception, a BrokenProcessPool
    time.sleep(0.02)  # the other worker is not done with the queue before the pool notices the death
    return x


def always_dies(x: int, context: int) -> int:
    os._exit(3)


def run(executor, work, context, n):
    got: dict[int, object] = {}

    def finished(index, result):
        assert index not in got, "a task was finished twice"
        got[index] = result

    lost = executor.run(work, context, [(i, i) for i in range(n)], finished)
    return got, lost


def test_process_pool_returns_every_result_once():
    got, lost = run(ProcessExecutor(2), square_plus, 1, 12)
    assert lost == [] and got == {i: i * i + 1 for i in range(12)}


def test_a_dead_worker_loses_only_what_was_in_flight_and_a_new_pool_takes_the_rest():
    got, lost = run(ProcessExecutor(2, window_per_worker=1), dies_on, 3, 20)
    assert 3 in lost and set(got) | set(lost) == set(range(20)) and not set(got) & set(lost)
    assert all(got[i] == i for i in got)
    assert len(lost) <= 2                        # the window: at most two tasks were in flight
    # When the break is noticed is up to the pool's own thread, so which second task (if any) was
    # in flight with 3 varies; everything submitted after the break went to a fresh pool.
    assert set(range(max(lost) + 1, 20)) <= set(got) and max(lost) < 10


def test_a_pool_that_keeps_dying_gives_up_instead_of_looping():
    got, lost = run(ProcessExecutor(2, window_per_worker=1), always_dies, 0, 12)
    assert got == {} and lost == list(range(12))


def test_unreachable_dask_scheduler_is_a_clear_error():
    with pytest.raises(ExecutorUnavailable, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout=2).run(square_plus, 0, [(0, 1)], lambda i, r: None)


# ---- the same batch on a Dask cluster ------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as local:
        yield local


def test_dask_cluster_grades_the_same_as_one_local_process(tmp_path, cluster, monkeypatch):
    from grader import batch_grading
    from grader.batch import run_batch
    from grader.reference import load_reference
    from grader.runner import GradingOptions
    from grader.sandbox import Limits
    from tests.conftest import RNN, EXAMPLES, REFERENCE, STUBS, read_gradebook, reports_without_timing

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "김민준.py").write_bytes((EXAMPLES / "김민준.py").read_bytes())
    (folder / "park_jiho.py").write_bytes((EXAMPLES / "park_jiho.py").read_bytes())
    (folder / "stub.py").write_bytes(STUBS.read_bytes())
    (folder / "syntax.py").write_text("def rnn_forward(:\n", encoding="utf-8")
    options = GradingOptions(mode="check", limits=Limits(call_seconds=5.0, import_seconds=10.0),
                             reference=load_reference(RNN, REFERENCE))
    local = run_batch(folder, tmp_path / "local", options, ("json",), jobs=1)

    def not_here(*args, **kwargs):
        raise AssertionError("graded in the parent, not on the cluster")

    monkeypatch.setattr(batch_grading, "grade", not_here)   # the workers have their own, real `grade`
    remote = run_batch(folder, tmp_path / "dask", options, ("json",), executor="dask",
                       scheduler=cluster.scheduler_address)
    assert read_gradebook(tmp_path / "dask" / "gradebook.csv") == read_gradebook(tmp_path / "local" / "gradebook.csv")
    assert reports_without_timing(tmp_path / "dask") == reports_without_timing(tmp_path / "local")
    assert [(e.student, e.result.status) for e in remote.entries] == \
        [("park_jiho", "graded"), ("stub", "graded"), ("syntax", "error"), ("김민준", "graded")]
    assert remote.graded == 4 and [e.student for e in remote.entries] == [e.student for e in local.entries]
    assert not any(e.result.error and e.result.error.kind == "internal" for e in remote.entries)


def test_cli_batch_on_dask(tmp_path, cluster, capsys):
    from grader.cli import main
    from tests.conftest import STUBS, read_gradebook

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "stub.py").write_bytes(STUBS.read_bytes())
    (folder / "empty.py").write_bytes(b"")
    out = tmp_path / "grades"
    code = main(["batch", str(folder), "--out", str(out), "--executor", "dask", "--scheduler",
                 cluster.scheduler_address, "--format", "json", "--timeout", "5"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert [(r[0], r[3]) for r in read_gradebook(out / "gradebook.csv")[1:]] == [("empty", "error"), ("stub", "graded")]
    import sqlite3

    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT executor, status FROM batches").fetchall() == [("dask", "complete")]
    code = main(["batch", str(folder), "--out", str(out), "--executor", "dask"])
    assert code == 2 and "--scheduler" in capsys.readouterr().err


def needs_a_module(x: int, context: int) -> int:
    raise ModuleNotFoundError("No module named 'grader'")


def test_dask_workers_without_the_grader_are_a_clear_error(cluster):
    with pytest.raises(ExecutorUnavailable, match="cannot run rnn-grader .*install the same rnn-grader"):
        DaskExecutor(cluster.scheduler_address).run(needs_a_module, 0, [(0, 1), (1, 2)], lambda i, r: None)


# ---- the README's worked example: a scheduler and several worker processes over TCP on this machine

@pytest.fixture(scope="module")
def tcp_cluster(tmp_path_factory):
    """`dask scheduler` and `dask worker --nworkers 2` as separate processes on 127.0.0.1, as the README
    starts them (a scheduler file instead of a fixed port, so that a busy port cannot fail the test)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("dask-tcp")
    address_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(address_file)], cwd=folder,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = None
    try:
        for _ in range(600):  # the scheduler writes its address once it listens
            if address_file.exists() and address_file.stat().st_size:
                break
            time.sleep(0.1)
        import json

        address = json.loads(address_file.read_text())["address"]
        workers = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                    "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                   cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in (workers, scheduler):
            if process is not None:
                process.terminate()
                process.wait(30)


def test_tcp_cluster_of_worker_processes_grades_like_j1(tmp_path, tcp_cluster):
    from grader.cli import main
    from tests.conftest import EXAMPLES, STUBS, read_gradebook, reports_without_timing

    assert tcp_cluster.startswith("tcp://127.0.0.1:")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "김민준.py").write_bytes((EXAMPLES / "김민준.py").read_bytes())
    (folder / "stub.py").write_bytes(STUBS.read_bytes())
    (folder / "empty.py").write_bytes(b"")
    common = ["--format", "json", "--timeout", "5"]
    assert main(["batch", str(folder), "--out", str(tmp_path / "local"), "-j", "1", *common]) == 0
    assert main(["batch", str(folder), "--out", str(tmp_path / "tcp"), "--executor", "dask",
                 "--scheduler", tcp_cluster, *common]) == 0
    assert read_gradebook(tmp_path / "tcp" / "gradebook.csv") == read_gradebook(tmp_path / "local" / "gradebook.csv")
    assert reports_without_timing(tmp_path / "tcp") == reports_without_timing(tmp_path / "local")
