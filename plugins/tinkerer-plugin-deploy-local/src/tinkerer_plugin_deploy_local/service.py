"""The HTTP service around a solution's entry: a standalone script using only the standard library.

Local deployments run it as ``python -m tinkerer_plugin_deploy_local.service``; container deployers
copy this file into the image. Endpoints (JSON in, JSON out):

- ``GET /health``: ``{"status": "ok", "entry": ...}``
- ``POST /run`` (alias ``/predict``): an inputs object -> ``{"status": "success"|"error", "output": ...}``
- ``POST /run_batch``: a list of inputs objects -> a list of results

A call that raises returns an error result with the exception and traceback tail; the service lives on.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

TRACEBACK_CHARS = 4000
MAX_BODY_BYTES = 64 * 1024 * 1024

Call = Callable[[dict[str, Any]], dict[str, Any]]


def load_function(solution_dir: Path, module: str, function: str) -> Callable[[dict[str, Any]], Any]:
    """Import ``module`` from the solution (as the service's own process) and return ``function``."""
    sys.path.insert(0, str(solution_dir))
    return getattr(importlib.import_module(module), function)


def function_call(target: Callable[[dict[str, Any]], Any]) -> Call:
    """Call ``target(inputs)`` per request, turning an exception into an error result."""

    def call(inputs: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"status": "success", "output": target(inputs)}
        except Exception as error:  # the solution's fault: report it, keep serving
            return error_result(f"{type(error).__name__}: {error}", traceback.format_exc()[-TRACEBACK_CHARS:])

    return call


def program_call(solution_dir: Path, module: str, timeout_s: float) -> Call:
    """Run ``python <module>.py --key value ...`` per request; its stdout is the output."""
    script = str(solution_dir / (module.replace(".", "/") + ".py"))

    def call(inputs: dict[str, Any]) -> dict[str, Any]:
        args = [item for key, value in inputs.items() for item in (f"--{key}", _arg(value))]
        env = {**os.environ, "TINKERER_INPUTS": json.dumps(inputs)}
        try:
            done = subprocess.run(
                [sys.executable, script, *args],
                cwd=solution_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return error_result(f"the program ran longer than {timeout_s:g} s")
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            return error_result(f"the program exited with code {done.returncode}", done.stderr[-TRACEBACK_CHARS:])
        return {"status": "success", "output": done.stdout}

    return call


def _arg(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def error_result(message: str, details: str = "") -> dict[str, Any]:
    """A failed call's result: ``{"status": "error", "error": ..., "output": None, "details": ...}``."""
    return {"status": "error", "error": message, "output": None, "details": details}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, set | tuple):
        return list(value)
    return repr(value)


class Handler(BaseHTTPRequestHandler):
    call: Call
    entry: str

    def do_GET(self) -> None:
        if self.path == "/health":
            self._reply(HTTPStatus.OK, {"status": "ok", "entry": self.entry, "pid": os.getpid()})
        else:
            self._reply(
                HTTPStatus.NOT_FOUND, error_result(f"unknown path {self.path}: use /health, /run or /run_batch")
            )

    def do_POST(self) -> None:
        if self.path not in ("/run", "/predict", "/run_batch"):
            self._reply(HTTPStatus.NOT_FOUND, error_result(f"unknown path {self.path}: use /run or /run_batch"))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error_result(f"request body over {MAX_BODY_BYTES} bytes"))
            return
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except json.JSONDecodeError as error:
            self._reply(HTTPStatus.BAD_REQUEST, error_result(f"the request body is not JSON: {error}"))
            return
        batch = self.path == "/run_batch"
        problem = _shape_problem(body, batch)
        if problem:
            self._reply(HTTPStatus.BAD_REQUEST, error_result(problem))
            return
        results = [self.call(item) for item in (body if batch else [body])]
        self._reply(HTTPStatus.OK, results if batch else results[0])

    def _reply(self, status: HTTPStatus, payload: Any) -> None:
        try:
            data = json.dumps(payload, default=_jsonable).encode()
        except ValueError as error:  # e.g. a circular structure
            data = json.dumps(error_result(f"the output is not JSON-serializable: {error}")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"[service] {self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")


def _shape_problem(body: Any, batch: bool) -> str:
    """Why ``body`` is not an inputs object (or, for a batch, a list of them); empty when it is."""
    if not batch:
        return "" if isinstance(body, dict) else f"inputs must be a JSON object, got {_kind(body)}"
    if not isinstance(body, list):
        return f"a batch must be a JSON list of objects, got {_kind(body)}"
    wrong = [_kind(item) for item in body if not isinstance(item, dict)]
    return f"every batch item must be a JSON object, got {wrong[0]}" if wrong else ""


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path, help="the solution directory")
    parser.add_argument("--entry", required=True, help="module:function, or module to run as a program")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", type=Path, help="written with the port once the service listens")
    parser.add_argument("--program-timeout", type=float, default=600.0)
    args = parser.parse_args(argv)

    solution_dir = args.dir.resolve()
    os.chdir(solution_dir)
    module, _, function = args.entry.partition(":")
    Handler.entry = args.entry
    call = (
        function_call(load_function(solution_dir, module, function))
        if function
        else program_call(solution_dir, module, args.program_timeout)
    )
    Handler.call = staticmethod(call)
    server = HTTPServer((args.host, args.port), Handler)
    if args.ready_file:
        partial = args.ready_file.with_suffix(".partial")
        partial.write_text(json.dumps({"port": server.server_address[1], "pid": os.getpid()}))
        partial.replace(args.ready_file)
    print(f"[service] {args.entry} listening on http://{args.host}:{server.server_address[1]}", file=sys.stderr)
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
