"""The ``local`` executor, the default: experiments run on this machine.

With ``workers=1`` an experiment runs in the engine's own process; with ``workers=N`` in a pool of
N forked processes, each job sent there pickled. A pool process that dies (killed, out of memory)
fails its experiments with ``WorkerLost``: the engine marks them interrupted and runs them again in
a fresh pool.

This module is the entry point ``local_executor`` of tinkerer-core itself.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import chz

from tinkerer_core.components import (
    Executor,
    ExecutorContext,
    ExecutorSession,
    ExperimentJob,
    ExperimentOutcome,
    WorkerLost,
)
from tinkerer_core.hookspecs import hookimpl

if TYPE_CHECKING:  # the pool's modules are imported when a run uses one: `tinkerer plugins` stays fast
    from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1


def _run(job: ExperimentJob) -> ExperimentOutcome:
    """In a pool process: the job, sent there pickled."""
    return job.run()


def _start_worker(engine_pid: int) -> None:
    """In a new pool process: die with the engine, however it dies; leave Ctrl-C to the engine."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != engine_pid:  # the engine died before the signal was armed
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@chz.chz
class LocalExecutor(Executor):
    """Runs experiments on this machine: in the engine's process (workers=1) or in N forked processes."""

    def start(self, ctx: ExecutorContext) -> ExecutorSession:
        return LocalSession(ctx)


class LocalSession(ExecutorSession):
    """In-process for one worker, else a fork pool that is renewed when one of its processes dies."""

    def __init__(self, ctx: ExecutorContext) -> None:
        self.capacity = ctx.workers
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False  # a pool process died: the next submit starts a fresh pool
        self._lock = threading.Lock()

    def _pool_for_submit(self) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with self._lock:
            if self._pool is None or self._broken:
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                self._broken = False
                self._pool = ProcessPoolExecutor(
                    self.capacity,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def submit(self, job: ExperimentJob) -> Future[ExperimentOutcome]:
        if self.capacity == 1:
            done: Future[ExperimentOutcome] = Future()
            done.set_result(job.run())
            return done
        inner = self._pool_for_submit().submit(_run, job)
        outer: Future[ExperimentOutcome] = Future()
        inner.add_done_callback(lambda finished: self._forward(finished, outer, job.experiment_id))
        return outer

    def _forward(self, inner: Future[Any], outer: Future[Any], experiment_id: int) -> None:
        from concurrent.futures.process import BrokenProcessPool

        if inner.cancelled():
            outer.cancel()
            return
        error = inner.exception()
        if isinstance(error, BrokenProcessPool):
            self._broken = True
            outer.set_exception(WorkerLost(f"the worker process of experiment {experiment_id} died ({error})"))
        elif error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(inner.result())

    def close(self, cancel: bool = False) -> None:
        """Shut the pool down: experiments already running finish first, or with ``cancel`` end at once
        (the run was interrupted; its workers and their experiments' processes are killed)."""
        with self._lock:
            if self._pool is not None:
                if cancel:  # the pool has no public way to stop what runs: its processes are killed
                    for worker in list(self._pool._processes.values()):
                        worker.kill()
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


@hookimpl
def tinkerer_register_executors(register: Any) -> None:
    """Register ``local``."""
    register("local", LocalExecutor)
