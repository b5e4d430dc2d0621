"""``ddgs``: DuckDuckGo's web results through the ddgs package; no key, no account."""

from __future__ import annotations

import chz

from tinkerer_core import WebResult, WebSearchError
from tinkerer_core.secrets import redact
from tinkerer_core.validation import Rule, at_least, http_url
from tinkerer_plugin_web_search.provider import ReadingProvider

REGION = Rule(
    "a DuckDuckGo region like us-en, uk-en, de-de (wt-wt: no region)",
    test=lambda region: isinstance(region, str) and len(region.split("-")) == 2 and all(region.split("-")),
)


@chz.chz
class DuckDuckGoSearch(ReadingProvider):
    """DuckDuckGo's web results (through ddgs), no key needed; the top pages are read here."""

    region: str = chz.field(default="us-en", validator=REGION, doc="the region results are ranked for")
    search_url: str | None = chz.field(
        default=None,
        validator=http_url(),
        doc="DuckDuckGo's HTML endpoint (None: ddgs's own, https://html.duckduckgo.com/html/); a mirror or stand-in",
    )
    query_interval_s: float = chz.field(
        default=2.0, validator=at_least(0), doc="seconds between two searches (DuckDuckGo limits bursts)"
    )

    def find(self, query: str, max_results: int) -> list[WebResult]:
        from ddgs.engines.duckduckgo import Duckduckgo
        from ddgs.exceptions import DDGSException

        engine = Duckduckgo(timeout=self.timeout_s)  # type: ignore[arg-type]  # primp takes float seconds
        if self.search_url is not None:
            engine.search_url = self.search_url
        try:
            found = engine.search(query, region=self.region)
        except DDGSException as error:
            raise WebSearchError(f"cannot reach DuckDuckGo ({redact(str(error))[:300]})") from None
        if found is None:
            raise WebSearchError(
                "DuckDuckGo answered without a results page (not HTTP 200): it may be limiting requests from this "
                "address; wait a minute, or choose another provider"
            )
        return [WebResult(title=item.title, url=item.href, snippet=item.body) for item in found if item.href]
