"""``research``: a report on a query from web search (a pluggable tool), the knowledge base and the model."""

from __future__ import annotations

from importlib import resources
from typing import Any

from tinkerer_core.components import KnowledgeBackend
from tinkerer_core.errors import ConfigError
from tinkerer_core.knowledge.retrieval import knowledge_context
from tinkerer_core.llm import LLM, LLMError
from tinkerer_core.prompts import bounded
from tinkerer_core.types import Source

MODES = ("idea", "implementation", "both")
DEPTHS = {
    "light": {"results": 5, "points": 3, "max_tokens": 700},
    "deep": {"results": 10, "points": 6, "max_tokens": 1500},
}
SNIPPET_CHARS = 500


def research(query: str, mode: str, depth: str, backend: KnowledgeBackend | None, llm: LLM | None) -> Source.Research:
    """Research ``query``; says in the report which sources it had (no web search offline)."""
    if mode not in MODES:
        raise ConfigError(f"research mode {mode!r}; choose one of: {', '.join(MODES)}")
    if depth not in DEPTHS:
        raise ConfigError(f"research depth {depth!r}; choose one of: {', '.join(DEPTHS)}")
    budget = DEPTHS[depth]
    web = web_search(query, budget["results"])
    notes = (
        []
        if web is not None
        else ["No web search plugin is installed: this report draws on the knowledge base and the model only."]
    )
    knowledge = knowledge_context(backend, query, top_k=budget["results"]) if backend is not None else ""
    if backend is None:
        notes.append("No knowledge index is loaded (Tinkerer(kg_index=...)).")
    sources = _sources_section(web or [], knowledge)
    prompt = resources.files(__package__).joinpath(f"prompts/research_{mode}.md").read_text()
    prompt = prompt.format(query=query, depth=depth, count=budget["points"], sources=sources or "(no sources)")
    answer = ""
    if llm is not None:
        try:
            answer = llm.complete(
                [{"role": "user", "content": prompt}], purpose=f"research: {mode}", max_tokens=budget["max_tokens"]
            ).text.strip()
        except LLMError as error:
            notes.append(f"The model could not answer ({error}).")
    else:
        notes.append("No LLM gateway is installed: the report lists the sources only.")
    body = [f"# Research: {query}", f"Mode: {mode} · depth: {depth}"]
    body += [f"> {note}" for note in notes]
    if answer:
        body.append(f"## Findings\n{answer}")
    if sources:
        body.append(sources)
    return Source.Research(objective=query, mode=mode, report_markdown="\n\n".join(body) + "\n")


def web_search(query: str, max_results: int) -> list[dict[str, Any]] | None:
    """Results from the first installed web-search plugin; None when there is none."""
    from tinkerer_core.plugins import get_manager

    return get_manager().hooks.hook.tinkerer_web_search(query=query, max_results=max_results)


def _sources_section(web: list[dict[str, Any]], knowledge: str) -> str:
    parts = []
    if web:
        parts.append(
            "## Web sources\n"
            + "\n".join(
                f"- [{item.get('title', item.get('url', ''))}]({item.get('url', '')}): "
                f"{bounded(str(item.get('snippet', '')), SNIPPET_CHARS)}"
                for item in web
            )
        )
    if knowledge:
        parts.append(f"## From the knowledge base\n{knowledge}")
    return "\n\n".join(parts)
