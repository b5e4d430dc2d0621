"""Local HTTP servers only for their owner: a key made at start, loopback ``Host`` names, no foreign ``Origin``.

A server on 127.0.0.1 answers every local user, and through DNS rebinding any web page its owner opens (the page's
own name resolves to 127.0.0.1, so the browser sends ``Host: evil.example`` and ``Origin: http://evil.example``).
``LocalAccess`` refuses a ``Host`` that is not a loopback name or the configured host and an ``Origin`` from another
site with 403, a missing or wrong key with 401 (compared in constant time), as Jupyter's token and Ollama's origin
allow-list do. ``OwnerOnlyHandler`` applies it to an ``http.server`` handler, with a body limit (413) and a read
timeout, so a client that stalls mid-request holds one thread for a while and nothing else.
"""

from __future__ import annotations

import contextlib
import hmac
import http.client
import ipaddress
import json
import os
import secrets
import socket
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from tinkerer_core.errors import TinkererError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
KEY_HEADER = "X-API-Key"  # also accepted: ``Authorization: Bearer <key>``


def new_key(prefix: str = "") -> str:
    """A fresh random key (256 bits), after ``prefix``."""
    return prefix + secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine's loopback."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at a server on this machine's loopback."""
    return is_loopback(urlsplit(url).hostname or "")


def write_key(path: Path, key: str) -> Path:
    """Write ``key`` to ``path`` readable by its owner only (mode 0600, never briefly wider); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # mkstemp creates it 0600
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    os.replace(temporary, path)
    return path


def read_key(path: Path) -> str | None:
    """The key stored at ``path``, or None when there is none."""
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def remove_key(path: Path, key: str) -> None:
    """Remove the key file at ``path`` if it still holds ``key`` (a newer server's key stays)."""
    if read_key(path) == key:
        path.unlink(missing_ok=True)


class Headers(Protocol):
    """Request headers looked up by name: ``http.server``'s ``email.message.Message`` or a plain dict."""

    def get(self, name: str, /) -> str | None:
        """The value of header ``name``, or None."""


def presented_key(headers: Headers) -> str | None:
    """The key a request carries: ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``."""
    if key := headers.get(KEY_HEADER):
        return key
    scheme, _, credential = (headers.get("Authorization") or "").partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


def _host_port(host: str, port: int) -> str:
    """``host:port`` as a ``Host`` header spells it (IPv6 literals in brackets)."""
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class LocalAccess:
    """Who may use a local server: requests for its own host names, from no other site, with its key."""

    key: str
    port: int
    host: str = "127.0.0.1"  # the configured (bound) host; loopback names are always allowed

    @property
    def hosts(self) -> frozenset[str]:
        """The ``Host`` header values this server answers to (lower case)."""
        names = {*LOOPBACK_NAMES, self.host} - {"0.0.0.0", "::", ""}
        hosts = {_host_port(name, self.port).lower() for name in names}
        if self.port == 80:
            hosts |= {name.lower() for name in names}
        return frozenset(hosts)

    def key_matches(self, key: str | None) -> bool:
        """Whether ``key`` is this server's key (constant-time)."""
        return key is not None and hmac.compare_digest(key.encode(), self.key.encode())

    def refusal(self, headers: Headers, key: str | None) -> tuple[HTTPStatus, str] | None:
        """Why a request with ``headers`` and ``key`` is refused (status and message), or None for the owner's."""
        host = (headers.get("Host") or "").strip().lower()
        if host not in self.hosts:
            return (
                HTTPStatus.FORBIDDEN,
                f"Host {host!r} is not this server's; use one of: {', '.join(sorted(self.hosts))}",
            )
        origin = headers.get("Origin")
        if origin is not None and origin.strip().lower() not in {f"http://{name}" for name in self.hosts}:
            return HTTPStatus.FORBIDDEN, f"requests from origin {origin!r} are not allowed"
        if key is None:
            return HTTPStatus.UNAUTHORIZED, f"this local server needs its key ({KEY_HEADER} or Authorization: Bearer)"
        if not self.key_matches(key):
            return HTTPStatus.UNAUTHORIZED, "wrong key for this local server (it makes a new one at every start)"
        return None


class OwnerOnlyHandler(BaseHTTPRequestHandler):
    """An ``http.server`` handler that answers only its owner; subclasses set ``access`` and call ``admit``."""

    access: LocalAccess
    max_body_bytes: int = 1 << 20
    timeout = 60  # seconds a client may stall mid-request before its connection is dropped

    def handle(self) -> None:
        """Serve the connection; a client that leaves before its answer is sent is no error of the server's."""
        with contextlib.suppress(ConnectionError):
            super().handle()

    def request_key(self) -> str | None:
        """The key this request carries (subclasses may also read a cookie)."""
        return presented_key(self.headers)

    def admit(self) -> bool:
        """True for the owner's request; otherwise the refusal is sent and the connection closes."""
        refusal = self.access.refusal(self.headers, self.request_key())
        if refusal is not None:
            self.refuse(*refusal)
        return refusal is None

    def read_body(self) -> bytes | None:
        """The request body, or None after refusing one that is too large (413) or badly announced (400)."""
        if self.headers.get("Transfer-Encoding"):
            self.refuse(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not Transfer-Encoding")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.refuse(HTTPStatus.BAD_REQUEST, f"bad Content-Length {self.headers.get('Content-Length')!r}")
            return None
        if length > self.max_body_bytes:
            self.refuse(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"a body of {length} bytes is over this server's limit of {self.max_body_bytes} bytes",
            )
            return None
        return self.rfile.read(length) if length else b""

    def refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer ``status`` with ``{"detail": message}`` and close the connection (an unread body stays unread)."""
        payload = json.dumps({"detail": message}).encode()
        self.close_connection = True
        self.send_response(status)
        if status == HTTPStatus.UNAUTHORIZED:
            self.send_header("WWW-Authenticate", 'Bearer realm="tinkerer"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


def request(
    url: str, method: str = "GET", headers: Mapping[str, str] | None = None, body: bytes = b"", timeout_s: float = 10.0
) -> tuple[int, bytes]:
    """Send one request to ``url`` exactly as given (``headers`` may set ``Host``); its status and body, any status."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout_s)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body or None, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def stalled_request(url: str, head: bytes = b"POST / HTTP/1.1\r\n") -> Iterator[socket.socket]:
    """A client that sends ``head`` (part of a request) to ``url``'s server and then waits: a slow-client probe."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as connection:
        connection.sendall(head)
        yield connection


def check_reachable(url: str, key: str | None, timeout_s: float = 10.0, what: str = "server") -> None:
    """Raise a ``TinkererError`` saying what is wrong unless ``GET url`` with ``key`` is answered in time."""
    try:
        status, _ = request(url, headers={KEY_HEADER: key} if key else {}, timeout_s=timeout_s)
    except TimeoutError:
        raise TinkererError(f"the {what} at {url} did not answer within {timeout_s:g} s") from None
    except OSError as error:
        raise TinkererError(f"no {what} answers at {url} ({error.strerror or error})") from None
    if status == HTTPStatus.UNAUTHORIZED:
        raise TinkererError(f"the {what} at {url} refused the key" + (" (none was given)" if key is None else ""))
    if status >= 400:
        raise TinkererError(f"the {what} at {url} answered {status}")
