"""Open a Weaviate client from a URL, with the API key read from the environment."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from tinkerer_core.errors import ConfigError, TinkererError
from tinkerer_core.secrets import redact


def connect(url: str, grpc_port: int, api_key_env: str) -> Any:
    """A connected ``weaviate.WeaviateClient`` for ``url`` (http or https) and its gRPC port."""
    import weaviate

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"Weaviate url {url!r} is not valid: expected http(s)://host[:port], e.g. http://127.0.0.1:8080"
        )
    secure = parts.scheme == "https"
    key = os.environ.get(api_key_env, "")
    try:
        return weaviate.connect_to_custom(
            http_host=parts.hostname,
            http_port=parts.port or (443 if secure else 80),
            http_secure=secure,
            grpc_host=parts.hostname,
            grpc_port=grpc_port,
            grpc_secure=secure,
            auth_credentials=weaviate.auth.AuthApiKey(key) if key else None,
        )
    except Exception as error:  # the SDK raises many types; all mean "cannot use this server"
        raise TinkererError(redact(f"cannot connect to Weaviate at {url}: {error}", [key])) from None
