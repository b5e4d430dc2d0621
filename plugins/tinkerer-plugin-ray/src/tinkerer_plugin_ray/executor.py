"""The ``ray`` executor: every experiment's run (and, when the agent allows, the whole experiment) is a Ray task.

The engine keeps the run store and the run's git repository. For each job a thread here either
ships the whole experiment to a Ray task (``job.run_elsewhere`` on the worker: the engine replays the
commits it brings back), or runs the job on this machine with a command runner that ships the
workspace to a Ray task for each run of the solution and writes what comes back into the worktree.
A task whose worker died fails with ``WorkerLost``, which the engine answers by running the
experiment again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import chz

from tinkerer_core import (
    ConfigError,
    Executor,
    ExecutorContext,
    ExecutorSession,
    ExperimentJob,
    ExperimentOutcome,
    TinkererError,
    WorkerLost,
)
from tinkerer_core.validation import Rule, at_least, env_names, not_empty, positive

if TYPE_CHECKING:
    from tinkerer_core import RunResult
    from tinkerer_core.runner import Limits

MB = 1024 * 1024
CLIENT_SESSION_LIMIT = 6  # a Ray Client session must open within this many connect_timeout_s


def _json_object(text: Any) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def _ray_quantity(quantity: Any) -> bool:
    """Ray refuses negative quantities and fractions finer than 1/10000 (its resource unit)."""
    return isinstance(quantity, int | float) and (quantity == 0 or quantity >= 1e-4)


RAY_QUANTITY = Rule("0, or at least 0.0001 (Ray's finest fraction)", low=0, test=_ray_quantity)
JSON_OBJECT = Rule('a JSON object such as {"pip": ["tinkerer-plugin-ray"]}', test=_json_object)


class RayConnectionError(TinkererError):
    """The Ray cluster could not be reached."""


class RunCancelled(TinkererError):
    """The run was cancelled while this experiment waited to start a Ray task."""


@chz.chz
class RayExecutor(Executor):
    """Runs experiments as Ray tasks on an existing cluster; the engine stays the single writer of the run."""

    address: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="the cluster: ray://HEAD:10001 (Ray Client) or HEAD:6379; None: the RAY_ADDRESS variable",
    )
    max_concurrent: int | None = chz.field(
        default=None, validator=at_least(1), doc="experiments in flight at once (None: the run's workers)"
    )
    num_cpus: float = chz.field(default=1.0, validator=RAY_QUANTITY, doc="CPUs Ray reserves for each experiment's task")
    num_gpus: float = chz.field(default=0.0, validator=RAY_QUANTITY, doc="GPUs Ray reserves for each experiment's task")
    memory_mb: int | None = chz.field(
        default=None,
        validator=at_least(0),
        doc="memory Ray reserves per task (None: the run's memory_mb cap; 0: no reservation)",
    )
    agent_on_worker: bool = chz.field(
        default=True, doc="run the agent step and evaluator on the worker too when the agent allows it"
    )
    ship_data: bool = chz.field(
        default=True, doc="send data_dir's files to the workers (False: they see data_dir at the same path)"
    )
    send_env: tuple[str, ...] = chz.field(
        default=(),
        validator=env_names(),
        doc="variables of this machine given to solutions on the workers (they travel in the task)",
    )
    return_mb: float = chz.field(
        default=256.0, validator=positive(), doc="changed files brought back per run, at most (MB)"
    )
    autoscaling: bool = chz.field(
        default=False, doc="the cluster grows on demand: do not refuse requests larger than what it has now"
    )
    runtime_env: str | None = chz.field(
        default=None,
        validator=JSON_OBJECT,
        doc='a Ray runtime_env for the run, as JSON: {"pip": ["tinkerer-plugin-ray"], "env_vars": {...}}',
    )
    connect_timeout_s: float = chz.field(
        default=10.0,
        validator=positive(),
        doc="seconds the cluster's address gets to accept a connection and finish the gRPC handshake",
    )

    def runtime_env_dict(self) -> dict[str, Any] | None:
        """``runtime_env`` parsed (its rule has checked that it is a JSON object)."""
        return json.loads(self.runtime_env) if self.runtime_env is not None else None

    def cluster_address(self) -> str:
        """The address to connect to; a missing one is a ConfigError (a local cluster is never started implicitly)."""
        address = self.address or os.environ.get("RAY_ADDRESS")
        if not address:
            raise ConfigError(
                "executor=ray needs a cluster: set executor.address=ray://HEAD:10001 (or HEAD:6379), "
                "or the RAY_ADDRESS variable; start one with `ray start --head` (see docs/executors.md)"
            )
        return address

    def task_options(self, run_memory_mb: int | None) -> dict[str, Any]:
        """The Ray options of every experiment task: resources, and no retries (the engine retries)."""
        memory_mb = self.memory_mb if self.memory_mb is not None else run_memory_mb
        options: dict[str, Any] = {"num_cpus": self.num_cpus, "max_retries": 0, "retry_exceptions": False}
        if self.num_gpus:
            options["num_gpus"] = self.num_gpus
        if memory_mb:
            options["memory"] = memory_mb * MB
        return options

    def start(self, ctx: ExecutorContext) -> ExecutorSession:
        return RaySession(self, ctx)


def check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail within ``timeout_s`` when nothing at ``address`` speaks gRPC (Ray itself waits 30 s to minutes).

    Both a Ray Client server (``ray://HEAD:10001``) and a GCS (``HEAD:6379``) are gRPC servers: a port that
    refuses, or accepts and never finishes the HTTP/2 handshake, is a RayConnectionError saying what to check.
    ``auto`` and addresses without a port are not checked.
    """
    import socket

    host_port = address.removeprefix("ray://").split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        return
    what_to_check = (
        "is the Ray cluster running (`ray status` on the head), and is executor.address its Ray Client address "
        "(ray://HEAD:10001) or its GCS address (HEAD:6379)?"
    )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise RayConnectionError(f"nothing answers at {address!r} ({error}): {what_to_check}") from None
    import grpc

    channel = grpc.insecure_channel(host_port)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout_s)
    except grpc.FutureTimeoutError:
        raise RayConnectionError(
            f"{address!r} accepts connections but no Ray answered within executor.connect_timeout_s={timeout_s:g} s "
            f"(no gRPC handshake): {what_to_check}"
        ) from None
    finally:
        channel.close()


