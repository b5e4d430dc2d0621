"""A counting proxy on 127.0.0.1 between a system under test and the local model server.

Both systems call the same OpenAI-compatible server through it, so LLM calls are counted the same way for
both: each ``POST .../chat/completions`` is forwarded unchanged and logged with its start time, seed,
temperature and a hash of the reply (equal hashes for equal prompts show a fixed-seed trap). With a
``limit``, calls past it are answered at once with HTTP 400 (an OpenAI-style error): the budget is the same
hard cap for every system, whatever extra calls its loop makes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    """One chat completion that went through the proxy."""

    started: float
    seed: int | None
    temperature: float | None
    prompt_sha: str
    reply_sha: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    status: int = 0
    seconds: float = 0.0
    messages: list[dict[str, str]] = field(default_factory=list, repr=False)
    reply: str = field(default="", repr=False)


@dataclass
class CountingProxy:
    """Forwards to ``upstream`` (an OpenAI base URL such as ``http://127.0.0.1:P/v1``) and logs every call."""

    upstream: str
    api_key: str = ""  # the upstream's key (the local model server wants its own), whatever clients send
    calls: list[Call] = field(default_factory=list)
    limit: int | None = None  # chat completions answered per run; later ones are refused
    refused: int = 0
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> CountingProxy:
        """Listen on a free 127.0.0.1 port; ``url`` is the OpenAI base URL to hand out."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def _forward(self, body: bytes | None) -> None:
                status, payload = proxy._relay(self.path, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (its timeout); the call is still counted

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> list[Call]:
        """The calls logged so far, and an empty log for the next run."""
        with self._lock:
            calls, self.calls, self.refused = self.calls, [], 0
        return calls

    def _relay(self, path: str, body: bytes | None) -> tuple[int, bytes]:
        suffix = path.split("/v1", 1)[-1] if "/v1" in path else path
        target = self.upstream.rstrip("/") + suffix
        call = None
        if body is not None and suffix.endswith("/chat/completions"):
            request = json.loads(body)
            request.pop("stream", None)  # the proxy answers in one piece
            body = json.dumps(request).encode()
            messages = json.dumps(request.get("messages", []), sort_keys=True).encode()
            call = Call(time.time(), request.get("seed"), request.get("temperature"), _sha(messages))
            call.messages = request.get("messages", [])
            with self._lock:
                if self.limit is not None and len(self.calls) >= self.limit:
                    self.refused += 1
                    error = {"message": f"call budget of {self.limit} spent", "type": "invalid_request_error"}
                    return 400, json.dumps({"error": error}).encode()
                self.calls.append(call)
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        forwarded = urllib.request.Request(target, data=body, headers=headers)
        try:
            with urllib.request.urlopen(forwarded, timeout=600) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        if call is not None:
            call.status, call.seconds = status, time.time() - call.started
            if status == 200:
                reply = json.loads(payload)
                text = (reply.get("choices") or [{}])[0].get("message", {}).get("content") or ""
                usage = reply.get("usage") or {}
                call.reply_sha, call.reply = _sha(text.encode()), text
                call.prompt_tokens = int(usage.get("prompt_tokens", 0))
                call.completion_tokens = int(usage.get("completion_tokens", 0))
        return status, payload


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]
