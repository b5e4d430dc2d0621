"""``tinkerer ui``: the report served on 127.0.0.1 to its owner, rebuilt from the run store on every request.

Only the owner's browser gets in, Jupyter style: the server makes a token at start and prints the page's URL with
``?token=...``; opening it sets a cookie for this server (HttpOnly, SameSite=Strict) and redirects to the bare
page, whose ``data.json`` polls then carry the cookie. Requests without the token are refused (401), and so are
other ``Host`` names and foreign ``Origin`` headers (403), which is what a DNS-rebinding page would send.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from tinkerer_core.local_server_auth import LocalAccess, OwnerOnlyHandler, is_loopback, new_key
from tinkerer_plugin_reports.html_report import render_report
from tinkerer_plugin_reports.run_data import open_store, run_data

log = logging.getLogger(__name__)


class ReportServer:
    """Serves ``/`` (the live report page) and ``/data.json`` (the run's data) for one run directory."""

    def __init__(self, run_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        open_store(Path(run_dir)).close()  # a clear error now, not on the first request
        if not is_loopback(host):
            log.warning("the report UI listens on %s: other machines can reach it (with its token)", host)
        handler = cast("type[_Handler]", type("Handler", (_Handler,), {"run_dir": Path(run_dir)}))  # type() says `type`
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.token = new_key()
        handler.access = LocalAccess(self.token, self.httpd.server_address[1], host)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's address (requests need the token: a cookie from ``page_url``, or an ``X-API-Key``)."""
        host, port = cast("tuple[str, int]", self.httpd.server_address[:2])  # bound AF_INET: the stub allows bytes
        return f"http://{host}:{port}/"

    @property
    def page_url(self) -> str:
        """The URL its owner opens: the page, with the token that lets this browser in."""
        return f"{self.url}?token={self.token}"

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


class _Handler(OwnerOnlyHandler):
    run_dir: Path

    @property
    def cookie_name(self) -> str:
        """Cookies are shared by every port of a host: the name carries this server's port."""
        return f"tinkerer-ui-{self.access.port}"

    def request_key(self) -> str | None:
        """The token from ``?token=``, this server's cookie, or a key header."""
        if token := parse_qs(urlsplit(self.path).query).get("token"):
            return token[0]
        try:
            cookie = SimpleCookie(self.headers.get("Cookie") or "").get(self.cookie_name)
        except CookieError:
            cookie = None
        return cookie.value if cookie is not None else super().request_key()

    def do_GET(self) -> None:
        if not self.admit():
            return
        url = urlsplit(self.path)
        if "token" in parse_qs(url.query):  # the printed URL: keep the token in a cookie, not in the address bar
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", url.path or "/")
            self.send_header("Set-Cookie", f"{self.cookie_name}={self.access.key}; HttpOnly; SameSite=Strict; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path in ("/", "/index.html"):
            self._send(render_report(run_data(self.run_dir), live=True).encode(), "text/html; charset=utf-8")
        elif url.path == "/data.json":
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
