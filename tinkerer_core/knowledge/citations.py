"""Citations in a research report: numbered sources for the model, and findings that point to their URLs."""

from __future__ import annotations

import re

from tinkerer_core.components import WebResult
from tinkerer_core.knowledge.web_sources import WebSources
from tinkerer_core.prompts import bounded

MIN_SOURCE_CHARS = 300  # a source shown in less room than this says nothing useful
MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*|kb)\]", re.IGNORECASE)
FENCE = re.compile(r"^\s*(```|~~~)")
UNCITED = "*(no source: the model's own knowledge)*"


def sources_for_prompt(sources: WebSources, max_chars: int) -> str:
    """The sources as ``[n] title — url`` and what is known of each (its page's text, else the snippet), within
    ``max_chars`` shared among them."""
    if not sources.results:
        return ""
    share = max(max_chars // len(sources.results), MIN_SOURCE_CHARS)
    return "\n\n".join(
        f"[{number}] {result.title or result.url} — {result.url}\n{_known(result, share)}"
        for number, result in enumerate(sources.results, start=1)
    )


def _known(result: WebResult, max_chars: int) -> str:
    if result.text:
        return bounded(result.text.strip(), max_chars)
    return f"(snippet) {bounded(result.snippet.strip(), max_chars)}" if result.snippet.strip() else "(no text)"


def cite(answer: str, sources: WebSources) -> str:
    """``answer`` with every ``[n]`` (and ``[kb]``) turned into a link to its source; a finding that cites no source
    there is marked as the model's own. Headings and code blocks are left as they are."""
    lines, in_code = [], False
    for line in answer.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        if in_code or FENCE.match(line) or not line.strip() or line.lstrip().startswith("#"):
            lines.append(line)
            continue
        links = [link for marker in MARKER.findall(line) for link in _links(marker, sources)]
        text = re.sub(rf"\s*{MARKER.pattern}", "", line, flags=re.IGNORECASE).rstrip()
        lines.append(f"{text} {' '.join(dict.fromkeys(links))}" if links else f"{text} {UNCITED}")
    return "\n".join(lines)


def _links(marker: str, sources: WebSources) -> list[str]:
    if marker.lower() == "kb":
        return ["(knowledge base)"]
    numbers = (int(part) for part in re.split(r"\s*[,;]\s*", marker))
    return [f"[[{number}]]({url})" for number in numbers if (url := sources.url(number)) is not None]


def sources_section(sources: WebSources) -> str:
    """The numbered sources: each a link, and whether its page was read (and why not)."""
    if not sources.results:
        return ""
    rows = []
    for number, result in enumerate(sources.results, start=1):
        if result.text:
            state = f"page read ({len(result.text):,} characters)"
        else:
            state = "snippet only" + (f" ({result.note})" if result.note else "")
        rows.append(f"{number}. [{result.title or result.url}]({result.url}) — {state}")
    return "## Sources\n" + "\n".join(rows)


def searches_section(sources: WebSources) -> str:
    """The queries sent, by round, and what each found (or why it failed)."""
    if not sources.searches:
        return ""
    rows = [
        f"- round {search.round}: `{search.query}` — "
        + (f"failed: {search.error}" if search.error else f"{search.found} new results")
        for search in sources.searches
    ]
    return f"## Searches ({sources.web.name})\n" + "\n".join(rows)
