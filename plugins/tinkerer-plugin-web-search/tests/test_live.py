"""The real services, where this machine reaches them: each test skips, saying why, when it cannot run here
(no route to the service, or no key in the environment). CI has neither, so these run on a developer's machine."""

from __future__ import annotations

import os
import socket

import pytest

from tinkerer_core import create_component

QUERY = "scikit-learn HistGradientBoostingClassifier documentation"


def unreachable(host: str) -> str | None:
    """Why ``host``:443 cannot be reached from here, or None when it can."""
    try:
        socket.create_connection((host, 443), timeout=3).close()
    except OSError as error:
        return f"{host} is not reachable from this machine ({error})"
    return None


def live(name: str, host: str, key_env: str | None = None) -> pytest.MarkDecorator:
    """A skip mark for a provider whose key is not set or whose host is not reachable (tried only with a key)."""
    why = f"{key_env} is not set" if key_env and not os.environ.get(key_env) else unreachable(host)
    return pytest.mark.skipif(why is not None, reason=f"{name}: {why}")


CASES = [
    pytest.param("ddgs", marks=live("ddgs", "html.duckduckgo.com"), id="ddgs"),
    pytest.param("tavily", marks=live("tavily", "api.tavily.com", "TAVILY_API_KEY"), id="tavily"),
    pytest.param("brave", marks=live("brave", "api.search.brave.com", "BRAVE_API_KEY"), id="brave"),
    pytest.param("openai", marks=live("openai", "api.openai.com", "OPENAI_API_KEY"), id="openai"),
]


@pytest.mark.parametrize("name", CASES)
def test_the_real_service_finds_pages_and_the_top_one_is_read(name: str) -> None:
    provider = create_component("web_search_provider", name, {"read_pages": 1})
    results = provider.read(provider.search(QUERY, 3))
    assert results and all(result.url.startswith(("http://", "https://")) for result in results)
    assert results[0].text or results[0].note  # read, or a reason it was not (robots.txt, not HTML ...)
