"""Where training runs: the local server's key reaches the SDK by itself, telemetry is off, a dead URL fails fast."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_core import TinkererError
from tinkerer_plugin_tinker.endpoint import CONNECT_TIMEOUT_S, tinker_endpoint

tinker = pytest.importorskip("tinker")
from tinker.lib.telemetry import _is_telemetry_enabled  # noqa: E402  (the SDK's own reading of its switch)

from tinkerer_plugin_tinker_local.server import TinkerLocalServer, default_data_dir  # noqa: E402


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TinkerLocalServer]:
    """``tinkerer tinker-local serve`` as a user runs it: over the default data dir, URL in TINKER_BASE_URL."""
    monkeypatch.setenv("TINKERER_CACHE", str(tmp_path / "cache"))
    default_data_dir().mkdir(parents=True)
    with TinkerLocalServer(default_data_dir()) as server:
        monkeypatch.setenv("TINKER_BASE_URL", server.base_url)
        yield server


def test_a_served_local_server_gets_its_key_from_its_data_dir(served: TinkerLocalServer, tmp_path: Path) -> None:
    with tinker_endpoint(None, tmp_path / "unused") as endpoint:
        assert endpoint.local and endpoint.base_url == served.base_url and endpoint.api_key == served.api_key
        assert os.environ["TINKER_API_KEY"] == served.api_key  # for tinker-cookbook's own ServiceClient
        assert not _is_telemetry_enabled()
        assert tinker.RestClient(base_url=endpoint.base_url).list_training_runs().result().training_runs == []
    assert "TINKER_API_KEY" not in os.environ and not (tmp_path / "unused").exists()


def test_a_wrong_key_for_a_served_server_says_what_to_do(served: TinkerLocalServer, monkeypatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", "tml-stale-key-of-an-earlier-start")
    with (
        pytest.raises(TinkererError, match=r"refused the key.*tinkerer tinker-local serve"),
        tinker_endpoint(None, Path("unused")),
    ):
        pass


def test_a_local_url_where_nothing_listens_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TINKER_BASE_URL", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with (
        pytest.raises(TinkererError, match=rf"no local Tinker server answers at http://127.0.0.1:{port}"),
        tinker_endpoint(None, Path("unused")),
    ):
        pass
    assert time.monotonic() - started < CONNECT_TIMEOUT_S  # not the SDK's five minutes of retries


def test_a_server_that_accepts_but_never_answers_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from tinkerer_core.isolation import silent_server

    monkeypatch.setattr("tinkerer_plugin_tinker.endpoint.CONNECT_TIMEOUT_S", 0.5)
    with silent_server() as port:
        monkeypatch.setenv("TINKER_BASE_URL", f"http://127.0.0.1:{port}")
        with pytest.raises(TinkererError, match=r"did not answer within 0\.5 s"), tinker_endpoint(None, Path("unused")):
            pass


def test_the_in_process_server_hands_over_its_key_and_turns_telemetry_off(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TINKER_TELEMETRY")
    with tinker_endpoint(None, tmp_path / "local") as endpoint:
        assert endpoint.local and endpoint.api_key and endpoint.api_key.startswith("tml-")
        assert os.environ["TINKER_API_KEY"] == endpoint.api_key
        assert (tmp_path / "local" / "api-key").read_text().strip() == endpoint.api_key
        assert not _is_telemetry_enabled()
        assert tinker.RestClient(base_url=endpoint.base_url).list_training_runs().result().training_runs == []
    assert "TINKER_API_KEY" not in os.environ and "TINKER_TELEMETRY" not in os.environ
