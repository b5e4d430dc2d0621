"""Fixtures: the stand-in web and search services on 127.0.0.1, and the providers pointed at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tinkerer_core import create_component
from tinkerer_plugin_web_search.provider import ReadingProvider

from .standins import BRAVE_TOKEN, OPENAI_KEY, TAVILY_KEY, Web, serve

KEYS = {"TAVILY_API_KEY": TAVILY_KEY, "BRAVE_API_KEY": BRAVE_TOKEN, "OPENAI_API_KEY": OPENAI_KEY}


@pytest.fixture
def web() -> Iterator[Web]:
    """The stand-in site and services, for one test."""
    with serve() as started:
        yield started


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The stand-ins' keys in the environment, as a user sets theirs."""
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return KEYS


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No search key in the environment."""
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def provider(web: Web) -> Callable[..., ReadingProvider]:
    """``provider(name, **params)``: the installed provider pointed at the stand-ins."""

    def make(name: str, **params: Any) -> ReadingProvider:
        return create_component("web_search_provider", name, {**web.service_params[name], **params})

    return make
