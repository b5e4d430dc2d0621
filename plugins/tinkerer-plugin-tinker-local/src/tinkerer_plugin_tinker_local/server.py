"""A Tinker-compatible HTTP server on 127.0.0.1: the unmodified ``tinker`` SDK and tinker-cookbook talk to it.

Model work (create_model, forward_backward, optim_step, save/load, sampling) is queued as futures and run
by one worker thread in arrival order; ``retrieve_future`` long-polls for the result (protobuf for
forward_backward outputs and samples, JSON otherwise). Sessions, heartbeats, capabilities, training runs
and checkpoints are answered directly.

Only its owner gets in: the server makes a key at every start (``api_key``, also written with mode 0600 to
``<data_dir>/api-key``), and refuses requests without it (401), for another ``Host`` or from another ``Origin``
(403), see ``tinkerer_core.local_server_auth``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlparse

from tinkerer_core.errors import TinkererError
from tinkerer_core.local_server_auth import LocalAccess, OwnerOnlyHandler, is_loopback, new_key, remove_key, write_key
from tinkerer_plugin_tinker_local import catalog, wire
from tinkerer_plugin_tinker_local.backend import Backend
from tinkerer_plugin_tinker_local.checkpoints import CheckpointStore
from tinkerer_plugin_tinker_local.work_queue import Future, WorkQueue, run

log = logging.getLogger(__name__)

PROTOBUF = "application/x-protobuf"
KEEP_RESULTS_S = 600.0  # finished results stay retrievable this long
RETRIEVE_WAIT_S = 40.0  # under the SDK's 45 s read timeout: a retrieve_future waits this long, then try_again
MAX_BODY_BYTES = 64 << 20  # the SDK splits forward_backward into chunks of about 5 MB
KEY_FILE = "api-key"  # in the data dir: the running server's key, for Tinkerer's clients
KEY_PREFIX = "tml-local-"  # the SDK accepts only keys that start with "tml-"
CLIENT_CONFIG = {
    "pjwt_auth_enabled": False,
    "use_pyqwest_transport": False,
    "proto_compress_fwdbwd": False,
    "sample_use_retrieve_futures": False,
    "custom_loss_server_side": False,
    "sample_join_sampling_session": False,
}


class _Reply(Exception):
    """Raised by a handler to answer with a status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


