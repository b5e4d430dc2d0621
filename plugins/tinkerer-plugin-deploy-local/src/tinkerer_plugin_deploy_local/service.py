"""The HTTP service around a solution's entry: one self-contained script on uvicorn + starlette.

Local deployments run it as ``python service.py``; container deployers copy this file into the image
and install ``SERVER_REQUIREMENTS``. Endpoints (JSON in, JSON out):

- ``GET /health``: ``{"status": "ok", "entry": ..., "pid": ..., "in_flight": ...}``, answered while calls run
- ``POST /run`` (alias ``/predict``): an inputs object -> ``{"status": "success"|"error", "output": ...}``
- ``POST /run_batch``: a list of inputs objects -> a list of results, in order
- ``GET /metrics``: request counts and latencies per endpoint (JSON; Prometheus text with
  ``?format=prometheus`` or ``Accept: text/plain``)

Calls run on a bounded thread pool, off the event loop: slow calls and slow clients do not hold up
others. A client must send its headers within ``header_timeout_s`` and its body within
``body_timeout_s``; bodies over ``max_body_bytes`` are refused with 413, calls beyond ``max_pending``
with 503. SIGTERM stops taking requests, lets calls in flight finish (up to ``shutdown_timeout_s``),
then exits. A call that raises returns an error result with the exception and traceback tail; the
service lives on. The standard-library half (``function_call``, ``program_call``, ``error_result``)
imports nothing else, so in-process and Modal deployments reuse it without the server.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import contextlib
import importlib
import importlib.util
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRACEBACK_CHARS = 4000
SERVER_REQUIREMENTS = ("uvicorn", "starlette")  # what an image installs to run this script
ENDPOINTS = ("/health", "/run", "/predict", "/run_batch", "/metrics")
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LATENCY_WINDOW = 2048  # the most recent latencies per endpoint, for p50 / p99
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
OWNER_POLL_S = 0.5

Call = Callable[[dict[str, Any]], dict[str, Any]]


def pinned_server_requirements() -> list[str]:
    """``SERVER_REQUIREMENTS`` pinned to the versions installed here, so an image runs the server tested here."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in SERVER_REQUIREMENTS]


def load_function(solution_dir: Path, module: str, function: str) -> Callable[[dict[str, Any]], Any]:
    """Import ``module`` from the solution (as the service's own process) and return ``function``."""
    sys.path.insert(0, str(solution_dir))
    return getattr(importlib.import_module(module), function)


def function_call(target: Callable[[dict[str, Any]], Any]) -> Call:
    """Call ``target(inputs)`` per request, turning an exception into an error result."""

    def call(inputs: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"status": "success", "output": target(inputs)}
        except Exception as error:  # the solution's fault: report it, keep serving
            return error_result(f"{type(error).__name__}: {error}", traceback.format_exc()[-TRACEBACK_CHARS:])

    return call


