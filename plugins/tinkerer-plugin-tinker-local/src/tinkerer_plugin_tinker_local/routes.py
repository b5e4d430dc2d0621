"""The routes of the local Tinker API under ``/api/v1``: each SDK request, answered or refused with its reason.

A route takes the server, the JSON (or protobuf) body, the path's named groups and the query, and returns a
JSON-able dict (200) or ``(status, content type, payload)``; it raises ``Reply`` for another status. Model
work goes through ``server.submit`` as a future. What has no meaning on one machine (billing, the audit log)
is refused with 400 and the reason, which the SDK does not retry.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tinkerer_plugin_tinker_local import catalog, exports, identity, wire
from tinkerer_plugin_tinker_local.checkpoints import CheckpointPath
from tinkerer_plugin_tinker_local.sessions import SessionError
from tinkerer_plugin_tinker_local.work_queue import Future

if TYPE_CHECKING:
    from tinkerer_plugin_tinker_local.server import TinkerLocalServer

Route = Callable[["TinkerLocalServer", Any, dict[str, str], dict[str, str]], Any]
ROUTES: list[tuple[str, re.Pattern[str], Route]] = []
CHECKPOINT = (
    r"training_runs/(?P<run_id>[^/]+)/checkpoints/(?P<checkpoint_id>(?:weights|sampler_weights|external_weights)/[^/]+)"
)
URL_LIFETIME_S = 3600  # how long the file URLs of an export are said to stay valid (they are local paths)
REFUSED = {
    "billing": "a local server keeps no billing: nothing it does costs money (token counts are in each "
    "forward_backward's metrics and in the session trace)",
    "audit": "a local server keeps no audit log: it has one owner and no organization, projects or teams",
}


def route(method: str, pattern: str) -> Callable[[Route], Route]:
    """Register a handler for ``method`` and a path pattern under /api/v1 (named groups become arguments)."""

    def register(handler: Route) -> Route:
        ROUTES.append((method, re.compile(f"^/api/v1/{pattern}$"), handler))
        return handler

    return register


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat()


def _checkpoint(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "time": _iso(record["time"]), "expires_at": _iso(record["expires_at"])}


def _page(items: list[Any], query: dict[str, str], default: int = 100) -> tuple[list[Any], dict[str, int]]:
    offset, limit = int(query.get("offset", 0)), int(query.get("limit", default))
    return items[offset : offset + limit], {"offset": offset, "limit": limit, "total_count": len(items)}


def _session(server: TinkerLocalServer, session_id: str) -> Any:
    from tinkerer_plugin_tinker_local.server import Reply

    try:
        return server.sessions.get(session_id)
    except SessionError as error:
        raise Reply(404, {"detail": str(error)}) from None


def _refuse(what: str) -> Any:
    from tinkerer_plugin_tinker_local.server import Reply

    raise Reply(400, {"detail": REFUSED[what]})


# --- client set-up and sessions -----------------------------------------------------------------


@route("GET", "healthz")
def _healthz(server, body, params, query):
    return {"status": "ok"}


@route("POST", "client/config")
def _client_config(server, body, params, query):
    from tinkerer_plugin_tinker_local.server import CLIENT_CONFIG

    return CLIENT_CONFIG


@route("POST", "client/dynamic_config")
def _dynamic_config(server, body, params, query):
    return {}


@route("POST", "auth/token")
def _auth_token(server, body, params, query):
    return {"jwt": identity.mint(server.api_key)}


@route("POST", "telemetry")
def _telemetry(server, body, params, query):
    return {"status": "accepted"}


@route("POST", "create_session")
def _create_session(server, body, params, query):
    return {"type": "create_session", "session_id": server.sessions.create(body).session_id}


@route("POST", "session_heartbeat")
def _heartbeat(server, body, params, query):
    _session(server, body["session_id"])
    return {"type": "session_heartbeat"}


@route("POST", "sessions/search")
def _search_sessions(server, body, params, query):
    usage: dict[str, tuple[int, int]] = {}
    for checkpoint in server.store.all_checkpoints():
        run = checkpoint["tinker_path"].removeprefix("tinker://").split("/")[0]
        count, size = usage.get(run, (0, 0))
        usage[run] = (count + 1, size + checkpoint["size_bytes"])
    return server.sessions.search(body, usage)


@route("POST", "sessions/(?P<session_id>[^/]+)/finish")
def _finish_session(server, body, params, query):
    session = _session(server, params["session_id"])
    if session.finished is None:  # first wins
        session.finished = {"reason": body.get("reason") or {"type": "success"}, "detail": body.get("detail")}
    return {}


@route("PUT", "sessions/(?P<session_id>[^/]+)/project")
def _assign_project(server, body, params, query):
    project = body.get("project_id")
    if not project:
        raise ValueError("project_id is required: the project (a local label) to put the session in")
    _session(server, params["session_id"]).project_id = project
    return {}


@route("GET", "sessions/(?P<session_id>[^/]+)/trace_export")
def _trace_export(server, body, params, query):
    path = server.sessions.export_trace(_session(server, params["session_id"]).session_id)
    return {"status": "ready", "url": path.as_uri()}


@route("GET", "sessions/(?P<session_id>[^/]+)")
def _get_session(server, body, params, query):
    session = _session(server, params["session_id"])
    return {
        "training_run_ids": session.training_run_ids,
        "sampler_ids": session.sampler_ids,
        "user_metadata": session.user_metadata,
        "display_name": session.display_name,
    }


@route("GET", "sessions")
def _list_sessions(server, body, params, query):
    page, _ = _page(server.sessions.ids(), query, 20)
    return {"sessions": page}


@route("GET", "get_server_capabilities")
def _capabilities(server, body, params, query):
    return {
        "supported_models": [
            {"model_name": m.name, "max_context_length": m.max_context_length, "trainable": True, "sampleable": True}
            for m in catalog.MODELS.values()
        ]
    }


# --- training -----------------------------------------------------------------------------------


@route("POST", "create_model")
def _create_model(server, body, params, query):
    session = _session(server, body["session_id"])

    def work() -> dict[str, Any]:
        model_id = server.backend.create_model(
            body["session_id"],
            body["model_seq_id"],
            body["base_model"],
            body.get("lora_config"),
            body.get("optimizer_config"),
            body.get("user_metadata"),
        )
        session.training_run_ids.append(model_id)
        return {"type": "create_model", "model_id": model_id}

    owner = f"{body['session_id']}:train:{body['model_seq_id']}"
    return server.submit(Future(work, name="create_model", owner=owner))


@route("POST", "get_info")
def _get_info(server, body, params, query):
    return {"type": "get_info", **server.backend.info(body["model_id"])}


@route("POST", "forward_backward")
def _forward_backward(server, body, params, query):
    request = wire.decode_forward_backward(body)
    name = "forward" if request.forward_only else "forward_backward"
    future = Future(lambda: server.backend.forward_backward(request), name=name, owner=request.model_id)
    return server.submit(future, model_id=request.model_id)


@route("POST", "optim_step")
def _optim_step(server, body, params, query):
    optim = body.get("adam_params") or body.get("optimizer_params") or body.get("optim_params") or {}
    model_id = body["model_id"]
    work = Future(lambda: {"metrics": server.backend.optim_step(model_id, optim)}, name="optim_step", owner=model_id)
    return server.submit(work, model_id=model_id)


@route("POST", "save_weights")
def _save_weights(server, body, params, query):
    def work() -> dict[str, Any]:
        path = server.backend.save(
            body["model_id"],
            body.get("path"),
            "training",
            body.get("user_metadata"),
            body.get("overwrite", False),
            body.get("ttl_seconds"),
        )
        return {"type": "save_weights", "path": path}

    return server.submit(Future(work, name="save_weights", owner=body["model_id"]), model_id=body["model_id"])


@route("POST", "save_weights_for_sampler")
def _save_weights_for_sampler(server, body, params, query):
    def work() -> dict[str, Any]:
        if body.get("path"):
            path = server.backend.save(
                body["model_id"], body["path"], "sampler", body.get("user_metadata"), False, body.get("ttl_seconds")
            )
            return {"type": "save_weights_for_sampler", "path": path}
        sampler_id = server.backend.sampler_from_model(body["model_id"])
        session = server.sessions.of_model(body["model_id"])
        if session is not None:
            server.sessions.add_sampler(session.session_id, sampler_id)
        return {"type": "save_weights_for_sampler", "sampling_session_id": sampler_id}

    future = Future(work, name="save_weights_for_sampler", owner=body["model_id"])
    return server.submit(future, model_id=body["model_id"])


@route("POST", "save_weights_external")
def _save_weights_external(server, body, params, query):
    def work() -> dict[str, Any]:
        path = server.backend.save_external(
            body["model_id"], body["path"], body.get("ttl_seconds"), body.get("age_encryption_recipients")
        )
        return {"type": "save_weights_external", "path": path}

    return server.submit(Future(work, name="save_weights_external", owner=body["model_id"]), model_id=body["model_id"])


@route("POST", "load_weights")
def _load_weights(server, body, params, query):
    owner = body.get("model_id") or f"{body.get('session_id')}:train:{body.get('model_seq_id')}"

    def work() -> dict[str, Any]:
        model_id = body.get("model_id")
        if model_id:
            server.backend.load(model_id, body["path"], body.get("optimizer", False))
        else:
            session = _session(server, body["session_id"])
            model_id = server.backend.create_model_from_checkpoint(
                body["session_id"],
                body["model_seq_id"],
                body["path"],
                body.get("optimizer", False),
                body.get("optimizer_config"),
                body.get("user_metadata"),
            )
            session.training_run_ids.append(model_id)
        return {"type": "load_weights", "path": body["path"], "model_id": model_id}

    return server.submit(Future(work, name="load_weights", owner=owner), model_id=body.get("model_id"))


@route("POST", "copy_weights")
def _copy_weights(server, body, params, query):
    source = CheckpointPath.parse(body["source_path"])
    record = server.store.run(source.run_id)
    session_id = body.get("session_id")
    if session_id:
        run_id = f"{session_id}:train:{body['model_seq_id']}"
    else:
        session = server.sessions.create({"project_id": body.get("destination_project_id")})
        session_id, run_id = session.session_id, f"{session.session_id}:train:0"
    copied = {key: record[key] for key in ("base_model", "lora_config", "optimizer_config", "is_lora") if key in record}
    copied.update(session_id=session_id, copied_from=body["source_path"], trainable=False, user_metadata=None)
    path = server.store.copy(body["source_path"], run_id, copied, body.get("ttl_seconds"))
    _session(server, session_id).training_run_ids.append(run_id)
    return {"tinker_path": path}


# --- sampling -----------------------------------------------------------------------------------


@route("POST", "create_sampling_session")
def _create_sampling_session(server, body, params, query):
    session = _session(server, body["session_id"])
    sampler_id = server.backend.create_sampler(body.get("base_model"), body.get("model_path"))
    server.sessions.add_sampler(session.session_id, sampler_id)
    return {"type": "create_sampling_session", "sampling_session_id": sampler_id}


@route("POST", "asample")
def _asample(server, body, params, query):
    sampler_id = body.get("sampling_session_id") or server.backend.create_sampler(
        body.get("base_model"), body.get("model_path")
    )
    sequence_ids = [f"seq-{uuid.uuid4().hex[:12]}" for _ in range(int(body.get("num_samples", 1)))]
    return server.submit(Future(sample=(sampler_id, body), owner=sampler_id), sample_sequence_ids=sequence_ids)


@route("GET", "samplers/(?P<sampler_id>[^/]+)")
def _get_sampler(server, body, params, query):
    return server.backend.samplers_for(params["sampler_id"])


@route("POST", "retrieve_future")
def _retrieve_future(server, body, params, query):
    return server.retrieve(body["request_id"])


@route("POST", "cancel_future")
def _cancel_future(server, body, params, query):
    return {}


# --- training runs and checkpoints --------------------------------------------------------------


def training_run(server: TinkerLocalServer, run_id: str) -> dict[str, Any]:
    """A ``TrainingRun``'s fields."""
    record = server.store.run(run_id)
    checkpoints = server.store.checkpoints(run_id)
    last = {
        kind: [_checkpoint(c) for c in checkpoints if c["checkpoint_type"] == kind][-1:]
        for kind in ("training", "sampler")
    }
    return {
        "training_run_id": run_id,
        "base_model": record["base_model"],
        "model_owner": server.sessions.owner,
        "is_lora": True,
        "lora_rank": record["lora_config"]["rank"],
        "last_request_time": _iso(max([record["created"], *(c["time"] for c in checkpoints)])),
        "last_checkpoint": last["training"][0] if last["training"] else None,
        "last_sampler_checkpoint": last["sampler"][0] if last["sampler"] else None,
        "user_metadata": record.get("user_metadata"),
    }


