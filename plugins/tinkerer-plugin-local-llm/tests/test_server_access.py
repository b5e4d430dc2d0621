"""The embedded model's HTTP server answers only its owner: its key, or 401 whatever Host, Origin or body."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tinkerer_core.local_server_auth import request, stalled_request
from tinkerer_plugin_local_llm.server import KEY_ENV

QUESTION = json.dumps({"model": "smollm2-135m", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2})


@pytest.fixture(scope="module")
def served(smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """``python -m tinkerer_plugin_local_llm.server`` as a user starts it: (URL, key, key file)."""
    key_file = tmp_path_factory.mktemp("local-llm") / "api-key"
    env = {key: value for key, value in os.environ.items() if key != KEY_ENV}
    process = subprocess.Popen(
        [sys.executable, "-m", "tinkerer_plugin_local_llm.server", "--port", "0", "--key-file", str(key_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        url, key = line.split(" at ", 1)[1].split()[0], line.split(" API key ", 1)[1].split()[0]
        yield url, key, key_file
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not key_file.exists()


def chat(url: str, headers: dict[str, str], body: str = QUESTION) -> tuple[int, dict]:
    status, reply = request(
        f"{url}/chat/completions", "POST", {"Content-Type": "application/json", **headers}, body.encode()
    )
    return status, json.loads(reply or b"{}")


def host(url: str) -> str:
    return url.split("/")[2]


def test_the_key_is_made_at_start_stored_for_the_owner_and_answers(served: tuple[str, str, Path]) -> None:
    url, key, key_file = served
    assert key_file.read_text().strip() == key and key_file.stat().st_mode & 0o777 == 0o600
    status, reply = chat(url, {"Host": host(url), "Authorization": f"Bearer {key}"})
    assert status == 200 and reply["usage"]["completion_tokens"] > 0


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("no key", lambda url, key: {"Host": host(url)}),
        ("wrong key", lambda url, key: {"Host": host(url), "Authorization": "Bearer sk-local-guessed"}),
        (
            "DNS rebinding: foreign Host and Origin",
            lambda url, key: {"Host": "evil.example", "Origin": "http://evil.example"},
        ),
        ("foreign Origin", lambda url, key: {"Host": host(url), "Origin": "http://evil.example"}),
    ],
)
def test_strangers_are_refused(served: tuple[str, str, Path], name: str, headers) -> None:
    url, key, _ = served
    status, reply = chat(url, headers(url, key))
    assert status == 401, name
    assert "choices" not in reply
    assert request(f"{url}/models", headers=headers(url, key))[0] == 401


def test_an_announced_huge_body_and_slow_clients_stop_nobody(served: tuple[str, str, Path]) -> None:
    """llama.cpp reads a body before it checks the key (no 413 of its own): a terabyte announced, then silence,
    holds one connection for its read timeout; the owner is answered meanwhile, with 16 clients stalled too."""
    url, key, _ = served
    huge = f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host(url)}\r\nContent-Length: {1 << 40}\r\n\r\n{{"
    with ExitStack() as stack:
        stack.enter_context(stalled_request(url, huge.encode()))
        for _ in range(16):
            stack.enter_context(stalled_request(url, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"))
        status, reply = chat(url, {"Host": host(url), "Authorization": f"Bearer {key}"})
        assert status == 200 and reply["choices"]


def test_a_launcher_hands_its_key_over_in_the_environment(smollm2_path: Path) -> None:
    key = "sk-local-from-the-launcher"
    process = subprocess.Popen(
        [sys.executable, "-m", "tinkerer_plugin_local_llm.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, KEY_ENV: key},
    )
    try:
        url = process.stdout.readline().split(" at ", 1)[1].split()[0]  # type: ignore[union-attr]
        assert chat(url, {"Host": host(url), "Authorization": f"Bearer {key}"})[0] == 200
        assert chat(url, {"Host": host(url), "Authorization": "Bearer sk-local-other"})[0] == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
