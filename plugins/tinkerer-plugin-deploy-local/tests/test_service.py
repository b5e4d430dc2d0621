"""The local service: real processes, real HTTP, the whole lifecycle."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tinkerer_core import Software, create_component
from tinkerer_plugin_deploy_local.entry import find_entry
from tinkerer_plugin_deploy_local.http_service import DeployError
from tinkerer_plugin_deploy_local.software import LocalService


def deploy(solution_dir: Path, **params: object) -> Software:
    from tinkerer_core.deploy import as_solution

    return create_component("deployer", "local", params).deploy(as_solution(solution_dir))


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_runs_batches_and_reports_health_and_logs(solution_dir: Path) -> None:
    with deploy(solution_dir) as software:
        assert software.is_healthy()
        assert software.url.startswith("http://127.0.0.1:")
        assert software.run({"x": 3}) == {"status": "success", "output": {"double": 6}}
        assert software({"x": 4})["output"] == {"double": 8}
        assert [r["output"] for r in software.run_batch([{"x": 1}, {"x": 2}])] == [{"double": 2}, {"double": 4}]
        assert software.run({"action": "cwd"})["output"]["cwd"] == str(solution_dir.resolve())
        assert "called with ['x']" in software.logs()


def test_the_service_speaks_json_over_http_and_rejects_bad_input(solution_dir: Path) -> None:
    with deploy(solution_dir) as software:
        request = urllib.request.Request(software.url + "/predict", data=b'{"x": 5}')
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read()) == {"status": "success", "output": {"double": 10}}
        with pytest.raises(urllib.error.HTTPError) as rejected:
            urllib.request.urlopen(urllib.request.Request(software.url + "/run", data=b"[1, 2]"), timeout=10)
        assert rejected.value.code == 400
        assert "inputs must be a JSON object, got list" in json.loads(rejected.value.read())["error"]
        assert software.run([1, 2])["error"] == "inputs must be a mapping (a JSON object), got list"  # type: ignore[arg-type]
        batch = software.run_batch([{"x": 1}, "oops"])  # type: ignore[list-item]
        assert [r["status"] for r in batch] == ["error", "error"]
        assert "got str" in batch[1]["error"]


def test_a_crash_in_the_solution_is_an_error_result_and_the_service_lives_on(solution_dir: Path) -> None:
    with deploy(solution_dir) as software:
        result = software.run({"action": "crash"})
        assert result["status"] == "error"
        assert result["error"] == "ValueError: boom"
        assert 'raise ValueError("boom")' in result["details"]
        assert software.run({"x": 1})["output"] == {"double": 2}


def test_a_service_that_dies_is_reported_and_started_again(solution_dir: Path) -> None:
    with deploy(solution_dir) as software:
        first_pid = software.pid
        result = software.run({"action": "die"})
        assert result["status"] == "error"
        assert "died (exit code 3)" in result["error"]
        assert software.is_healthy() and software.pid != first_pid
        assert software.run({"x": 2})["output"] == {"double": 4}


def test_a_call_past_its_timeout_returns_an_error_and_restarts_the_service(solution_dir: Path) -> None:
    with deploy(solution_dir, call_timeout_s=1.0) as software:
        started = time.monotonic()
        result = software.run({"action": "sleep", "seconds": 30})
        assert time.monotonic() - started < 15
        assert "longer than 1 s" in result["error"]
        assert software.run({"x": 1})["status"] == "success"


def test_stop_leaves_no_process_behind_and_start_works_again(solution_dir: Path) -> None:
    software = deploy(solution_dir)
    service_pid = software.pid
    child_pid = software.run({"action": "spawn"})["output"]["child"]
    assert alive(service_pid) and alive(child_pid)
    software.stop()
    deadline = time.monotonic() + 5
    while (alive(service_pid) or alive(child_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(service_pid) and not alive(child_pid)
    assert not software.is_healthy()
    assert software.run({"x": 1})["error"] == "the service is not running: call start()"
    software.start()
    try:
        assert software.is_healthy() and software.pid != service_pid
        assert software.run({"x": 1})["output"] == {"double": 2}
    finally:
        software.stop()
    software.stop()  # stopping twice is harmless


def test_secrets_stay_out_of_the_service_unless_passed_and_out_of_logs(
    solution_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value-123")
    with deploy(solution_dir) as software:
        assert software.run({"action": "secret"})["output"] == {"key": None}
    with deploy(solution_dir, pass_env=("OPENAI_API_KEY",)) as software:
        assert software.run({"action": "secret"})["output"] == {"key": "sk-test-secret-value-123"}
        assert "sk-test-secret-value-123" not in software.logs()
        assert "key is [redacted]" in software.logs()


def test_a_program_solution_is_called_with_its_inputs_as_arguments(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "import json, os, sys\nprint(json.dumps({'argv': sys.argv[1:], 'env': json.loads(os.environ['TINKERER_INPUTS'])}))\n"
    )
    with deploy(tmp_path) as software:
        result = software.run({"data_path": "test.csv", "n": 3})
    assert result["status"] == "success"
    assert json.loads(result["output"]) == {
        "argv": ["--data_path", "test.csv", "--n", "3"],
        "env": {"data_path": "test.csv", "n": 3},
    }


def test_a_solution_that_fails_to_import_fails_the_deploy_with_its_log(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import not_a_module_anywhere\n\ndef predict(inputs):\n    return 1\n")
    service = LocalService(tmp_path, find_entry(tmp_path), env=dict(os.environ), startup_timeout_s=30)
    with pytest.raises(DeployError, match=r"(?s)exited with code 1 while starting.*not_a_module_anywhere"):
        service.start()
    assert not service.is_healthy()


def test_in_process_mode_calls_the_entry_without_a_server(solution_dir: Path) -> None:
    with deploy(solution_dir, mode="in_process") as software:
        assert software.is_healthy()
        assert software.run({"x": 3})["output"] == {"double": 6}
        assert software.run({"action": "crash"})["error"] == "ValueError: boom"
        assert "called with ['x']" in software.logs()
    assert not software.is_healthy()
    assert software.run({"x": 1})["status"] == "error"


def test_an_unknown_mode_is_refused_with_the_choices(solution_dir: Path) -> None:
    from tinkerer_core import ConfigError

    with pytest.raises(ConfigError) as raised:
        deploy(solution_dir, mode="docker")
    assert str(raised.value) == "deployer 'local': mode must be one of 'service', 'in_process', got 'docker'"
