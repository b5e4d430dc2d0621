"""The owner-only checks every local server shares: keys on disk, key headers, Host and Origin names."""

from __future__ import annotations

import os
from http import HTTPStatus
from pathlib import Path

import pytest

from tinkerer_core.local_server_auth import (
    LocalAccess,
    is_loopback_url,
    presented_key,
    read_key,
    remove_key,
    write_key,
)


def test_a_key_file_is_never_readable_by_others_and_only_its_own_key_is_removed(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # the most permissive umask: the file must still be 0600
    try:
        path = write_key(tmp_path / "dir" / "api-key", "first")
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600 and read_key(path) == "first"
    write_key(path, "second")  # a newer server over the same directory
    remove_key(path, "first")
    assert read_key(path) == "second"
    remove_key(path, "second")
    assert read_key(path) is None and list(path.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({"X-API-Key": "k"}, "k"),
        ({"Authorization": "Bearer k"}, "k"),
        ({"Authorization": "bearer   k "}, "k"),
        ({"Authorization": "Basic k"}, None),
        ({"Authorization": "Bearer "}, None),
        ({}, None),
    ],
)
def test_the_key_is_read_from_either_header(headers: dict[str, str], key: str | None) -> None:
    assert presented_key(headers) == key


def test_loopback_names_the_configured_host_and_nothing_else() -> None:
    access = LocalAccess("k", 8123, "10.1.2.3")
    assert access.hosts == {"127.0.0.1:8123", "localhost:8123", "[::1]:8123", "10.1.2.3:8123"}
    assert LocalAccess("k", 80).hosts >= {"127.0.0.1", "localhost"}  # browsers leave the default port out
    assert "0.0.0.0:8123" not in LocalAccess("k", 8123, "0.0.0.0").hosts
    allowed = {"Host": "LocalHost:8123", "X-API-Key": "k"}
    assert access.refusal(allowed, "k") is None
    assert access.refusal({**allowed, "Origin": "http://127.0.0.1:8123"}, "k") is None
    assert access.refusal({**allowed, "Origin": "http://127.0.0.1:9999"}, "k")[0] == HTTPStatus.FORBIDDEN
    assert access.refusal({**allowed, "Origin": "https://127.0.0.1:8123"}, "k")[0] == HTTPStatus.FORBIDDEN
    assert access.refusal({"X-API-Key": "k"}, "k")[0] == HTTPStatus.FORBIDDEN  # no Host at all
    assert access.refusal(allowed, "K")[0] == HTTPStatus.UNAUTHORIZED
    assert (
        is_loopback_url("http://[::1]:80/x")
        and is_loopback_url("http://127.9.9.9")
        and not is_loopback_url("http://evil")
    )
