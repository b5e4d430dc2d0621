"""``openai``: OpenAI's hosted web search, the Responses API's ``web_search`` tool called through litellm.

The model searches and answers with the pages it cites (``url_citation`` annotations); those pages are the
results, the cited sentences their snippets, and the top ones are then read here like any other result.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import chz

from tinkerer_core import WebResult, WebSearchError
from tinkerer_core.secrets import redact
from tinkerer_core.validation import env_name, http_url, not_empty, one_of, positive
from tinkerer_plugin_web_search.provider import ReadingProvider, api_key, key_status

SIGNUP = "https://platform.openai.com/api-keys"
PROMPT = (
    "Search the web for: {query}\n\n"
    "Find the {count} most useful pages (official documentation, papers, well-kept repositories, expert "
    "articles) and say in one sentence each what the page offers, citing it."
)


@chz.chz
class OpenAIWebSearch(ReadingProvider):
    """OpenAI's hosted web search (the web_search tool of the Responses API, through litellm); OPENAI_API_KEY."""

    model: str = chz.field(default="openai/gpt-4.1-mini", validator=not_empty(), doc="a model that has web search")
    api_base: str | None = chz.field(default=None, validator=http_url(), doc="the API's address (None: OpenAI's)")
    api_key_env: str = chz.field(
        default="OPENAI_API_KEY", validator=env_name(), doc="the environment variable holding the API key"
    )
    tool: str = chz.field(
        default="web_search", validator=one_of("web_search", "web_search_preview"), doc="the hosted tool's type"
    )
    search_context_size: str = chz.field(
        default="medium", validator=one_of("low", "medium", "high"), doc="how much of each page the model sees"
    )
    timeout_s: float = chz.field(default=120.0, validator=positive(), doc="seconds the model may search and answer")

    def available(self) -> tuple[bool, str]:
        return key_status(self.api_key_env, SIGNUP)

    def find(self, query: str, max_results: int) -> list[WebResult]:
        import openai

        from tinkerer_plugin_litellm.litellm_api import import_litellm

        key = api_key(self.api_key_env, SIGNUP)
        try:
            response = import_litellm().responses(
                model=self.model,
                input=PROMPT.format(query=query, count=max_results),
                tools=[{"type": self.tool, "search_context_size": self.search_context_size}],
                api_key=key,
                api_base=self.api_base,
                timeout=self.timeout_s,
            )
        except openai.APIError as error:
            cause = redact(" ".join(str(error).split()), [key])[:300]
            raise WebSearchError(f"{self.model} could not search ({type(error).__name__}: {cause})") from None
        return cited_pages(response.model_dump())


def cited_pages(response: dict[str, Any]) -> list[WebResult]:
    """The pages a Responses API reply cites, in order of first citation, each with the text citing it."""
    pages: dict[str, WebResult] = {}
    for item in response.get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            text = str(part.get("text") or "") if isinstance(part, dict) else ""
            for note in part.get("annotations") or [] if isinstance(part, dict) else []:
                if isinstance(note, dict) and note.get("type") == "url_citation" and note.get("url"):
                    url = _untracked(str(note["url"]))
                    cited = _sentence(text, int(note.get("start_index") or 0))
                    pages.setdefault(url, WebResult(title=str(note.get("title") or url), url=url, snippet=cited))
    return list(pages.values())


def _sentence(text: str, start: int) -> str:
    """The sentence of ``text`` that ends in the citation at ``start`` (the citation itself left out)."""
    begin = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start) + 1, 0)
    return " ".join(text[begin:start].split()).strip(" -*(")


def _untracked(url: str) -> str:
    """``url`` without the ``utm_source=openai`` OpenAI adds to the links it cites."""
    parts = urlsplit(url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if (name, value) != ("utm_source", "openai")
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
