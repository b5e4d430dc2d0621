"""``research``: a cited report on a query from web search (a provider plugin), the knowledge base and the model.

A light research searches once; a deep one then asks the model for follow-up queries drawn from the first
results and searches those too. The provider reads the top pages, the model writes findings that cite the
numbered sources, and the report says in its first lines what it could not draw on.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from tinkerer_core.components import KnowledgeBackend
from tinkerer_core.errors import ConfigError
from tinkerer_core.knowledge.citations import cite, searches_section, sources_for_prompt, sources_section
from tinkerer_core.knowledge.retrieval import knowledge_context
from tinkerer_core.knowledge.web_sources import WITHOUT_WEB, WebProvider, WebSources
from tinkerer_core.llm import LLM, LLMError, uses_small_model
from tinkerer_core.prompts import bounded
from tinkerer_core.types import Source

MODES = ("idea", "implementation", "both")
SMALL_MODEL_SOURCE_CHARS = 3000  # a tiny local model's context holds a few excerpts, not whole pages
FIRST_RESULTS_CHARS = 4000  # what the model sees of the first round when it proposes follow-up queries


@dataclass(frozen=True)
class Depth:
    """How far one research goes."""

    results: int  # results asked of each search
    points: int  # findings asked of the model
    max_tokens: int  # the longest report the model may write
    follow_ups: int  # queries of a second round the model may propose (0: one round)
    source_chars: int  # characters of the sources shown to the model, shared among them


DEPTHS = {
    "light": Depth(results=5, points=3, max_tokens=700, follow_ups=0, source_chars=8000),
    "deep": Depth(results=8, points=6, max_tokens=1500, follow_ups=3, source_chars=16000),
}


def research(
    query: str, mode: str, depth: str, backend: KnowledgeBackend | None, llm: LLM | None, web: WebProvider
) -> Source.Research:
    """Research ``query``; the report's first lines say which sources it lacked (no provider, a failed search)."""
    if mode not in MODES:
        raise ConfigError(f"research mode {mode!r}; choose one of: {', '.join(MODES)}")
    if depth not in DEPTHS:
        raise ConfigError(f"research depth {depth!r}; choose one of: {', '.join(DEPTHS)}")
    plan = DEPTHS[depth]
    notes = [web.reason] if web.reason else []
    sources = WebSources(web)
    if web.provider is not None:
        first = sources.search(query, plan.results, round_number=1)
        if first.error:
            notes.append(f"Web search with {web.name} failed ({first.error}): {WITHOUT_WEB}.")
        elif plan.follow_ups:
            notes += _second_round(query, plan, sources, llm)
    knowledge = knowledge_context(backend, query, top_k=plan.results) if backend is not None else ""
    if backend is None:
        notes.append("No knowledge index is loaded (Tinkerer(kg_index=...)).")
    answer = ""
    if llm is not None:
        try:
            answer = _findings(query, mode, depth, plan, sources, knowledge, llm)
        except LLMError as error:
            notes.append(f"The model could not answer ({error}).")
    else:
        notes.append("No LLM gateway is installed: the report lists the sources only.")
    header = f"Mode: {mode} · depth: {depth}"
    if web.provider is not None:
        header += (
            f" · web: {web.name}, {len(sources.searches)} searches, {len(sources.results)} sources, "
            f"{sources.pages_read} pages read"
        )
    body = [f"# Research: {query}", header, *(f"> {note}" for note in notes)]
    if answer:
        body.append(f"## Findings\n{cite(answer, sources)}")
    body += [section for section in (sources_section(sources), searches_section(sources)) if section]
    if knowledge:
        body.append(f"## From the knowledge base\n{knowledge}")
    return Source.Research(
        objective=query,
        mode=mode,
        report_markdown="\n\n".join(body) + "\n",
        sources=tuple(result.url for result in sources.results),
    )


def _second_round(query: str, plan: Depth, sources: WebSources, llm: LLM | None) -> list[str]:
    """Search the follow-up queries the model proposes from the first results; notes when there are none."""
    if llm is None:
        return ["No LLM gateway is installed to propose follow-up queries: the deep research searched once."]
    if not sources.results:
        return ["The first search found nothing to follow up: the deep research searched once."]
    try:
        queries = _follow_up_queries(query, plan, sources, llm)
    except LLMError as error:
        return [f"The model proposed no usable follow-up queries ({error}): the deep research searched once."]
    failed = [search for search in (sources.search(q, plan.results, round_number=2) for q in queries) if search.error]
    return [f"Follow-up search `{search.query}` failed ({search.error})." for search in failed]


def _follow_up_queries(query: str, plan: Depth, sources: WebSources, llm: LLM) -> list[str]:
    """Up to ``plan.follow_ups`` new queries, parsed from the model's JSON reply."""

    def validate(reply: Any) -> list[str]:
        queries = reply.get("queries") if isinstance(reply, dict) else None
        if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
            raise ValueError('expected {"queries": ["...", ...]}')
        asked = {query.strip().lower()}
        fresh = [q.strip() for q in queries if q.strip() and q.strip().lower() not in asked]
        if not fresh:
            raise ValueError("no query differs from the first one")
        return list(dict.fromkeys(fresh))[: plan.follow_ups]

    prompt = _prompt("research_queries.md").format(
        query=query,
        count=plan.follow_ups,
        results=sources_for_prompt(sources, FIRST_RESULTS_CHARS),
    )
    return llm.complete_json(
        [{"role": "user", "content": prompt}], validate, purpose="research: follow-up queries", temperature=0.0
    )


def _findings(query: str, mode: str, depth: str, plan: Depth, sources: WebSources, knowledge: str, llm: LLM) -> str:
    """The model's findings, each meant to end with the numbers of the sources it draws on."""
    source_chars = SMALL_MODEL_SOURCE_CHARS if uses_small_model(llm) else plan.source_chars
    numbered = sources_for_prompt(sources, source_chars)
    given = []
    if numbered:
        given.append(f"Web sources (cite them by number):\n\n{numbered}")
    if knowledge:
        given.append(f"From the knowledge base (cite it as [kb]):\n\n{bounded(knowledge, source_chars)}")
    prompt = _prompt(f"research_{mode}.md").format(
        query=query, depth=depth, count=plan.points, sources="\n\n".join(given) or "(no sources)"
    )
    completion = llm.complete(
        [{"role": "user", "content": prompt}], purpose=f"research: {mode}", max_tokens=plan.max_tokens
    )
    return completion.text.strip()


def _prompt(name: str) -> str:
    return resources.files(__package__).joinpath(f"prompts/{name}").read_text()
