"""``tinkerer local-llm serve`` in a real child process: serves over HTTP, stops on a signal leaving nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(process: subprocess.Popen[str], url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited early: {process.communicate()}"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    pytest.fail(f"{url}/health did not answer within {timeout_s:.0f} s")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_until_a_signal_and_leaves_no_process(smollm2_path: Path, signum: signal.Signals) -> None:
    port = free_port()
    command = [sys.executable, "-m", "tinkerer_core.cli", "local-llm", "serve", "--port", str(port)]
    key = "sk-local-test-key"
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "TINKERER_LOCAL_LLM_API_KEY": key},
    )
    try:
        wait_for_health(process, f"http://127.0.0.1:{port}")
        models = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(models, timeout=10) as response:
            assert "smollm2-135m" in [model["id"] for model in json.load(response)["data"]]
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, stderr
    assert stdout.strip() == f"serving smollm2-135m at http://127.0.0.1:{port}/v1 with API key {key} (Ctrl-C stops)"
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing is left in the server's process group


def test_an_unknown_model_is_refused_by_the_parser() -> None:
    command = [sys.executable, "-m", "tinkerer_core.cli", "local-llm", "serve", "--model", "gpt-5"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "invalid choice: 'gpt-5'" in result.stderr and "smollm2-135m" in result.stderr


def test_registering_the_command_loads_neither_litellm_nor_llama_cpp() -> None:
    code = (
        "import sys; from tinkerer_core.cli import build_parser; build_parser(); "
        "print(sorted({'litellm', 'xllamacpp'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