def _project(server: TinkerLocalServer, record: dict[str, Any]) -> str | None:
    session = server.sessions.of_model(record.get("session_id"))
    return None if session is None else session.project_id


@route("GET", "training_runs")
def _training_runs(server, body, params, query):
    records = server.store.runs()
    if query.get("project_id"):
        records = [record for record in records if _project(server, record) == query["project_id"]]
    runs, cursor = _page([training_run(server, record["training_run_id"]) for record in records], query, 20)
    return {"training_runs": runs, "cursor": cursor}


@route("GET", "training_runs/(?P<run_id>[^/]+)")
def _training_run(server, body, params, query):
    return training_run(server, params["run_id"])


@route("GET", "training_runs/(?P<run_id>[^/]+)/checkpoints")
def _checkpoints(server, body, params, query):
    return {"checkpoints": [_checkpoint(c) for c in server.store.checkpoints(params["run_id"])]}


@route("GET", "checkpoints")
def _user_checkpoints(server, body, params, query):
    page, cursor = _page([_checkpoint(c) for c in server.store.all_checkpoints()], query)
    return {"checkpoints": page, "cursor": cursor}


def _path(params: dict[str, str]) -> str:
    return str(CheckpointPath.of(params["run_id"], params["checkpoint_id"]))


@route("POST", f"{CHECKPOINT}/publish")
def _publish(server, body, params, query):
    server.store.set_public(_path(params), True)
    return {}


