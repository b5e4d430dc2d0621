"""The local Tinker server answers only its owner: its key, a loopback Host, no foreign Origin, bounded bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_core.local_server_auth import request, stalled_request
from tinkerer_plugin_tinker_local.server import MAX_BODY_BYTES, TinkerLocalServer

EVIL = {"Host": "evil.example", "Origin": "http://evil.example"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinkerLocalServer]:
    with TinkerLocalServer(tmp_path_factory.mktemp("owner-only")) as running:
        yield running


def call(server: TinkerLocalServer, path: str, headers: dict[str, str], body: dict | None = None) -> tuple[int, dict]:
    """A request to ``/api/v1/<path>`` with exactly ``headers`` (POST when there is a body)."""
    method = "GET" if body is None else "POST"
    payload = json.dumps(body).encode() if body is not None else b""
    status, reply = request(f"{server.base_url}/api/v1/{path}", method, headers, payload)
    return status, json.loads(reply or b"{}")


def owner(server: TinkerLocalServer, **extra: str) -> dict[str, str]:
    port = server.base_url.rsplit(":", 1)[1]
    return {"Host": f"127.0.0.1:{port}", "X-API-Key": server.api_key, **extra}


def sessions(server: TinkerLocalServer) -> list[str]:
    status, reply = call(server, "sessions", owner(server))
    assert status == 200
    return reply["sessions"]


def test_the_key_is_new_at_every_start_and_stored_for_the_owner_only(server: TinkerLocalServer, tmp_path: Path) -> None:
    assert server.api_key.startswith("tml-")  # the SDK refuses other keys
    assert server.key_file.read_text().strip() == server.api_key
    assert server.key_file.stat().st_mode & 0o777 == 0o600
    with TinkerLocalServer(tmp_path) as other:
        assert other.api_key != server.api_key
        key_file = other.key_file
        assert key_file.exists()
    assert not key_file.exists()


@pytest.mark.parametrize(
    ("name", "headers", "status"),
    [
        ("the issue's request: foreign Host and Origin, no key", lambda s: EVIL, 403),
        ("no key", lambda s: {k: v for k, v in owner(s).items() if k != "X-API-Key"}, 401),
        ("wrong key", lambda s: owner(s, **{"X-API-Key": "tml-local-guessed"}), 401),
        ("wrong bearer key", lambda s: {"Host": owner(s)["Host"], "Authorization": "Bearer tml-local-guessed"}, 401),
        ("foreign Host with the key", lambda s: {**owner(s), "Host": "evil.example"}, 403),
        ("foreign Host on the right port", lambda s: {**owner(s), "Host": f"evil.example:{s.base_url[-5:]}"}, 403),
        ("foreign Origin with the key", lambda s: owner(s, Origin="http://evil.example"), 403),
        ("null Origin (a sandboxed page)", lambda s: owner(s, Origin="null"), 403),
    ],
)
def test_strangers_are_refused_and_nothing_happens(server: TinkerLocalServer, name: str, headers, status: int) -> None:
    before = sessions(server)
    code, reply = call(server, "create_session", headers(server), {"tags": [], "sdk_version": "x"})
    assert code == status, name
    assert reply["detail"]
    assert sessions(server) == before  # no session was created
    for path in ("training_runs", "sessions"):
        assert call(server, path, headers(server))[0] == status


def test_the_owner_gets_in_by_any_loopback_name_and_either_key_header(server: TinkerLocalServer) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert call(server, "healthz", {"Host": host, "X-API-Key": server.api_key}) == (200, {"status": "ok"})
    bearer = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {server.api_key}"}
    assert call(server, "healthz", bearer)[0] == 200
    assert call(server, "healthz", owner(server, Origin=f"http://localhost:{port}"))[0] == 200  # same origin


def test_an_oversized_body_is_refused_unread_and_the_server_keeps_answering(server: TinkerLocalServer) -> None:
    headers = owner(server, **{"Content-Length": str(MAX_BODY_BYTES + 1), "Content-Type": "application/json"})
    status, reply = request(f"{server.base_url}/api/v1/create_session", "POST", headers)  # announces, never sends
    assert status == 413 and str(MAX_BODY_BYTES) in json.loads(reply)["detail"]
    assert call(server, "healthz", owner(server))[0] == 200


def test_slow_clients_do_not_stop_the_owner(server: TinkerLocalServer) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    head = f"POST /api/v1/create_session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {server.api_key}\r\n"
    with stalled_request(server.base_url, head.encode()), stalled_request(server.base_url, b"GET /api/v1/heal"):
        status, reply = call(server, "create_session", owner(server), {"tags": []})
        assert status == 200 and reply["session_id"] in sessions(server)


def test_the_sdk_with_a_wrong_key_is_refused_at_once(server: TinkerLocalServer) -> None:
    tinker = pytest.importorskip("tinker")
    with pytest.raises(tinker.AuthenticationError, match="wrong key"):
        tinker.RestClient(base_url=server.base_url, api_key="tml-local-guessed").list_training_runs().result()
    runs = tinker.RestClient(base_url=server.base_url, api_key=server.api_key).list_training_runs().result()
    assert runs.training_runs == []
