"""Open a Weaviate client from a URL, with the API key read from the environment."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from tinkerer_core import ConfigError, TinkererError
from tinkerer_core.secrets import redact


def is_http_url(url: object) -> bool:
    """Whether ``url`` is an ``http(s)://host[:port]`` address with a valid port."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed address or port
        return False


def connect(url: str, grpc_port: int, api_key_env: str, connect_timeout_s: float, request_timeout_s: float) -> Any:
    """A connected ``weaviate.WeaviateClient`` for ``url`` (http or https) and its gRPC port.

    Its start-up checks (HTTP meta, gRPC health) get ``connect_timeout_s``; every query and insert
    ``request_timeout_s``.
    """
    import weaviate
    from weaviate.config import AdditionalConfig, Timeout

    if not is_http_url(url):
        raise ConfigError(
            f"Weaviate url {url!r} is not valid: expected http(s)://host[:port], e.g. http://127.0.0.1:8080"
        )
    parts = urlsplit(url)
    host = parts.hostname or ""  # is_http_url made sure there is one
    secure = parts.scheme == "https"
    key = os.environ.get(api_key_env, "")
    try:
        answers_within(url, key, connect_timeout_s)
        return weaviate.connect_to_custom(
            http_host=host,
            http_port=parts.port or (443 if secure else 80),
            http_secure=secure,
            grpc_host=host,
            grpc_port=grpc_port,
            grpc_secure=secure,
            auth_credentials=weaviate.auth.AuthApiKey(key) if key else None,
            additional_config=AdditionalConfig(
                timeout=Timeout(init=connect_timeout_s, query=request_timeout_s, insert=request_timeout_s)
            ),
        )
    except Exception as error:  # the SDK raises many types; all mean "cannot use this server"
        cause = " ".join(str(error).split())
        raise TinkererError(
            redact(
                f"cannot connect to Weaviate at {url} (gRPC port {grpc_port}) within connect_timeout_s="
                f"{connect_timeout_s:g} s: check that Weaviate runs there, that url is its HTTP address and "
                f"grpc_port its gRPC port, and the key in {api_key_env}; cause: {cause}",
                [key],
            )
        ) from None


def answers_within(url: str, key: str, timeout_s: float) -> None:
    """Return once ``url``'s ``/v1/meta`` answers (any HTTP status); OSError when it does not within ``timeout_s``.

    The SDK reads ``/meta`` with the query timeout, not the init one, when an API key is set: this bounds it.
    """
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = urllib.request.Request(url.rstrip("/") + "/v1/meta", headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # like the SDK: no proxy from the env
    try:
        with opener.open(request, timeout=timeout_s) as response:
            response.read()
    except urllib.error.HTTPError:
        return  # it answered; the SDK says what was wrong
