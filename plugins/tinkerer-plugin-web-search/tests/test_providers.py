"""Each provider against a stand-in of its service: the request it sends, the results it reads, the refusals it
explains (never with the key), and how research chooses one."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable

import pytest

from tinkerer_core import ConfigError, WebSearchError, create_component
from tinkerer_core.knowledge.web_sources import choose_provider
from tinkerer_plugin_web_search.provider import ReadingProvider

from .standins import ARTICLES, BRAVE_TOKEN, OPENAI_KEY, RATE_LIMITED, TAVILY_KEY, Web

Make = Callable[..., ReadingProvider]
QUERY = "gradient boosting for tabular data"
HISTOGRAM, LEARNING_RATE, CATEGORICAL, NEURAL, PRIVATE = ARTICLES
EXPECTED_ORDER = [HISTOGRAM, NEURAL, CATEGORICAL, PRIVATE]  # the stand-ins rank by words shared with QUERY


def urls(web: Web, articles: list) -> list[str]:
    return [f"{web.site.url}{article.path}" for article in articles]


def test_ddgs_posts_duckduckgos_form_and_reads_its_results_page(web: Web, provider: Make) -> None:
    results = provider("ddgs", region="uk-en").search(QUERY, 3)
    assert [r.url for r in results] == urls(web, EXPECTED_ORDER[:3])  # the ad (duckduckgo.com/y.js) is dropped
    assert [r.title for r in results] == [a.title for a in EXPECTED_ORDER[:3]]
    assert results[0].snippet == HISTOGRAM.snippet and results[0].text == ""  # <b> highlights taken out
    (sent,) = web.services.seen("/html/")
    assert sent.method == "POST" and sent.form() == {"q": [QUERY], "b": [""], "l": ["uk-en"]}
    assert "Mozilla/5.0" in sent.headers["user-agent"]  # ddgs's client passes for a browser


def test_ddgs_explains_a_limited_address_and_an_unreachable_service(provider: Make) -> None:
    with pytest.raises(WebSearchError, match=r"DuckDuckGo answered without a results page \(not HTTP 200\)"):
        provider("ddgs").search(f"boosting {RATE_LIMITED}", 5)
    closed = create_component("web_search_provider", "ddgs", {"search_url": "http://127.0.0.1:9/html/"})
    with pytest.raises(WebSearchError, match=r"cannot reach DuckDuckGo \(.*Connection refused"):
        closed.search(QUERY, 5)


def test_tavily_sends_its_json_with_the_key_and_returns_page_text_without_fetching(
    web: Web, provider: Make, keys: dict[str, str]
) -> None:
    tavily = provider("tavily", search_depth="advanced")
    results = tavily.read(tavily.search(QUERY, 4))
    assert [r.url for r in results] == urls(web, EXPECTED_ORDER)
    assert results[0].text == f"# {HISTOGRAM.title}\n\n{HISTOGRAM.text}" and results[0].snippet == HISTOGRAM.snippet
    assert results[3].text == ""  # Tavily gave no text for the page robots.txt disallows
    (sent,) = web.services.seen("/search")
    assert sent.headers["authorization"] == f"Bearer {TAVILY_KEY}"
    body = sent.json()
    assert body["query"] == QUERY and body["max_results"] == 4 and body["search_depth"] == "advanced"
    assert body["include_raw_content"] == "markdown" and body["topic"] == "general"
    assert [r.path for r in web.site.requests] == []  # the pages came with the reply: nothing fetched here


def test_keyed_providers_refuse_a_bad_key_without_repeating_it(
    web: Web, provider: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "tvly-wrong-key-9876543210"
    monkeypatch.setenv("TAVILY_API_KEY", wrong)
    with pytest.raises(WebSearchError, match=r"Tavily refused the search .InvalidAPIKeyError") as tavily:
        provider("tavily").search(QUERY, 3)
    monkeypatch.setenv("BRAVE_API_KEY", "BSA-wrong-token-9876543210")
    with pytest.raises(WebSearchError) as brave:
        provider("brave").search(QUERY, 3)
    assert str(brave.value) == (
        "Brave Search refused the search (HTTP 422: SUBSCRIPTION_TOKEN_INVALID: The provided subscription token "
        "is invalid.)"
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-9876543210")
    with pytest.raises(WebSearchError, match=r"openai/gpt-4.1-mini could not search \(AuthenticationError") as hosted:
        provider("openai").search(QUERY, 3)
    for error in (tavily, brave, hosted):
        assert "wrong" not in str(error.value)


def test_brave_sends_its_query_and_token_and_strips_its_highlights(
    web: Web, provider: Make, keys: dict[str, str]
) -> None:
    results = provider("brave", country="gb", search_lang="en").search(QUERY, 3)
    assert [r.url for r in results] == urls(web, EXPECTED_ORDER[:3])
    assert results[0].snippet == HISTOGRAM.snippet  # <strong> taken out
    (sent,) = web.services.seen("/res/v1/web/search")
    assert sent.headers["x-subscription-token"] == BRAVE_TOKEN and sent.headers["accept"] == "application/json"
    assert sent.query == {
        "q": [QUERY],
        "count": ["3"],
        "safesearch": ["moderate"],
        "country": ["gb"],
        "search_lang": ["en"],
    }
    with pytest.raises(WebSearchError) as limited:
        provider("brave").search(f"boosting {RATE_LIMITED}", 3)
    assert str(limited.value) == (
        "Brave Search refused the search (HTTP 429: RATE_LIMITED: Request rate limit exceeded for plan.: "
        "the limit resets in 1 s)"
    )


def test_openais_hosted_search_returns_the_pages_its_answer_cites(
    web: Web, provider: Make, keys: dict[str, str]
) -> None:
    results = provider("openai", search_context_size="low").search(QUERY, 3)
    assert [r.url for r in results] == urls(web, EXPECTED_ORDER[:3])  # utm_source=openai taken off
    assert [r.title for r in results] == [a.title for a in EXPECTED_ORDER[:3]]
    assert results[0].snippet == HISTOGRAM.snippet.rstrip(".")  # the sentence that cites it
    (sent,) = web.services.seen("/v1/responses")
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    body = sent.json()
    assert body["model"] == "gpt-4.1-mini" and body["tools"] == [{"type": "web_search", "search_context_size": "low"}]
    assert body["input"].startswith(f"Search the web for: {QUERY}\n")
    assert OPENAI_KEY not in json.dumps(body)


def test_searches_are_spaced_by_the_query_interval(web: Web, provider: Make) -> None:
    ddgs = provider("ddgs", query_interval_s=0.5)
    for query in ("warm-up: imports ddgs", "boosting", "learning rate", "categorical"):
        ddgs.search(query, 2)
    arrivals = [request.at for request in web.services.seen("/html/")][1:]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert sum(gaps) >= 2 * 0.5 - 0.05 and min(gaps) >= 0.4  # arrivals lag their start a little on a busy machine


def test_research_takes_a_keyed_provider_when_its_key_is_set_else_ddgs(
    monkeypatch: pytest.MonkeyPatch, no_keys: None
) -> None:
    assert choose_provider(None, {}).name == "ddgs"
    monkeypatch.setenv("BRAVE_API_KEY", BRAVE_TOKEN)
    assert choose_provider(None, {}).name == "brave"
    monkeypatch.setenv("TAVILY_API_KEY", TAVILY_KEY)
    assert choose_provider(None, {}).name == "tavily"
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    assert choose_provider(None, {}).name == "tavily"  # the hosted search costs model calls: only when named
    assert choose_provider("openai", {}).name == "openai"


def test_a_named_provider_without_its_key_or_with_a_bad_value_is_refused(no_keys: None) -> None:
    with pytest.raises(ConfigError) as missing:
        choose_provider("tavily", {})
    assert str(missing.value) == (
        "web search provider 'tavily' cannot search here: TAVILY_API_KEY is not set (a key from https://app.tavily.com)"
    )
    with pytest.raises(ConfigError, match=r"web search provider 'ddgs': read_pages must be at least 0, got -1"):
        choose_provider("ddgs", {"read_pages": -1})
    with pytest.raises(ConfigError, match=r"search_depth must be one of .*, got 'advance'; did you mean 'advanced'"):
        choose_provider("tavily", {"search_depth": "advance"})
    with pytest.raises(ConfigError, match=r"api_key_env must be an environment variable name .* got 'tvly-abc123'"):
        choose_provider("tavily", {"api_key_env": "tvly-abc123"})
    with pytest.raises(ConfigError, match=r"search_url must be an http\(s\)://host\[:port\] address"):
        choose_provider("ddgs", {"search_url": "html.duckduckgo.com/html/"})
    with pytest.raises(ConfigError, match=r"'ddgs' has no parameter 'max_pages'; .*did you mean 'read_pages'"):
        choose_provider("ddgs", {"max_pages": 2})
    started = time.monotonic()
    assert choose_provider("ddgs", {"region": "de-de"}).provider is not None
    assert time.monotonic() - started < 1  # building a provider imports and connects nothing