def init_within(limit_s: float, **init: Any) -> None:
    """``ray.init(**init)``; through a Ray Client address, bounded by ``limit_s``.

    A Ray Client server that answers the handshake can still never open the session (its proxy forks a
    server per client, and a fork that deadlocks never answers): ``ray.init`` would wait forever. A
    driver address (``HEAD:6379``) has Ray's own limits, and its ``ray.init`` stays in this thread.
    """
    import ray

    address = str(init.get("address", ""))
    if not address.startswith("ray://"):
        ray.init(**init)
        return
    failures: list[BaseException] = []
    connected = threading.Event()

    def connect() -> None:
        try:
            ray.init(**init)
        except BaseException as error:  # handed to the caller's thread
            failures.append(error)
        finally:
            connected.set()

    threading.Thread(target=connect, name="tinkerer-ray-connect", daemon=True).start()
    if not connected.wait(limit_s):
        with contextlib.suppress(Exception):  # drop the half-open client: a later connect starts clean
            ray.shutdown()
        raise RayConnectionError(
            f"the Ray Client server at {address!r} took the connection but opened no session within "
            f"{limit_s:g} s ({CLIENT_SESSION_LIMIT} x executor.connect_timeout_s): retry, check the head's "
            "ray_client_server logs, or connect to the GCS address (HEAD:6379) from a node of the cluster"
        )
    if failures:
        raise failures[0]


def lost_errors() -> tuple[type[BaseException], ...]:
    """Ray's errors that mean the worker, its node or the task's data is gone: the experiment runs again."""
    from ray import exceptions

    names = ("WorkerCrashedError", "NodeDiedError", "ObjectLostError", "LocalRayletDiedError")
    return tuple(getattr(exceptions, name) for name in names if hasattr(exceptions, name))


