"""Who the server's owner is, as the SDK asks: a JWT minted from the server's key.

With ``pjwt_auth_enabled`` the SDK exchanges its API key at ``/api/v1/auth/token`` for a JWT and sends that JWT
instead of the key; ``RestClient.whoami`` reads the owner's identity from its claims. The server signs the JWT
with HMAC-SHA256 under its own key, so a JWT is good exactly as long as the key it came from (one server start).
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import json
import time

LIFETIME_S = 24 * 3600  # the SDK refreshes at about half of it
ISSUER = "tinker-local"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def owner() -> str:
    """The local user the server runs as."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "owner"


def mint(key: str, now: float | None = None) -> str:
    """A JWT for this machine's owner, signed with ``key``."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": ISSUER,
        "sub": f"tml:user:local-{owner()}",
        "org_id": "local",
        "email": None,
        "iat": issued,
        "exp": issued + LIFETIME_S,
    }
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_signature(key, head, body)}"


def verify(token: str, key: str) -> bool:
    """Whether ``token`` is an unexpired JWT this server (holding ``key``) minted."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    head, body, signature = parts
    if not hmac.compare_digest(signature, _signature(key, head, body)):
        return False
    try:
        return float(json.loads(_unb64(body))["exp"]) > time.time()
    except (ValueError, KeyError, TypeError):
        return False


def _signature(key: str, head: str, body: str) -> str:
    return _b64(hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
