"""``tinkerer ui``: the report served on 127.0.0.1, rebuilt from the run store on every request."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tinkerer_plugin_reports.html_report import render_report
from tinkerer_plugin_reports.run_data import open_store, run_data


class ReportServer:
    """Serves ``/`` (the live report page) and ``/data.json`` (the run's data) for one run directory."""

    def __init__(self, run_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        open_store(Path(run_dir)).close()  # a clear error now, not on the first request
        handler = type("Handler", (_Handler,), {"run_dir": Path(run_dir)})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> ReportServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="tinkerer-ui", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> ReportServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    run_dir: Path

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(render_report(run_data(self.run_dir), live=True).encode(), "text/html; charset=utf-8")
        elif path == "/data.json":
            self._send(json.dumps(run_data(self.run_dir), default=str).encode(), "application/json")
        else:
            self._send(b"not found: try / or /data.json", "text/plain", HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a browser polls every second and a half."""