class TinkerLocalServer:
    """The server: start it in a thread (``start``/``stop``, or as a context manager) or ``serve_forever``."""

    def __init__(self, data_dir: Path, port: int = 0, device: str | None = None, host: str = "127.0.0.1") -> None:
        if not is_loopback(host):
            log.warning("the local Tinker server listens on %s: other machines can reach it (with its key)", host)
        self.store = CheckpointStore(data_dir / "runs")
        self._snapshots = Path(tempfile.mkdtemp(prefix="snapshots-", dir=data_dir))  # this server's alone
        self.backend = Backend(self.store, self._snapshots, device)
        self._futures: dict[str, Future] = {}
        self._queue = WorkQueue()
        self._sessions: dict[str, dict[str, Any]] = {}
        handler = cast("type[Handler]", type("BoundHandler", (Handler,), {"tinker": self}))  # type() says only `type`
        self._http = ThreadingHTTPServer((host, port), handler)
        self._http.daemon_threads = True
        self.api_key = new_key(KEY_PREFIX)
        handler.access = LocalAccess(self.api_key, self._http.server_address[1], host)
        self.key_file = write_key(key_file(data_dir), self.api_key)
        self._threads: list[threading.Thread] = []

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` (or ``TINKER_BASE_URL``); ``api_key`` is the key to send."""
        host, port = cast("tuple[str, int]", self._http.server_address[:2])  # bound AF_INET: the stub allows bytes
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"

    def start(self) -> TinkerLocalServer:
        """Serve in background threads."""
        self._threads = [
            threading.Thread(target=self._work, name="tinker-local-worker", daemon=True),
            threading.Thread(target=self._http.serve_forever, name="tinker-local-http", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted."""
        threading.Thread(target=self._work, name="tinker-local-worker", daemon=True).start()
        try:
            self._http.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving; queued work that has not started is dropped."""
        self._queue.close()
        self._http.shutdown()
        self._http.server_close()
        shutil.rmtree(self._snapshots, ignore_errors=True)
        remove_key(self.key_file, self.api_key)

    def __enter__(self) -> TinkerLocalServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- the worker ---------------------------------------------------------------------------

    def _work(self) -> None:
        run(self._queue, self.backend.sample, log)

    def submit(self, future: Future, **extra: Any) -> dict[str, Any]:
        """Queue model work; the reply is an ``UntypedAPIFuture``."""
        self._forget_old_results()
        request_id = f"req-{uuid.uuid4().hex}"
        self._futures[request_id] = future
        self._queue.put(future)
        return {"request_id": request_id, **extra}

    def _forget_old_results(self) -> None:
        """Drop results finished more than ``KEEP_RESULTS_S`` ago: a long run must not hold every step's output."""
        horizon = time.monotonic() - KEEP_RESULTS_S
        for request_id in [
            key for key, f in list(self._futures.items()) if f.done.is_set() and f.finished_at < horizon
        ]:
            self._futures.pop(request_id, None)

    def retrieve(self, request_id: str) -> tuple[int, str, bytes]:
        """Wait for a future; its payload, a failure, or try_again when it is still running."""
        future = self._futures.get(request_id)
        if future is None:
            return _json(404, {"detail": f"unknown request_id {request_id!r}"})
        if not future.done.wait(RETRIEVE_WAIT_S):
            return _json(200, {"type": "try_again", "request_id": request_id, "queue_state": "active"})
        if future.error is not None:
            return _json(200, {"error": future.error, "category": "user" if future.user_error else "server"})
        if isinstance(future.result, bytes):
            return 200, PROTOBUF, future.result
        return _json(200, future.result or {})

    # --- direct answers -----------------------------------------------------------------------

    def create_session(self, body: dict[str, Any]) -> dict[str, Any]:
        session_id = f"session-{uuid.uuid4().hex[:12]}"
        self._sessions[session_id] = {
            "created": time.time(),
            "user_metadata": body.get("user_metadata"),
            "display_name": body.get("display_name"),
            "training_run_ids": [],
            "sampler_ids": [],
        }
        return {"type": "create_session", "session_id": session_id}

    def session(self, session_id: str) -> dict[str, Any]:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise _Reply(404, {"detail": f"unknown session {session_id!r}"}) from None

    def capabilities(self) -> dict[str, Any]:
        return {
            "supported_models": [
                {
                    "model_name": model.name,
                    "max_context_length": model.max_context_length,
                    "trainable": True,
                    "sampleable": True,
                }
                for model in catalog.MODELS.values()
            ]
        }

    def training_run(self, run_id: str) -> dict[str, Any]:
        record = self.store.run(run_id)
        checkpoints = self.store.checkpoints(run_id)
        last = {
            kind: [_checkpoint(c) for c in checkpoints if c["checkpoint_type"] == kind][-1:]
            for kind in ("training", "sampler")
        }
        return {
            "training_run_id": run_id,
            "base_model": record["base_model"],
            "model_owner": "local",
            "is_lora": True,
            "lora_rank": record["lora_config"]["rank"],
            "last_request_time": _iso(max([record["created"], *(c["time"] for c in checkpoints)])),
            "last_checkpoint": last["training"][0] if last["training"] else None,
            "last_sampler_checkpoint": last["sampler"][0] if last["sampler"] else None,
            "user_metadata": None,
        }


def default_data_dir() -> Path:
    """Where ``tinkerer tinker-local serve`` keeps runs, checkpoints and its key unless told otherwise."""
    return catalog.cache_root() / "data"


def key_file(data_dir: Path) -> Path:
    """Where the server that keeps its runs in ``data_dir`` writes its key while it runs."""
    return data_dir / KEY_FILE


def _checkpoint(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "time": _iso(record["time"])}


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()


def _page(items: list[dict[str, Any]], query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
    return items[offset : offset + limit], {"offset": offset, "limit": limit, "total_count": len(items)}


# --- routes ----------------------------------------------------------------------------------

Route = Callable[[TinkerLocalServer, Any, dict[str, str], dict[str, str]], Any]
ROUTES: list[tuple[str, re.Pattern[str], Route]] = []


def route(method: str, pattern: str) -> Callable[[Route], Route]:
    """Register a handler for ``method`` and a path pattern under /api/v1 (named groups become arguments)."""

    def register(handler: Route) -> Route:
        ROUTES.append((method, re.compile(f"^/api/v1/{pattern}$"), handler))
        return handler

    return register


@route("GET", "healthz")
def _healthz(server, body, params, query):
    return {"status": "ok"}


@route("POST", "client/config")
def _client_config(server, body, params, query):
    return CLIENT_CONFIG


@route("POST", "client/dynamic_config")
def _dynamic_config(server, body, params, query):
    return {}


@route("POST", "telemetry")
def _telemetry(server, body, params, query):
    return {"status": "accepted"}


@route("POST", "create_session")
def _create_session(server, body, params, query):
    return server.create_session(body)


@route("POST", "session_heartbeat")
def _heartbeat(server, body, params, query):
    server.session(body["session_id"])
    return {"type": "session_heartbeat"}


@route("GET", "get_server_capabilities")
def _capabilities(server, body, params, query):
    return server.capabilities()


@route("POST", "create_model")
def _create_model(server, body, params, query):
    session = server.session(body["session_id"])

    def work() -> dict[str, Any]:
        model_id = server.backend.create_model(
            body["session_id"], body["model_seq_id"], body["base_model"], body.get("lora_config")
        )
        session["training_run_ids"].append(model_id)
        return {"type": "create_model", "model_id": model_id}

    return server.submit(Future(work))


@route("POST", "get_info")
def _get_info(server, body, params, query):
    return {"type": "get_info", **server.backend.info(body["model_id"])}


@route("POST", "forward_backward")
def _forward_backward(server, body, params, query):
    request = wire.decode_forward_backward(body)
    return server.submit(Future(lambda: server.backend.forward_backward(request)), model_id=request.model_id)


@route("POST", "optim_step")
def _optim_step(server, body, params, query):
    optim = body.get("adam_params") or body.get("optim_params") or body.get("optimizer_params") or {}
    return server.submit(
        Future(lambda: {"metrics": server.backend.optim_step(body["model_id"], optim)}), model_id=body["model_id"]
    )


@route("POST", "save_weights")
def _save_weights(server, body, params, query):
    def work() -> dict[str, Any]:
        path = server.backend.save(
            body["model_id"], body.get("path"), "training", body.get("user_metadata"), body.get("overwrite", False)
        )
        return {"type": "save_weights", "path": path}

    return server.submit(Future(work), model_id=body["model_id"])


@route("POST", "save_weights_for_sampler")
def _save_weights_for_sampler(server, body, params, query):
    def work() -> dict[str, Any]:
        if body.get("path"):
            path = server.backend.save(body["model_id"], body["path"], "sampler", body.get("user_metadata"))
            return {"type": "save_weights_for_sampler", "path": path}
        return {
            "type": "save_weights_for_sampler",
            "sampling_session_id": server.backend.sampler_from_model(body["model_id"]),
        }

    return server.submit(Future(work), model_id=body["model_id"])


@route("POST", "load_weights")
def _load_weights(server, body, params, query):
    def work() -> dict[str, Any]:
        model_id = body.get("model_id")
        if model_id:
            server.backend.load(model_id, body["path"], body.get("optimizer", False))
        else:
            session = server.session(body["session_id"])
            model_id = server.backend.create_model_from_checkpoint(
                body["session_id"], body["model_seq_id"], body["path"], body.get("optimizer", False)
            )
            session["training_run_ids"].append(model_id)
        return {"type": "load_weights", "path": body["path"], "model_id": model_id}

    return server.submit(Future(work), model_id=body.get("model_id"))


@route("POST", "create_sampling_session")
def _create_sampling_session(server, body, params, query):
    session = server.session(body["session_id"])
    sampler_id = server.backend.create_sampler(body.get("base_model"), body.get("model_path"))
    session["sampler_ids"].append(sampler_id)
    return {"type": "create_sampling_session", "sampling_session_id": sampler_id}


@route("POST", "asample")
def _asample(server, body, params, query):
    sampler_id = body.get("sampling_session_id") or server.backend.create_sampler(
        body.get("base_model"), body.get("model_path")
    )
    sequence_ids = [f"seq-{uuid.uuid4().hex[:12]}" for _ in range(int(body.get("num_samples", 1)))]
    return server.submit(Future(sample=(sampler_id, body)), sample_sequence_ids=sequence_ids)


@route("POST", "retrieve_future")
def _retrieve_future(server, body, params, query):
    return server.retrieve(body["request_id"])


@route("POST", "cancel_future")
def _cancel_future(server, body, params, query):
    return {}


@route("POST", "sessions/(?P<session_id>[^/]+)/finish")
def _finish_session(server, body, params, query):
    server.session(params["session_id"])
    return {}


@route("GET", "sessions/(?P<session_id>[^/]+)")
def _get_session(server, body, params, query):
    session = server.session(params["session_id"])
    return {key: session[key] for key in ("training_run_ids", "sampler_ids", "user_metadata", "display_name")}


@route("GET", "sessions")
def _list_sessions(server, body, params, query):
    return {"sessions": list(server._sessions)}


@route("GET", "samplers/(?P<sampler_id>[^/]+)")
def _get_sampler(server, body, params, query):
    return server.backend.samplers_for(params["sampler_id"])


@route("GET", "training_runs")
def _training_runs(server, body, params, query):
    runs, cursor = _page([server.training_run(run["training_run_id"]) for run in server.store.runs()], query)
    return {"training_runs": runs, "cursor": cursor}


@route("GET", "training_runs/(?P<run_id>[^/]+)")
def _training_run(server, body, params, query):
    return server.training_run(params["run_id"])


@route("GET", "training_runs/(?P<run_id>[^/]+)/checkpoints")
def _checkpoints(server, body, params, query):
    return {"checkpoints": [_checkpoint(c) for c in server.store.checkpoints(params["run_id"])]}


@route("DELETE", "training_runs/(?P<run_id>[^/]+)/checkpoints/(?P<checkpoint_id>.+)")
def _delete_checkpoint(server, body, params, query):
    server.store.delete(f"tinker://{params['run_id']}/{params['checkpoint_id']}")
    return {}


@route("POST", "weights_info")
def _weights_info(server, body, params, query):
    path, _ = server.store.existing(body["tinker_path"])
    record = server.store.run(path.run_id)
    lora = record["lora_config"]
    return {
        "base_model": record["base_model"],
        "is_lora": True,
        "lora_rank": lora["rank"],
        **{key: lora[key] for key in ("train_unembed", "train_mlp", "train_attn")},
    }


class Handler(OwnerOnlyHandler):
    """Routes ``/api/v1`` requests of the server's owner to the route handlers."""

    tinker: TinkerLocalServer
    protocol_version = "HTTP/1.1"
    max_body_bytes = MAX_BODY_BYTES
    timeout = 120  # idle keep-alive connections and stalled requests are dropped after this

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        if not self.admit():
            return
        raw = self.read_body()
        if raw is None:
            return
        url = urlparse(self.path)
        query = dict(part.split("=", 1) for part in url.query.split("&") if "=" in part)
        for route_method, pattern, handler in ROUTES:
            match = pattern.match(unquote(url.path))
            if route_method == method and match:
                self._answer(handler, raw, match.groupdict(), query)
                return
        self._send(*_json(404, {"detail": f"{method} {url.path} is not part of the local Tinker API"}))

    def _answer(self, handler: Route, raw: bytes, params: dict[str, str], query: dict[str, str]) -> None:
        try:
            is_protobuf = PROTOBUF in (self.headers.get("Content-Type") or "")
            body = raw if is_protobuf else (json.loads(raw) if raw else {})
            result = handler(self.tinker, body, params, query)
            self._send(*(result if isinstance(result, tuple) else _json(200, result)))
        except _Reply as reply:
            self._send(*_json(reply.status, reply.body))
        except (TinkererError, wire.WireError, KeyError, ValueError) as error:
            detail = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            self._send(*_json(400, {"detail": detail}))

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)
