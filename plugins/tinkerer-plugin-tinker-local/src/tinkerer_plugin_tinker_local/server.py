"""A Tinker-compatible HTTP server on 127.0.0.1: the unmodified ``tinker`` SDK and tinker-cookbook talk to it.

Model work (create_model, forward_backward, optim_step, save/load, exports, sampling) is queued as futures and
run by one worker thread in arrival order; ``retrieve_future`` long-polls for the result (protobuf for
forward_backward outputs and samples, JSON otherwise). Everything else is answered directly (``routes``).
Every request gets an answer: a route, or a 4xx the SDK does not retry that says why (a path that is not part
of the API is 404, a known path with another method 405).

Only its owner gets in: the server makes a key at every start (``api_key``, also written with mode 0600 to
``<data_dir>/api-key``), and refuses requests without it (401), for another ``Host`` or from another ``Origin``
(403), see ``tinkerer_core.local_server_auth``. The SDK trades the key for a JWT the server signs with it
(``identity``), which it then sends in the key's place.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlparse

from tinkerer_core import TinkererError
from tinkerer_core.local_server_auth import (
    LocalAccess,
    OwnerOnlyHandler,
    is_loopback,
    new_key,
    presented_key,
    remove_key,
    write_key,
)
from tinkerer_plugin_tinker_local import catalog, identity, wire
from tinkerer_plugin_tinker_local.backend import Backend
from tinkerer_plugin_tinker_local.checkpoints import CheckpointStore
from tinkerer_plugin_tinker_local.sessions import Event, Sessions
from tinkerer_plugin_tinker_local.work_queue import Future, WorkQueue, run

log = logging.getLogger(__name__)

PROTOBUF = "application/x-protobuf"
KEEP_RESULTS_S = 600.0  # finished results stay retrievable this long
RETRIEVE_WAIT_S = 40.0  # under the SDK's 45 s read timeout: a retrieve_future waits this long, then try_again
MAX_BODY_BYTES = 64 << 20  # the SDK splits forward_backward into chunks of about 5 MB
KEY_FILE = "api-key"  # in the data dir: the running server's key, for Tinkerer's clients
KEY_PREFIX = "tml-local-"  # the SDK accepts only keys that start with "tml-"
EXPIRY_SWEEP_S = 60.0  # expired checkpoints are deleted this often (and whenever one is looked up)
CLIENT_CONFIG = {
    "pjwt_auth_enabled": True,
    "use_pyqwest_transport": False,
    "proto_compress_fwdbwd": False,
    "sample_use_retrieve_futures": False,
    "custom_loss_server_side": False,
    "sample_join_sampling_session": False,
}


class Reply(Exception):
    """Raised by a route to answer with a status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


