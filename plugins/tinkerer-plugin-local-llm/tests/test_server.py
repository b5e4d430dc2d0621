"""The local OpenAI-compatible server in a child process: starts, answers over HTTP, stops leaving nothing."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tinkerer_plugin_local_llm import LocalModelServer


def post(url: str, body: dict, key: str) -> urllib.request.Request:
    """A JSON POST with the server's key, as its owner's agents send it."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    return urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_server_answers_over_http_and_stops_leaving_no_process(smollm2_path: Path) -> None:
    server = LocalModelServer(model="smollm2-135m", port=0, threads=1)
    with server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/v1")
        pid = int(server.pid_file.read_text())
        pid_file = server.pid_file
        assert pid == server.process.pid

        with pytest.raises(urllib.error.HTTPError, match="401"):  # only the owner, who holds the key, gets in
            urllib.request.urlopen(server.url + "/models")
        models = urllib.request.Request(server.url + "/models", headers={"Authorization": f"Bearer {server.api_key}"})
        with urllib.request.urlopen(models) as response:
            assert "smollm2-135m" in [model["id"] for model in json.load(response)["data"]]

        question = {"model": "smollm2-135m", "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 8}
        with urllib.request.urlopen(post(server.url + "/chat/completions", question, server.api_key)) as response:
            reply = json.load(response)
        assert reply["choices"][0]["message"]["content"].strip()
        assert reply["usage"]["completion_tokens"] > 0

        with urllib.request.urlopen(
            post(server.url + "/chat/completions", {**question, "stream": True}, server.api_key)
        ) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            events = [line[6:].strip() for line in response.read().decode().splitlines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        assert sum(bool(json.loads(event)["choices"]) for event in events[:-1]) >= 3

    assert not process_exists(pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    assert not pid_file.exists()
    assert server.process is None
