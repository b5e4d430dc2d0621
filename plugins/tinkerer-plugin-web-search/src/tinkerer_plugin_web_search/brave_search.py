"""``brave``: the Brave Search API's web results (``BRAVE_API_KEY``), over plain HTTPS."""

from __future__ import annotations

import html
import re
from typing import Any

import chz

from tinkerer_core import WebResult, WebSearchError
from tinkerer_core.secrets import redact
from tinkerer_core.validation import env_name, http_url, one_of
from tinkerer_plugin_web_search.provider import ReadingProvider, api_key, key_status

SIGNUP = "https://api-dashboard.search.brave.com"
MAX_COUNT = 20  # the most web results Brave returns for one request
TAG = re.compile(r"<[^>]+>")


@chz.chz
class BraveSearch(ReadingProvider):
    """The Brave Search API's web results (BRAVE_API_KEY); the top pages are read here."""

    api_key_env: str = chz.field(
        default="BRAVE_API_KEY", validator=env_name(), doc="the environment variable holding the subscription token"
    )
    base_url: str = chz.field(
        default="https://api.search.brave.com/res/v1", validator=http_url(), doc="the Brave Search API's address"
    )
    safesearch: str = chz.field(default="moderate", validator=one_of("off", "moderate", "strict"), doc="adult filter")
    country: str = chz.field(default="", doc="a two-letter country code results come from ('': Brave's default)")
    search_lang: str = chz.field(default="", doc="the language of results, like en ('': Brave's default)")

    def available(self) -> tuple[bool, str]:
        return key_status(self.api_key_env, SIGNUP)

    def find(self, query: str, max_results: int) -> list[WebResult]:
        import httpx

        key = api_key(self.api_key_env, SIGNUP)
        params: dict[str, str | int] = {"q": query, "count": min(max_results, MAX_COUNT), "safesearch": self.safesearch}
        params |= {
            name: value for name, value in (("country", self.country), ("search_lang", self.search_lang)) if value
        }
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", "X-Subscription-Token": key}
        try:
            response = httpx.get(f"{self.base_url}/web/search", params=params, headers=headers, timeout=self.timeout_s)
            reply = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        except (httpx.HTTPError, ValueError) as error:
            raise WebSearchError(
                f"cannot reach Brave Search ({type(error).__name__}: {redact(str(error), [key])})"
            ) from None
        if response.status_code != 200:
            raise WebSearchError(
                f"Brave Search refused the search ({_refusal(response.status_code, reply, response.headers)})"
            )
        results = (reply.get("web") or {}).get("results") or []
        return [_result(item) for item in results if isinstance(item, dict) and item.get("url")]


def _result(item: dict[str, Any]) -> WebResult:
    snippets = [item.get("description") or "", *(item.get("extra_snippets") or [])]
    return WebResult(
        title=_plain(str(item.get("title") or "")),
        url=str(item["url"]),
        snippet=" ".join(_plain(str(snippet)) for snippet in snippets if snippet),
    )


def _plain(text: str) -> str:
    """Brave's text without its <strong> decorations and HTML entities."""
    return " ".join(html.unescape(TAG.sub("", text)).split())


def _refusal(status: int, reply: dict[str, Any], headers: Any) -> str:
    """What Brave's error body says: HTTP status, its code and detail; for 429, when the limit resets."""
    error = reply["error"] if isinstance(reply.get("error"), dict) else {}
    parts = [f"HTTP {status}", str(error.get("code") or ""), str(error.get("detail") or "")]
    if status == 429 and headers.get("x-ratelimit-reset"):
        parts.append(f"the limit resets in {headers['x-ratelimit-reset'].split(',')[0].strip()} s")
    return ": ".join(part for part in parts if part)
