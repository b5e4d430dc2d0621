"""The web side of ``research``: which provider searches, and the numbered sources its searches found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

from tinkerer_core.components import WebResult, WebSearchError, WebSearchProvider
from tinkerer_core.errors import ConfigError
from tinkerer_core.secrets import redact

KIND = "web_search_provider"
AUTO_ORDER = ("tavily", "brave", "ddgs")  # keyed APIs when their key is set, then the keyless one
NO_PROVIDER = "none"
PACKAGE = "tinkerer-plugin-web-search"
WITHOUT_WEB = "this report draws on the knowledge base and the model only"


@dataclass(frozen=True)
class WebProvider:
    """The web search provider a research uses, by its registered name; without one, the reason (for the report)."""

    name: str
    provider: WebSearchProvider | None
    reason: str = ""


def choose_provider(name: str | None, params: Mapping[str, Any]) -> WebProvider:
    """The provider named (``"none"``: no web search), or with ``name`` None the first that can search here
    of tavily, brave, ddgs, then any other installed one. A named provider that cannot search is a ``ConfigError``."""
    from tinkerer_core.config import create_component
    from tinkerer_core.plugins import get_manager

    manager = get_manager()
    if params and name in (None, NO_PROVIDER):
        raise ConfigError(
            f"provider_params {dict(params)!r} need a provider to set: name one (provider='ddgs'; "
            f"installed: {', '.join(manager.names(KIND)) or 'none'})"
        )
    if name == NO_PROVIDER:
        return WebProvider(NO_PROVIDER, None, f"Web search is off (provider {NO_PROVIDER!r}): {WITHOUT_WEB}.")
    if name is not None:
        provider = create_component(KIND, name, params)
        usable, why = provider.available()
        if not usable:
            raise ConfigError(f"web search provider {name!r} cannot search here: {why}")
        return WebProvider(name, provider)
    installed = manager.names(KIND)
    if not installed:
        return WebProvider("", None, f"No web search provider is installed (pip install {PACKAGE}): {WITHOUT_WEB}.")
    reasons = []
    for candidate in [*(n for n in AUTO_ORDER if n in installed), *(n for n in installed if n not in AUTO_ORDER)]:
        provider = create_component(KIND, candidate)
        usable, why = provider.available()
        if usable:
            return WebProvider(candidate, provider)
        reasons.append(f"{candidate}: {why}")
    return WebProvider("", None, f"No web search provider can search here ({'; '.join(reasons)}): {WITHOUT_WEB}.")


@dataclass(frozen=True)
class Search:
    """One query sent to the provider, in which round, and what came of it."""

    query: str
    round: int
    found: int = 0  # results not seen in an earlier search
    error: str = ""


@dataclass
class WebSources:
    """Every result the searches of one research found, numbered in the order found (``[1]`` is the first)."""

    web: WebProvider
    results: list[WebResult] = field(default_factory=list)
    searches: list[Search] = field(default_factory=list)

    def search(self, query: str, max_results: int, round_number: int) -> Search:
        """Search ``query``, read the new results' pages, and number them after those found before."""
        provider = self.web.provider
        assert provider is not None
        try:
            found = provider.search(query, max_results)
        except WebSearchError as error:
            done = Search(query, round_number, error=redact(str(error)))
        else:
            new: dict[str, WebResult] = {}
            seen = {_key(result.url) for result in self.results}
            for result in found:
                if result.url and _key(result.url) not in seen:
                    new.setdefault(_key(result.url), result)
            self.results += provider.read(list(new.values()))
            done = Search(query, round_number, found=len(new))
        self.searches.append(done)
        return done

    @property
    def pages_read(self) -> int:
        return sum(1 for result in self.results if result.text)

    def url(self, number: int) -> str | None:
        """The URL of source ``[number]``, or None when there is no such source."""
        return self.results[number - 1].url if 1 <= number <= len(self.results) else None


def _key(url: str) -> str:
    """A URL without its fragment: two links to parts of one page are one source."""
    return urldefrag(url.strip())[0].rstrip("/")