class RaySession(ExecutorSession):
    """One run's connection to the cluster, its in-flight tasks and the threads that wait on them."""

    def __init__(self, executor: RayExecutor, ctx: ExecutorContext) -> None:
        import ray

        from tinkerer_plugin_ray import worker

        self.executor = executor
        self.ctx = ctx
        self.capacity = executor.max_concurrent or ctx.workers
        address = executor.cluster_address()
        self._owns_connection = not ray.is_initialized()
        if self._owns_connection:
            check_reachable(address, executor.connect_timeout_s)
            try:
                init_within(
                    CLIENT_SESSION_LIMIT * executor.connect_timeout_s,
                    address=address,
                    logging_level=logging.ERROR,
                    log_to_driver=False,
                    namespace="tinkerer",
                    runtime_env=executor.runtime_env_dict(),
                )
            except RayConnectionError:
                raise
            except Exception as error:
                raise RayConnectionError(
                    f"could not connect to the Ray cluster at {address!r}: {type(error).__name__}: {error}. "
                    "Check executor.address (ray://HEAD:10001 or HEAD:6379) and that the cluster runs"
                ) from None
        try:
            self._check_resources(ray.cluster_resources())
        except BaseException:
            self._disconnect()
            raise
        options = executor.task_options(ctx.memory_mb)
        self._run_task = ray.remote(worker.run_command_shipped).options(**options)
        self._experiment_task = ray.remote(worker.run_experiment_shipped).options(**options)
        self._lost_errors = lost_errors()
        self._data = self._data_shipment()
        self._threads = ThreadPoolExecutor(self.capacity, thread_name_prefix="tinkerer-ray")
        self._in_flight: dict[int, Any] = {}  # experiment id -> its running ObjectRef
        self._lock = threading.Lock()
        self._closing = False

    def _check_resources(self, available: dict[str, float]) -> None:
        if self.executor.autoscaling:
            return
        options = self.executor.task_options(self.ctx.memory_mb)
        wanted = {"CPU": options["num_cpus"], "GPU": options.get("num_gpus", 0), "memory": options.get("memory", 0)}
        for resource, amount in wanted.items():
            if amount and available.get(resource, 0) < amount:
                have = available.get(resource, 0)
                shown = (
                    f"{amount / MB:.0f} MB (the cluster has {have / MB:.0f})"
                    if resource == "memory"
                    else f"{amount:g} (the cluster has {have:g})"
                )
                field = {"CPU": "num_cpus", "GPU": "num_gpus", "memory": "memory_mb"}[resource]
                raise ConfigError(
                    f"every experiment asks Ray for {resource} {shown}: no node could run it. Lower "
                    f"executor.{field}, or set executor.autoscaling=true if the cluster grows on demand"
                )

    def _data_shipment(self) -> Any:
        """data_dir once in the object store (a task argument: Ray resolves it on the worker), or its path, or None."""
        data_dir = self.ctx.data_dir
        if data_dir is None:
            return None
        if not self.executor.ship_data:
            return str(data_dir)
        import ray

        from tinkerer_core.shipping import pack_directory

        return ray.put(pack_directory(data_dir))

    # --- experiments -----------------------------------------------------------------------

    def submit(self, job: ExperimentJob) -> Future[ExperimentOutcome]:
        run = self._whole_experiment if self.executor.agent_on_worker and job.portable else self._experiment_here
        return self._threads.submit(self._lost_as_worker_lost, run, job)

    def _lost_as_worker_lost(self, run: Any, job: ExperimentJob) -> ExperimentOutcome:
        try:
            return run(job)
        except self._lost_errors as error:
            raise WorkerLost(f"experiment {job.experiment_id}'s Ray worker died: {error}") from error
        finally:
            with self._lock:
                self._in_flight.pop(job.experiment_id, None)

    def _shipment(self, workspace: Path) -> Any:
        from tinkerer_core.shipping import pack
        from tinkerer_plugin_ray.worker import Shipment

        sent = {name: os.environ[name] for name in self.executor.send_env if name in os.environ}
        return Shipment(pack(workspace), sent, int(self.executor.return_mb * MB))

    def _wait(self, experiment_id: int, submit: Any) -> Any:
        """Start a task (unless the run is being cancelled) and wait for its result."""
        import ray

        with self._lock:
            if self._closing:
                raise RunCancelled(f"experiment {experiment_id} was not started: the run is being cancelled")
            ref = submit()
            self._in_flight[experiment_id] = ref
        return ray.get(ref)

    def _experiment_here(self, job: ExperimentJob) -> ExperimentOutcome:
        """The agent step and the evaluator here, every run of the solution as a Ray task."""
        return job.run(commands=partial(self._run_remotely, job.experiment_id))

    def _run_remotely(
        self,
        experiment_id: int,
        command: str,
        workspace: Path,
        limits: Limits,
        env: Any,
        pid_file: Path | None = None,
    ) -> RunResult:
        from tinkerer_core.shipping import apply_changes

        shipment = self._shipment(workspace)
        pass_env = tuple(self.ctx.pass_env)
        result, changes = self._wait(
            experiment_id,
            lambda: self._run_task.remote(command, shipment, self._data, limits, pass_env, dict(env), str(workspace)),
        )
        apply_changes(workspace, changes)
        return result

    def _whole_experiment(self, job: ExperimentJob) -> ExperimentOutcome:
        """Agent, runs and evaluator on the worker; the engine replays the commits the outcome brings back."""
        shipment = self._shipment(job.workspace)
        outcome: ExperimentOutcome = self._wait(
            job.experiment_id, lambda: self._experiment_task.remote(job, shipment, self._data)
        )
        return outcome

    # --- the end ---------------------------------------------------------------------------

    def close(self, cancel: bool = False) -> None:
        """Cancel the tasks still running (their workers are killed, and their solutions with them), then disconnect."""
        import ray

        with self._lock:
            self._closing = True
            in_flight = list(self._in_flight.values())
        if cancel:
            for ref in in_flight:
                with contextlib.suppress(Exception):  # a task that already finished cannot be cancelled
                    ray.cancel(ref, force=True)
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._disconnect()

    def _disconnect(self) -> None:
        import ray

        if self._owns_connection and ray.is_initialized():
            ray.shutdown()
