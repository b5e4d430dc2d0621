"""What the providers here share: searches paced, the top results' pages read, keys read from the environment."""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import replace

import chz

from tinkerer_core import WebResult, WebSearchError, WebSearchProvider
from tinkerer_core.validation import at_least, not_empty, positive
from tinkerer_plugin_web_search.pacing import Pacer
from tinkerer_plugin_web_search.reading import PageReader

USER_AGENT = "TinkererResearch/0.1 (a research assistant that reads robots.txt)"


@chz.chz
class ReadingProvider(WebSearchProvider):
    """A web search provider that reads the top results' pages itself: robots.txt obeyed, hosts paced."""

    timeout_s: float = chz.field(default=20.0, validator=positive(), doc="seconds one search request may take")
    query_interval_s: float = chz.field(
        default=1.0, validator=at_least(0), doc="seconds between two searches (the service's rate limit)"
    )
    read_pages: int = chz.field(
        default=3, validator=at_least(0), doc="pages read after each search (its top results); 0 keeps snippets"
    )
    page_chars: int = chz.field(default=8000, validator=at_least(100), doc="the most characters kept of a page")
    page_bytes: int = chz.field(default=2_000_000, validator=at_least(1024), doc="the most bytes downloaded of a page")
    page_timeout_s: float = chz.field(
        default=10.0, validator=positive(), doc="seconds to read one page: robots.txt, waiting its turn, download"
    )
    host_interval_s: float = chz.field(
        default=1.0,
        validator=at_least(0),
        doc="seconds between two requests to one host (a longer robots.txt Crawl-delay wins)",
    )
    user_agent: str = chz.field(
        default=USER_AGENT, validator=not_empty(), doc="how pages and robots.txt see the reader"
    )
    private_hosts: bool = chz.field(
        default=False, doc="also read pages on loopback and private addresses (local servers, an intranet)"
    )

    @chz.init_property
    def _pacer(self) -> Pacer:
        return Pacer()

    @chz.init_property
    def _reader(self) -> PageReader:
        return PageReader(
            user_agent=self.user_agent,
            max_bytes=self.page_bytes,
            max_chars=self.page_chars,
            timeout_s=self.page_timeout_s,
            host_interval_s=self.host_interval_s,
            private_hosts=self.private_hosts,
        )

    @abstractmethod
    def find(self, query: str, max_results: int) -> list[WebResult]:
        """The service's results for ``query``; ``WebSearchError`` saying why when it cannot answer."""

    def search(self, query: str, max_results: int) -> list[WebResult]:
        self._pacer.wait("search", self.query_interval_s)
        return self.find(query, max_results)[:max_results]

    def read(self, results: Sequence[WebResult]) -> list[WebResult]:
        """The top ``read_pages`` results with their pages read (unless the service gave their text)."""
        top, rest = list(results[: self.read_pages]), results[self.read_pages :]
        fetched = iter(self._reader.read_all([result for result in top if not result.text]))
        unread = (
            f"read_pages={self.read_pages} reads the top {self.read_pages} of each search" if top else "read_pages=0"
        )
        return [result if result.text else next(fetched) for result in top] + [
            result if result.text else replace(result, note=unread) for result in rest
        ]


def key_status(env_name: str, signup: str) -> tuple[bool, str]:
    """Whether the key variable ``env_name`` is set, and if not what to do (for ``available``)."""
    if os.environ.get(env_name, "").strip():
        return True, "available"
    return False, f"{env_name} is not set (a key from {signup})"


def api_key(env_name: str, signup: str) -> str:
    """The key in ``env_name``; ``WebSearchError`` saying where to get one when it is not set."""
    key = os.environ.get(env_name, "").strip()
    if not key:
        raise WebSearchError(f"{env_name} is not set (a key from {signup})")
    return key
