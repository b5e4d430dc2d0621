"""Fixtures: gateways opened through the plugin manager, and a local server speaking OpenAI's wire format."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tinkerer_core import LLM, LLMConfig, LLMLedger, open_llm
from tinkerer_plugin_litellm.gateway import LiteLLMGateway

MakeLLM = Callable[..., tuple[LLM, LLMLedger]]


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait milliseconds, not seconds."""
    monkeypatch.setattr(LiteLLMGateway, "backoff_base_s", 0.001)


@pytest.fixture
def make_llm() -> MakeLLM:
    """Open the installed gateway for an ``LLMConfig`` built from keyword arguments."""

    def make(**config: Any) -> tuple[LLM, LLMLedger]:
        ledger = LLMLedger()
        config.setdefault("model", "openai/gpt-4o-mini")
        return open_llm(LLMConfig(**config), ledger), ledger

    return make


@dataclass
class OpenAIServer:
    """Answers ``POST .../chat/completions`` with scripted (status, body) pairs; the last one repeats.

    ``stall_first_s`` delays the first answer (to provoke a client timeout).
    """

    stall_first_s: float = 0.0
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    @staticmethod
    def answer(text: str) -> tuple[int, dict[str, Any]]:
        """A successful chat completion replying ``text``."""
        return 200, {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A real HTTP server on localhost; tests set ``replies`` and read ``requests``."""
    state = OpenAIServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, "body": body, "authorization": self.headers["Authorization"]})
            if len(state.requests) == 1:
                time.sleep(state.stall_first_s)
            status, reply = state.replies[min(len(state.requests), len(state.replies)) - 1]
            payload = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
