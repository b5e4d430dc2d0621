"""``tavily``: Tavily's search API (``TAVILY_API_KEY``), which can hand back each page's text itself."""

from __future__ import annotations

import chz

from tinkerer_core import WebResult, WebSearchError
from tinkerer_core.prompts import bounded
from tinkerer_core.secrets import redact
from tinkerer_core.validation import env_name, http_url, one_of
from tinkerer_plugin_web_search.provider import ReadingProvider, api_key, key_status

SIGNUP = "https://app.tavily.com"


@chz.chz
class TavilySearch(ReadingProvider):
    """Tavily's search API (TAVILY_API_KEY); with raw_content it returns the pages' text, so none is fetched here."""

    api_key_env: str = chz.field(
        default="TAVILY_API_KEY", validator=env_name(), doc="the environment variable holding the API key"
    )
    api_base_url: str = chz.field(default="https://api.tavily.com", validator=http_url(), doc="Tavily's API address")
    search_depth: str = chz.field(
        default="basic", validator=one_of("basic", "advanced", "fast", "ultra-fast"), doc="Tavily's search depth"
    )
    topic: str = chz.field(default="general", validator=one_of("general", "news", "finance"), doc="Tavily's topic")
    raw_content: bool = chz.field(default=True, doc="ask Tavily for each page's text (Markdown)")

    def available(self) -> tuple[bool, str]:
        return key_status(self.api_key_env, SIGNUP)

    def find(self, query: str, max_results: int) -> list[WebResult]:
        import requests
        from tavily import TavilyClient, errors

        key = api_key(self.api_key_env, SIGNUP)
        refusals = (
            errors.InvalidAPIKeyError,
            errors.UsageLimitExceededError,
            errors.ForbiddenError,
            errors.BadRequestError,
            errors.TimeoutError,
            requests.RequestException,
        )
        with TavilyClient(api_key=key, api_base_url=self.api_base_url) as client:
            try:
                reply = client.search(
                    query,
                    search_depth=self.search_depth,
                    topic=self.topic,
                    max_results=max_results,
                    include_raw_content="markdown" if self.raw_content else False,
                    timeout=self.timeout_s,
                )
            except refusals as error:
                cause = redact(str(error), [key])[:300] or "no detail"
                raise WebSearchError(f"Tavily refused the search ({type(error).__name__}: {cause})") from None
        return [
            WebResult(
                title=str(item.get("title") or ""),
                url=str(item.get("url") or ""),
                snippet=str(item.get("content") or ""),
                text=bounded(str(item.get("raw_content") or "").strip(), self.page_chars),
            )
            for item in reply.get("results", [])
            if isinstance(item, dict)
        ]
