"""A stand-in for a hosted model: OpenAI's chat-completions wire format on 127.0.0.1, answering scripted replies.

Replies are ``assistant`` messages as the API sends them (``content`` and/or ``tool_calls`` with JSON-string
``arguments``), one per request in order; every request body is kept for the test to read. The shapes follow
OpenAI's API reference for ``POST /v1/chat/completions`` (``choices[].message``, ``finish_reason``, ``usage``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

API_KEY = "sk-standin-0123456789"


def tool_call(name: str, call_id: str = "", **arguments: Any) -> dict[str, Any]:
    """An assistant reply that calls tool ``name`` with ``arguments`` (and no text)."""
    call = {"id": call_id or f"call_{name}_{time.monotonic_ns()}", "type": "function"}
    call["function"] = {"name": name, "arguments": json.dumps(arguments)}  # type: ignore[assignment]
    return {"content": None, "tool_calls": [call]}


def text(content: str) -> dict[str, Any]:
    """An assistant reply of plain text."""
    return {"content": content}


class StandInServer:
    """Answers ``/v1/chat/completions`` with ``replies`` in order; a context manager that serves on a free port."""

    def __init__(self, replies: Sequence[dict[str, Any]], api_key: str = API_KEY) -> None:
        self.replies = list(replies)
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for one request: the next scripted reply, or an error once they are used up."""
        with self._lock:
            self.requests.append(body)
            index = len(self.requests) - 1
        if body.get("stream"):
            return 400, {"error": {"message": "the stand-in does not stream", "type": "invalid_request_error"}}
        if index >= len(self.replies):
            return 500, {
                "error": {"message": f"no scripted reply left for request {index + 1}", "type": "server_error"}
            }
        message = {"role": "assistant", **self.replies[index]}
        prompt = len(json.dumps(body["messages"])) // 4
        completion = len(json.dumps(message)) // 4
        return 200, {
            "id": f"chatcmpl-standin-{index}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    self._send(401, {"error": {"message": "invalid api key", "type": "invalid_request_error"}})
                elif self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                else:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                    self._send(*server.answer(body))

            def do_GET(self) -> None:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def __enter__(self) -> StandInServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