@route("DELETE", f"{CHECKPOINT}/publish")
def _unpublish(server, body, params, query):
    server.store.set_public(_path(params), False)
    return {}


@route("PUT", f"{CHECKPOINT}/ttl")
def _set_ttl(server, body, params, query):
    server.store.set_ttl(_path(params), body.get("ttl_seconds"))
    return {}


@route("GET", f"{CHECKPOINT}/external_weights_urls")
def _external_urls(server, body, params, query):
    path, directory = server.store.existing(_path(params))
    if path.kind != "external":
        raise ValueError(f"{path} is not an export; save one with save_weights_external")
    urls = {file.name: file.as_uri() for file in exports.files(directory)}
    return {"urls": urls, "expires": _iso(time.time() + URL_LIFETIME_S)}


@route("DELETE", CHECKPOINT)
def _delete_checkpoint(server, body, params, query):
    server.store.delete(_path(params))
    return {}


@route("POST", "weights_info")
def _weights_info(server, body, params, query):
    path, _ = server.store.existing(body["tinker_path"])
    record = server.store.run(path.run_id)
    lora = record["lora_config"]
    return {
        "base_model": record["base_model"],
        "optimizer_config": record.get("optimizer_config", {"type": "adamw"}),
        "is_lora": True,
        "lora_rank": lora["rank"],
        **{key: lora[key] for key in ("train_unembed", "train_mlp", "train_attn")},
    }


# --- usage --------------------------------------------------------------------------------------


@route("GET", "billing/usage/checkpoints/current")
def _storage_usage(server, body, params, query):
    groups: dict[str | None, list[int]] = {}
    for record in server.store.runs():
        project = _project(server, record)
        if query.get("project_id") and project != query["project_id"]:
            continue
        sizes = [c["size_bytes"] for c in server.store.checkpoints(record["training_run_id"])]
        totals = groups.setdefault(project, [0, 0])
        totals[0], totals[1] = totals[0] + len(sizes), totals[1] + sum(sizes)
    return {
        "effective_rate_usd_per_gigabyte_month": None,
        "data": [
            {
                "project_id": project,
                "org_user_urn": f"tml:user:local-{server.sessions.owner}",
                "user_name": server.sessions.owner,
                "checkpoint_count": count,
                "size_bytes": size,
                "size_gigabytes": size / 1e9,
                "estimated_monthly_cost_usd": None,
            }
            for project, (count, size) in groups.items()
            if count
        ],
    }


@route("GET", "billing/usage/events")
def _billing(server, body, params, query):
    return _refuse("billing")


@route("GET", "audit")
def _audit(server, body, params, query):
    return _refuse("audit")
