"""The service under the conditions a public service meets: slow clients, large bodies, concurrent and long calls,
SIGTERM with a call in flight, foreign Host headers, and its own metrics. Real processes, real sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import create_component
from tinkerer_plugin_deploy_local.entry import find_entry
from tinkerer_plugin_deploy_local.software import LocalService

from .test_service import alive

TIMED = """
import pathlib
import time

def predict(inputs):
    started = time.time()
    if "marker" in inputs:
        pathlib.Path(inputs["marker"]).write_text("started")
    time.sleep(inputs.get("seconds", 0))
    if inputs.get("crash"):
        raise RuntimeError("asked to crash")
    return {"started": started, "ended": time.time(), "pid": __import__("os").getpid()}
"""


@pytest.fixture
def timed_dir(tmp_path: Path) -> Path:
    """A solution whose ``predict`` sleeps ``seconds``, records when it started and ended, and can mark its start."""
    path = tmp_path / "timed"
    path.mkdir()
    (path / "main.py").write_text(textwrap.dedent(TIMED))
    return path


def deploy(solution_dir: Path, **params: object) -> LocalService:
    from tinkerer_core.deploy import as_solution

    software = create_component("deployer", "local", params).deploy(as_solution(solution_dir))
    assert isinstance(software, LocalService)
    return software


def serve(solution_dir: Path, *service_args: str) -> LocalService:
    """The service started directly, with extra command-line arguments."""
    software = LocalService(solution_dir, find_entry(solution_dir), env=os.environ, service_args=service_args)
    software.start()
    return software


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """Status and decoded JSON body of one request (errors included)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {}), timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_a_client_holding_half_its_headers_blocks_nobody_and_is_cut_off(timed_dir: Path) -> None:
    with serve(timed_dir, "--header-timeout", "1") as software:
        port = int(software.url.rsplit(":", 1)[1])
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST /run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")  # and nothing more
        try:
            assert request(software.url + "/health")[1]["status"] == "ok"
            assert software.run({"seconds": 0})["status"] == "success"
            slow.settimeout(30)
            assert slow.recv(1024) == b""  # the server closed it: its headers never arrived in time
        finally:
            slow.close()
        assert software.is_healthy()


def test_an_oversized_body_is_refused_with_413_and_a_json_error(timed_dir: Path) -> None:
    with deploy(timed_dir, max_body_bytes=1000) as software:
        status, body = request(software.url + "/run", data=json.dumps({"pad": "x" * 5000}).encode())
        assert status == 413
        assert body["status"] == "error"
        assert "over the limit of 1000" in body["error"]
        status, body = request(software.url + "/run", data=json.dumps({"seconds": 0}).encode())
        assert status == 200 and body["status"] == "success"


def test_concurrent_calls_overlap_and_health_answers_while_they_run(timed_dir: Path, tmp_path: Path) -> None:
    with deploy(timed_dir, threads=2) as software:
        results: list[dict[str, Any]] = []
        markers = [tmp_path / "first", tmp_path / "second"]
        callers = [
            threading.Thread(target=lambda m=m: results.append(software.run({"seconds": 1, "marker": str(m)})))
            for m in markers
        ]
        for caller in callers:
            caller.start()
        for marker in markers:
            wait_for(marker)
        status, health = request(software.url + "/health")
        assert status == 200 and health["in_flight"] == 2  # both calls still run, and health answered
        for caller in callers:
            caller.join()
        first, second = (result["output"] for result in results)
        assert max(first["started"], second["started"]) < min(first["ended"], second["ended"])  # they overlapped
        assert first["pid"] == second["pid"]  # in the one service process


def test_sigterm_lets_the_call_in_flight_finish_then_the_service_exits(timed_dir: Path, tmp_path: Path) -> None:
    software = deploy(timed_dir)
    try:
        marker = tmp_path / "started"
        results: list[dict[str, Any]] = []
        caller = threading.Thread(target=lambda: results.append(software.run({"seconds": 1.5, "marker": str(marker)})))
        caller.start()
        wait_for(marker)
        pid = software.pid
        assert pid is not None
        os.kill(pid, signal.SIGTERM)
        caller.join()
        assert results[0]["status"] == "success"  # answered although SIGTERM came first
        assert results[0]["output"]["ended"] - results[0]["output"]["started"] >= 1.5
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
    finally:
        software.stop()


def test_metrics_count_requests_by_endpoint_and_status(timed_dir: Path) -> None:
    with deploy(timed_dir) as software:
        assert software.run({"seconds": 0})["status"] == "success"
        assert software.run({"crash": True})["error"] == "RuntimeError: asked to crash"
        assert request(software.url + "/run", data=b"[1]")[0] == 400
        assert [r["status"] for r in software.run_batch([{"seconds": 0}, {"seconds": 0}])] == ["success"] * 2
        assert request(software.url + "/nowhere")[0] == 404
        status, metrics = request(software.url + "/metrics")
        assert status == 200
        run = metrics["requests"]["/run"]
        assert run["count"] == 3 and run["by_status"] == {"200": 2, "400": 1}
        assert 0 < run["latency_s"]["p50"] <= run["latency_s"]["p99"] <= run["latency_s"]["max"]
        assert metrics["requests"]["/run_batch"]["count"] == 1
        assert metrics["requests"]["other"]["by_status"] == {"404": 1}
        assert metrics["calls"] == {"success": 3, "error": 1}
        assert metrics["in_flight"] == 0
        with urllib.request.urlopen(software.url + "/metrics?format=prometheus", timeout=30) as response:
            text = response.read().decode()
        assert 'tinkerer_requests_total{path="/run",status="200"} 2' in text
        assert 'tinkerer_request_duration_seconds_count{path="/run"} 3' in text
        assert 'tinkerer_call_results_total{status="error"} 1' in text


def test_a_foreign_host_is_refused_on_a_loopback_service_unless_allowed(timed_dir: Path) -> None:
    with deploy(timed_dir) as software:
        status, body = request(software.url + "/health", headers={"Host": "evil.example"})
        assert status == 400 and "Host 'evil.example' is not served here" in body["error"]
        assert request(software.url + "/health", headers={"Host": "localhost:80"})[0] == 200
    with deploy(timed_dir, allowed_hosts=("api.example",)) as software:
        assert request(software.url + "/health", headers={"Host": "api.example"})[0] == 200


def test_an_unknown_path_or_method_says_what_is_served(timed_dir: Path) -> None:
    with deploy(timed_dir) as software:
        status, body = request(software.url + "/run")  # GET
        assert status == 405
        assert body["error"] == (
            "GET /run is not served: use GET /health or /metrics, POST /run, /predict or /run_batch"
        )


def test_a_batch_over_the_limit_is_refused(timed_dir: Path) -> None:
    with serve(timed_dir, "--max-batch", "2") as software:
        status, body = request(software.url + "/run_batch", data=json.dumps([{}, {}, {}]).encode())
        assert status == 413 and body["error"] == "a batch holds at most 2 items, got 3"


def test_an_interpreter_without_the_server_fails_the_deploy_saying_what_to_install(
    timed_dir: Path, tmp_path: Path
) -> None:
    import venv

    from tinkerer_plugin_deploy_local.http_service import DeployError

    venv.create(tmp_path / "bare", with_pip=False)
    with pytest.raises(DeployError, match=r"(?s)exited with code 2.*lacks uvicorn, starlette: pip install uvicorn"):
        deploy(timed_dir, python=str(tmp_path / "bare" / "bin" / "python"))
