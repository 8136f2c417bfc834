"""Where a batch's submissions are graded: local worker processes (`-j N`) or a Dask cluster.

An executor runs `work(item, context)` for every `(index, item)` and hands each result back to
the parent with `finished(index, result)`, in the parent's main thread, as soon as it is done
(completion order; the batch puts rows back in gradebook order). `work` must be a module-level
function and `item`/`context` plain picklable values: the batch sends an already-read
submission and its portable grading options, never a path to read, so a remote worker needs
nothing of the batch folder. Every task still grades inside the sandbox of the machine it
runs on; the executor only chooses the machine.

A task whose worker was lost (a worker process killed, a Dask worker gone) is not a result:
`run` returns those indices and the batch grades them again itself. Ctrl-C stops every
worker and propagates.

Only a bounded window of tasks is in flight at a time (a few per worker), so memory stays flat
for 3,000 submissions and an interrupted batch has little to throw away.
"""
from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable

Work = Callable[[Any, Any], Any]
Finished = Callable[[int, Any], None]

MAX_POOL_RESTARTS = 3
EXECUTORS = ("local", "dask")  # the names `batch --executor` takes


class ExecutorUnavailable(RuntimeError):
    """The executor cannot start (dask not installed, scheduler unreachable); the message says what to do."""


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers


class ProcessExecutor:
    """A pool of `jobs` spawned worker processes on this machine (a fresh pool if one breaks)."""

    name = "processes"

    def __init__(self, jobs: int, window_per_worker: int = 2):
        self.jobs = max(1, int(jobs))
        self.window = self.jobs * max(1, window_per_worker)

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                                      initializer=_ignore_sigint)

    def run(self, work: Work, context: Any, items: Iterable[tuple[int, Any]], finished: Finished) -> list[int]:
        pending = collections.deque(items)
        lost: list[int] = []
        restarts = 0
        while pending:
            pool = self._pool()
            inflight: dict[concurrent.futures.Future, int] = {}
            broken = False
            try:
                while (pending and not broken) or inflight:
                    while pending and not broken and len(inflight) < self.window:
                        index, item = pending.popleft()
                        try:
                            inflight[pool.submit(work, item, context)] = index
                        except BrokenProcessPool:
                            pending.appendleft((index, item))
                            broken = True
                    if not inflight:
                        break
                    done, _ = concurrent.futures.wait(inflight, return_when=concurrent.futures.FIRST_COMPLETED)
                    for future in sorted(done, key=inflight.__getitem__):
                        index = inflight.pop(future)
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken = True
                            lost.append(index)
                        except Exception:  # noqa: BLE001  (the task never produced a result: do it again)
                            lost.append(index)
                        else:
                            finished(index, result)
            except BaseException:
                _kill(pool)
                raise
            pool.shutdown(wait=True, cancel_futures=True)
            if broken:
                restarts += 1
                if restarts > MAX_POOL_RESTARTS:
                    lost.extend(index for index, _ in pending)
                    pending.clear()
        return sorted(lost)


def _kill(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError):
            pass
    for process in processes:
        try:
            process.join(5)
        except (OSError, ValueError, AssertionError):
            pass


DASK_MISSING = ("--executor dask needs dask and distributed, which are not installed; "
                "install them with: pip install 'rnn-grader[dask]'")


class DaskExecutor:
    """Tasks on a Dask distributed cluster (`--scheduler tcp://HOST:PORT`).

    Every worker needs rnn-grader installed (the same version); the batch folder and the
    reference solution travel with the tasks. A task lost with its worker is returned to the
    batch, which grades it itself.
    """

    name = "dask"

    def __init__(self, scheduler: str, connect_timeout: float = 30.0, window_per_thread: int = 2):
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        self.window_per_thread = max(1, window_per_thread)

    def _client(self):
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorUnavailable(DASK_MISSING) from None
        try:
            return Client(self.scheduler, timeout=f"{self.connect_timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {self.scheduler} ({exc}); "
                                      "check --scheduler and that the scheduler is running") from None

    def run(self, work: Work, context: Any, items: Iterable[tuple[int, Any]], finished: Finished) -> list[int]:
        from distributed import as_completed

        client = self._client()
        pending = collections.deque(items)
        lost: list[int] = []
        futures: dict[Any, int] = {}
        try:
            threads = sum(client.nthreads().values()) or 1
            window = threads * self.window_per_thread
            remote_context = client.scatter(context, broadcast=True, hash=False)
            stream = as_completed(loop=client.loop)

            def submit_more() -> None:
                while pending and len(futures) < window:
                    index, item = pending.popleft()
                    future = client.submit(work, item, remote_context, pure=False,
                                           key=f"rnn-grader-{index}-{os.urandom(6).hex()}")
                    futures[future] = index
                    stream.add(future)

            submit_more()
            for future in stream:
                index = futures.pop(future)
                try:
                    result = future.result()
                except ImportError as exc:  # the worker has no (or a broken) rnn-grader: every task would fail
                    raise ExecutorUnavailable(f"the Dask workers cannot run rnn-grader ({type(exc).__name__}: {exc}); "
                                              "install the same rnn-grader[dask] on every worker") from None
                except Exception:  # noqa: BLE001  (lost worker, cancelled, comm failure: grade it again)
                    lost.append(index)
                else:
                    finished(index, result)
                future.release()
                submit_more()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        finally:
            client.close()
        return sorted(lost)