def program_call(solution_dir: Path, module: str, timeout_s: float) -> Call:
    """Run ``python <module>.py --key value ...`` per request; its stdout is the output."""
    script = str(solution_dir / (module.replace(".", "/") + ".py"))

    def call(inputs: dict[str, Any]) -> dict[str, Any]:
        args = [item for key, value in inputs.items() for item in (f"--{key}", _arg(value))]
        env = {**os.environ, "TINKERER_INPUTS": json.dumps(inputs)}
        try:
            done = subprocess.run(
                [sys.executable, script, *args],
                cwd=solution_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return error_result(f"the program ran longer than {timeout_s:g} s")
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            return error_result(f"the program exited with code {done.returncode}", done.stderr[-TRACEBACK_CHARS:])
        return {"status": "success", "output": done.stdout}

    return call


def _arg(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def error_result(message: str, details: str = "") -> dict[str, Any]:
    """A failed call's result: ``{"status": "error", "error": ..., "output": None, "details": ...}``."""
    return {"status": "error", "error": message, "output": None, "details": details}


def encode(payload: Any) -> bytes:
    """``payload`` as JSON bytes (numpy values as lists, anything else by its repr); an error result if it cannot be."""
    try:
        return json.dumps(payload, default=_jsonable).encode()
    except ValueError as error:  # e.g. a circular structure
        return json.dumps(error_result(f"the output is not JSON-serializable: {error}")).encode()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, set | tuple):
        return list(value)
    return repr(value)


def _shape_problem(body: Any, batch: bool) -> str:
    """Why ``body`` is not an inputs object (or, for a batch, a list of them); empty when it is."""
    if not batch:
        return "" if isinstance(body, dict) else f"inputs must be a JSON object, got {_kind(body)}"
    if not isinstance(body, list):
        return f"a batch must be a JSON list of objects, got {_kind(body)}"
    wrong = [_kind(item) for item in body if not isinstance(item, dict)]
    return f"every batch item must be a JSON object, got {wrong[0]}" if wrong else ""


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


@dataclass(frozen=True)
class Limits:
    """How much the service takes on at once, and how long it waits for clients."""

    threads: int = 4  # calls that run at the same time (a function entry must be thread-safe above 1)
    max_pending: int = 512  # calls running or waiting for a thread; more are refused with 503
    max_body_bytes: int = 64 * 1024 * 1024
    max_batch: int = 1024  # items in one /run_batch request
    header_timeout_s: float = 10.0  # from connecting (or the previous response) to a request's last header
    body_timeout_s: float = 60.0  # to receive a request's body once its headers arrived
    keep_alive_s: float = 5.0  # an idle keep-alive connection is closed after this
    shutdown_timeout_s: float = 30.0  # on SIGTERM, how long calls in flight may take to finish
    max_connections: int = 1024  # open connections and running requests; more are answered 503


class Metrics:
    """Request counts by endpoint and status, latency histograms, and call results (event-loop thread only)."""

    def __init__(self) -> None:
        self.started = time.time()
        self.counts: collections.Counter[tuple[str, int]] = collections.Counter()
        self.buckets: dict[str, list[int]] = {}
        self.sums: collections.defaultdict[str, float] = collections.defaultdict(float)  # seconds
        self.recent: dict[str, collections.deque[float]] = {}
        self.results: collections.Counter[str] = collections.Counter()
        self.in_flight = 0

    def observe(self, path: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        self.counts[path, status] += 1
        self.sums[path] += seconds
        buckets = self.buckets.setdefault(path, [0] * (len(LATENCY_BUCKETS_S) + 1))
        buckets[bisect.bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        self.recent.setdefault(path, collections.deque(maxlen=LATENCY_WINDOW)).append(seconds)

    def as_json(self, limits: Limits) -> dict[str, Any]:
        """Counts, statuses and latency quantiles per endpoint, and the call results so far."""
        requests: dict[str, Any] = {}
        for path, latencies in sorted(self.recent.items()):
            ordered = sorted(latencies)
            by_status = {str(status): n for (p, status), n in sorted(self.counts.items()) if p == path}
            requests[path] = {
                "count": sum(by_status.values()),
                "by_status": by_status,
                "latency_s": {
                    "mean": self.sums[path] / sum(by_status.values()),
                    "p50": ordered[len(ordered) // 2],
                    "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
                    "max": ordered[-1],
                    "window": len(ordered),
                },
            }
        return {
            "uptime_s": round(time.time() - self.started, 3),
            "in_flight": self.in_flight,
            "threads": limits.threads,
            "calls": dict(self.results),
            "requests": requests,
        }

    def as_prometheus(self) -> str:
        """The same figures in Prometheus' text exposition format."""
        lines = ["# TYPE tinkerer_requests_total counter"]
        lines += [
            f'tinkerer_requests_total{{path="{p}",status="{s}"}} {n}' for (p, s), n in sorted(self.counts.items())
        ]
        lines.append("# TYPE tinkerer_request_duration_seconds histogram")
        for path, buckets in sorted(self.buckets.items()):
            total = 0
            for bound, count in zip((*LATENCY_BUCKETS_S, "+Inf"), buckets, strict=True):
                total += count
                lines.append(f'tinkerer_request_duration_seconds_bucket{{path="{path}",le="{bound}"}} {total}')
            lines.append(f'tinkerer_request_duration_seconds_sum{{path="{path}"}} {self.sums[path]}')
            lines.append(f'tinkerer_request_duration_seconds_count{{path="{path}"}} {total}')
        lines.append("# TYPE tinkerer_call_results_total counter")
        lines += [f'tinkerer_call_results_total{{status="{s}"}} {n}' for s, n in sorted(self.results.items())]
        lines += ["# TYPE tinkerer_calls_in_flight gauge", f"tinkerer_calls_in_flight {self.in_flight}"]
        return "\n".join(lines) + "\n"


class _Refused(Exception):
    """A request the service answers with ``status`` and an error result instead of running it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def create_app(
    call: Call,
    entry: str,
    limits: Limits,
    allowed_hosts: tuple[str, ...] = ("*",),
    owner_pid: int | None = None,
    access_log: bool = True,
) -> Any:
    """The ASGI app serving ``call``: starlette routes inside a wrapper that checks Host, records metrics and
    logs a line per request. With ``owner_pid``, the service stops (gracefully) when that process, its parent,
    is gone."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    metrics = Metrics()
    pool = ThreadPoolExecutor(max_workers=limits.threads, thread_name_prefix="call")

    def respond(status: int, payload: Any = None, data: bytes | None = None) -> Response:
        return Response(encode(payload) if data is None else data, status, media_type="application/json")

    def run_items(body: Any, batch: bool) -> tuple[bytes, list[str]]:
        """In a pool thread: the result of ``body`` (a list of them for a batch) encoded, and the call statuses."""
        results = [call(item) for item in (body if batch else [body])]
        return encode(results if batch else results[0]), [result.get("status", "error") for result in results]

    async def read_json(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared and int(declared) > limits.max_body_bytes:
            raise _Refused(413, f"the request body ({declared} bytes) is over the limit of {limits.max_body_bytes}")
        body = bytearray()
        try:
            async with asyncio.timeout(limits.body_timeout_s):
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > limits.max_body_bytes:
                        raise _Refused(413, f"the request body is over the limit of {limits.max_body_bytes} bytes")
        except TimeoutError:
            raise _Refused(408, f"the request body did not arrive within {limits.body_timeout_s:g} s") from None
        try:
            return json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise _Refused(400, f"the request body is not JSON: {error}") from None

    async def run(request: Request) -> Response:
        batch = request.scope["path"] == "/run_batch"
        try:
            body = await read_json(request)
            problem = _shape_problem(body, batch)
            if problem:
                raise _Refused(400, problem)
            if batch and len(body) > limits.max_batch:
                raise _Refused(413, f"a batch holds at most {limits.max_batch} items, got {len(body)}")
            if metrics.in_flight >= limits.max_pending:
                raise _Refused(503, f"the service is busy ({metrics.in_flight} calls pending); retry shortly")
        except _Refused as refused:
            return respond(refused.status, error_result(str(refused)))
        metrics.in_flight += 1
        try:
            data, statuses = await asyncio.get_running_loop().run_in_executor(pool, run_items, body, batch)
        finally:
            metrics.in_flight -= 1
        metrics.results.update(statuses)
        return respond(200, data=data)

    async def health(request: Request) -> Response:
        return respond(200, {"status": "ok", "entry": entry, "pid": os.getpid(), "in_flight": metrics.in_flight})

    async def report(request: Request) -> Response:
        if request.query_params.get("format") == "prometheus" or "text/plain" in request.headers.get("accept", ""):
            return PlainTextResponse(metrics.as_prometheus(), media_type="text/plain; version=0.0.4")
        return respond(200, metrics.as_json(limits))

    async def http_error(request: Request, error: Exception) -> Response:
        status = getattr(error, "status_code", 500)
        hint = "GET /health or /metrics, POST /run, /predict or /run_batch"
        return respond(status, error_result(f"{request.method} {request.scope['path']} is not served: use {hint}"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        watch = asyncio.create_task(_stop_without_owner(owner_pid)) if owner_pid else None
        yield
        if watch:
            watch.cancel()
        pool.shutdown(wait=False, cancel_futures=True)  # uvicorn waited for the calls in flight

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/metrics", report, methods=["GET"]),
            Route("/run", run, methods=["POST"]),
            Route("/predict", run, methods=["POST"]),
            Route("/run_batch", run, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    return _Observed(app, metrics, allowed_hosts, access_log)


async def _stop_without_owner(owner_pid: int) -> None:
    """Once the process that started the service is no longer its parent (it died, even by SIGKILL), SIGTERM
    ourselves: uvicorn then stops as it does for any SIGTERM, letting calls in flight finish."""
    while os.getppid() == owner_pid:
        await asyncio.sleep(OWNER_POLL_S)
    print(f"[service] its owner (pid {owner_pid}) is gone: stopping", file=sys.stderr, flush=True)
    signal.raise_signal(signal.SIGTERM)


class _Observed:
    """ASGI wrapper: refuses a Host outside ``allowed_hosts``, times every request into ``metrics`` and logs it."""

    def __init__(self, app: Any, metrics: Metrics, allowed_hosts: tuple[str, ...], access_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.allowed_hosts = allowed_hosts
        self.access_log = access_log

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope["path"] if scope["path"] in ENDPOINTS else "other"
        status = 500

        async def observed_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            host = _host_name(dict(scope["headers"]).get(b"host", b"").decode("latin-1"))
            if not host or "*" in self.allowed_hosts or host in self.allowed_hosts:
                await self.app(scope, receive, observed_send)
            else:
                allowed = ", ".join(self.allowed_hosts)
                message = (
                    f"Host {host!r} is not served here (allowed: {allowed}); start the service with --allowed-hosts"
                )
                await _send_json(observed_send, 400, error_result(message))
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(path, status, elapsed)
            if self.access_log:
                sys.stderr.write(f"[service] {scope['method']} {scope['path']} {status} {1000 * elapsed:.1f} ms\n")


def _host_name(header: str) -> str:
    """The name in a Host header, without its port (``[::1]:80`` -> ``[::1]``)."""
    if header.startswith("["):
        return header.partition("]")[0] + "]"
    return header.rpartition(":")[0] if header.count(":") == 1 else header


async def _send_json(send: Any, status: int, payload: Any) -> None:
    data = encode(payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def header_timeout_protocol(timeout_s: float) -> type:
    """uvicorn's h11 protocol with a deadline for each request's headers: a client that starts a request and
    never finishes its headers (slowloris) is disconnected after ``timeout_s`` instead of holding a connection."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutH11Protocol(H11Protocol):
        deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.deadline = self.loop.call_later(timeout_s, self.headers_late)

        def data_received(self, data: bytes) -> None:
            if self.deadline is None and self.conn.their_state is h11.IDLE:  # the next request on this connection
                self.deadline = self.loop.call_later(timeout_s, self.headers_late)
            super().data_received(data)

        def handle_events(self) -> None:
            super().handle_events()
            if self.deadline is not None and self.conn.their_state is not h11.IDLE:  # the headers are in
                self.deadline.cancel()
                self.deadline = None

        def connection_lost(self, exc: Exception | None) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
            super().connection_lost(exc)

        def headers_late(self) -> None:
            self.deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeaderTimeoutH11Protocol


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback interface only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(app: Any, host: str, port: int, limits: Limits, ready_file: Path | None = None) -> None:
    """Serve ``app`` with uvicorn on ``host:port`` (0: a free port, written to ``ready_file``) until SIGTERM/SIGINT."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=header_timeout_protocol(limits.header_timeout_s),
        ws="none",
        lifespan="on",
        timeout_keep_alive=int(max(1, limits.keep_alive_s)),
        timeout_graceful_shutdown=int(max(1, limits.shutdown_timeout_s)),
        limit_concurrency=limits.max_connections,
        backlog=2048,
        access_log=False,  # the app logs one short line per request itself
        log_level="warning",
        server_header=False,
    )
    sock = config.bind_socket()
    sock.listen(config.backlog)
    bound = sock.getsockname()[1]
    if ready_file:
        partial = ready_file.with_suffix(".partial")
        partial.write_text(json.dumps({"port": bound, "pid": os.getpid()}))
        partial.replace(ready_file)
    shown = f"[{host}]" if ":" in host else host
    print(f"[service] listening on http://{shown}:{bound} with {limits.threads} call threads", file=sys.stderr)
    sys.stderr.flush()
    uvicorn.Server(config).run(sockets=[sock])


def port(text: str) -> int:
    """A TCP port for ``--port``: 1-65535, or 0 to pick a free one (as ``tinkerer_core.cli_args.port``, which this
    self-contained script cannot import inside a container)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port {text!r} is not a whole number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range: give 1-65535, or 0 to pick a free one")
    return value


def main(argv: list[str] | None = None) -> None:
    defaults = Limits()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path, help="the solution directory")
    parser.add_argument("--entry", required=True, help="module:function, or module to run as a program")
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind; anything but loopback warns")
    parser.add_argument("--port", type=port, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", type=Path, help="written with the port once the service listens")
    parser.add_argument("--program-timeout", type=float, default=600.0, help="longest a program entry may run")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="calls that run at the same time")
    parser.add_argument("--max-pending", type=int, default=defaults.max_pending, help="calls running or queued")
    parser.add_argument("--max-body-bytes", type=int, default=defaults.max_body_bytes)
    parser.add_argument("--max-batch", type=int, default=defaults.max_batch, help="items in one /run_batch")
    parser.add_argument("--header-timeout", type=float, default=defaults.header_timeout_s)
    parser.add_argument("--body-timeout", type=float, default=defaults.body_timeout_s)
    parser.add_argument("--keep-alive", type=float, default=defaults.keep_alive_s)
    parser.add_argument("--shutdown-timeout", type=float, default=defaults.shutdown_timeout_s)
    parser.add_argument("--max-connections", type=int, default=defaults.max_connections)
    parser.add_argument(
        "--allowed-hosts",
        default="",
        help="comma-separated Host names served besides loopback ones, * for any; default: any unless bound to loopback",
    )
    parser.add_argument("--owner-pid", type=int, help="stop when this process (the parent) is gone")
    parser.add_argument("--no-access-log", action="store_true", help="do not log a line per request")
    args = parser.parse_args(argv)
    missing = [name for name in SERVER_REQUIREMENTS if importlib.util.find_spec(name) is None]
    if missing:
        parser.exit(2, f"[service] {sys.executable} lacks {', '.join(missing)}: pip install {' '.join(missing)}\n")
    for name in ("threads", "max_pending", "max_body_bytes", "max_batch", "max_connections"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    limits = Limits(
        threads=args.threads,
        max_pending=args.max_pending,
        max_body_bytes=args.max_body_bytes,
        max_batch=args.max_batch,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        keep_alive_s=args.keep_alive,
        shutdown_timeout_s=args.shutdown_timeout,
        max_connections=args.max_connections,
    )
    loopback = is_loopback(args.host)
    if not loopback and not os.environ.get("TINKERER_IN_CONTAINER"):
        print(
            f"[service] WARNING: bound to {args.host}, not loopback: the service is reachable from the network",
            file=sys.stderr,
        )
    if args.allowed_hosts:  # loopback names stay allowed: the owner's own health checks use them
        allowed = (*LOOPBACK_NAMES, *(name.strip() for name in args.allowed_hosts.split(",") if name.strip()))
    else:
        allowed = LOOPBACK_NAMES if loopback else ("*",)

    solution_dir = args.dir.resolve()
    os.chdir(solution_dir)
    module, _, function = args.entry.partition(":")
    call = (
        function_call(load_function(solution_dir, module, function))
        if function
        else program_call(solution_dir, module, args.program_timeout)
    )
    app = create_app(call, args.entry, limits, allowed, args.owner_pid, access_log=not args.no_access_log)
    serve(app, args.host, args.port, limits, args.ready_file)


if __name__ == "__main__":
    main()