class TinkerLocalServer:
    """The server: start it in a thread (``start``/``stop``, or as a context manager) or ``serve_forever``."""

    def __init__(self, data_dir: Path, port: int = 0, device: str | None = None, host: str = "127.0.0.1") -> None:
        if not is_loopback(host):
            log.warning("the local Tinker server listens on %s: other machines can reach it (with its key)", host)
        self.data_dir = data_dir
        self.store = CheckpointStore(data_dir / "runs")
        self._scratch = Path(tempfile.mkdtemp(prefix="server-", dir=data_dir))  # this server's alone
        self.backend = Backend(self.store, self._scratch / "snapshots", device)
        self.sessions = Sessions(identity.owner(), self._scratch / "traces")
        self._futures: dict[str, Future] = {}
        self._queue = WorkQueue()
        handler = cast("type[Handler]", type("BoundHandler", (Handler,), {"tinker": self}))  # type() says only `type`
        self._http = ThreadingHTTPServer((host, port), handler)
        self._http.daemon_threads = True
        self.api_key = new_key(KEY_PREFIX)
        handler.access = LocalAccess(self.api_key, self._http.server_address[1], host)
        self.key_file = write_key(key_file(data_dir), self.api_key)
        self._stopped = threading.Event()
        self._clock = time.monotonic()

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` (or ``TINKER_BASE_URL``); ``api_key`` is the key to send."""
        host, port = cast("tuple[str, int]", self._http.server_address[:2])  # bound AF_INET: the stub allows bytes
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"

    def start(self) -> TinkerLocalServer:
        """Serve in background threads."""
        for target, name in ((self._work, "worker"), (self._http.serve_forever, "http"), (self._sweep, "expiry")):
            threading.Thread(target=target, name=f"tinker-local-{name}", daemon=True).start()
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted."""
        for target, name in ((self._work, "worker"), (self._sweep, "expiry")):
            threading.Thread(target=target, name=f"tinker-local-{name}", daemon=True).start()
        try:
            self._http.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving; queued work that has not started is dropped."""
        self._stopped.set()
        self._queue.close()
        self._http.shutdown()
        self._http.server_close()
        shutil.rmtree(self._scratch, ignore_errors=True)
        remove_key(self.key_file, self.api_key)

    def __enter__(self) -> TinkerLocalServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- background work ----------------------------------------------------------------------

    def _work(self) -> None:
        # first, the local models' tokenizers where the Hugging Face libraries look for them by name
        self._queue.put(Future(lambda: {"published": catalog.publish_to_hub_cache()}, name="publish_tokenizers"))
        run(self._queue, self.backend.sample, log)

    def _sweep(self) -> None:
        """Delete expired checkpoints every ``EXPIRY_SWEEP_S`` until the server stops."""
        while not self._stopped.wait(EXPIRY_SWEEP_S):
            for path in self.store.expire():
                log.info("checkpoint %s expired and was deleted", path)

    def submit(self, future: Future, **extra: Any) -> dict[str, Any]:
        """Queue model work; the reply is an ``UntypedAPIFuture``."""
        self._forget_old_results()
        request_id = f"req-{uuid.uuid4().hex}"
        self._futures[request_id] = future
        session = self.sessions.of_model(future.owner)
        future.on_done = lambda done: self.sessions.record(
            session, Event(done.name, done.started_at, done.finished_at, done.error is not None)
        )
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
            return json_reply(404, {"detail": f"unknown request_id {request_id!r}"})
        if not future.done.wait(RETRIEVE_WAIT_S):
            return json_reply(200, {"type": "try_again", "request_id": request_id, "queue_state": "active"})
        if future.error is not None:
            return json_reply(200, {"error": future.error, "category": "user" if future.user_error else "server"})
        if isinstance(future.result, bytes):
            return 200, PROTOBUF, future.result
        return json_reply(200, future.result or {})


def default_data_dir() -> Path:
    """Where ``tinkerer tinker-local serve`` keeps runs, checkpoints and its key unless told otherwise."""
    return catalog.cache_root() / "data"


def key_file(data_dir: Path) -> Path:
    """Where the server that keeps its runs in ``data_dir`` writes its key while it runs."""
    return data_dir / KEY_FILE


def json_reply(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
    """A JSON answer: status, content type and payload."""
    return status, "application/json", json.dumps(body).encode()


class Handler(OwnerOnlyHandler):
    """Routes ``/api/v1`` requests of the server's owner to the route handlers."""

    tinker: TinkerLocalServer
    protocol_version = "HTTP/1.1"
    max_body_bytes = MAX_BODY_BYTES
    timeout = 120  # idle keep-alive connections and stalled requests are dropped after this

    def request_key(self) -> str | None:
        """The key, or the key a JWT this server minted stands for."""
        key = presented_key(self.headers)
        if key is not None and key.count(".") == 2 and identity.verify(key, self.access.key):
            return self.access.key
        return key

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        from tinkerer_plugin_tinker_local.routes import ROUTES

        if not self.admit():
            return
        raw = self.read_body()
        if raw is None:
            return
        url = urlparse(self.path)
        path = unquote(url.path)
        query = dict(parse_qsl(url.query))
        allowed = []
        for route_method, pattern, handler in ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                self._answer(handler, raw, match.groupdict(), query)
                return
            if match:
                allowed.append(route_method)
        if allowed:
            detail = f"{method} is not allowed on {url.path}; use {', '.join(sorted(set(allowed)))}"
            self._send(*json_reply(405, {"detail": detail}))
            return
        self._send(*json_reply(404, {"detail": f"{method} {url.path} is not part of the local Tinker API"}))

    def _answer(self, handler: Any, raw: bytes, params: dict[str, str], query: dict[str, str]) -> None:
        try:
            is_protobuf = PROTOBUF in (self.headers.get("Content-Type") or "")
            body = raw if is_protobuf else (json.loads(raw) if raw else {})
            result = handler(self.tinker, body, params, query)
            self._send(*(result if isinstance(result, tuple) else json_reply(200, result)))
        except Reply as reply:
            self._send(*json_reply(reply.status, reply.body))
        except (TinkererError, wire.WireError, KeyError, ValueError) as error:
            detail = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            self._send(*json_reply(400, {"detail": detail}))

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)
