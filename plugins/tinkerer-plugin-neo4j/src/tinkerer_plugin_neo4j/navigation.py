"""``kg_llm_navigation``: keyword entry points in the graph, then neighbour steps a model chooses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import chz

from tinkerer_core import LLM, KnowledgeBackend, KnowledgeHit, KnowledgePage, LLMConfig, LLMError, LLMLedger, lazy_llm
from tinkerer_core.prompts import bounded
from tinkerer_core.validation import at_least
from tinkerer_plugin_neo4j.graph_store import filter_clause
from tinkerer_plugin_neo4j.keywords import keyword_hits, keywords
from tinkerer_plugin_neo4j.settings import Neo4jSettings

STEP_DECAY = 0.15  # the seed's score decay per navigation step
OVERVIEW_CHARS = 300

NAVIGATE_PROMPT = """You navigate a knowledge graph to answer: {query}

You are at page {current}. Its neighbours:
{candidates}

Reply with JSON only: {{"next": "<id of the most useful neighbour>"}}, or {{"next": null}} to stop here."""


def matches(page: KnowledgePage, filters: Mapping[str, Any] | None) -> bool:
    """Whether ``page`` passes ``page_types`` / ``domains`` filters."""
    filter_clause("n", filters)  # rejects unknown filter names
    filters = filters or {}
    if filters.get("page_types") and page.page_type not in filters["page_types"]:
        return False
    return not filters.get("domains") or bool(set(page.domains) & set(filters["domains"]))


def page_text(page: KnowledgePage) -> str:
    """The text keywords are matched against."""
    return f"{page.title} {page.overview} {page.content}"


@chz.chz
class LLMNavigation(Neo4jSettings, KnowledgeBackend):
    """Pages in Neo4j; search enters at keyword matches and walks to neighbours the model picks."""

    max_steps: int = chz.field(
        default=3, validator=at_least(0), doc="neighbour steps walked from each entry point (0: entry points only)"
    )
    entry_points: int = chz.field(default=3, validator=at_least(1), doc="keyword matches the walk starts from")
    connected: int = chz.field(default=5, validator=at_least(0), doc="linked pages attached to each hit")
    llm: LLMConfig | None = chz.field(default=None, doc="the model choosing steps; None steps by keywords")

    @chz.init_property
    def navigator(self) -> LLM | None:
        """The step-choosing model, opened on first use; None without a config or a gateway."""
        return lazy_llm(self.llm, LLMLedger()) if self.llm is not None else None

    def index(self, pages: Sequence[KnowledgePage]) -> int:
        return self.store.upsert(pages)

    def get(self, page_id: str) -> KnowledgePage | None:
        return self.store.get(page_id)

    def neighbors(self, page_id: str, depth: int = 1) -> list[KnowledgePage]:
        return self.store.neighbors(page_id, depth)

    def count(self) -> int:
        return self.store.count()

    def clear(self) -> None:
        self.store.clear()

    def close(self) -> None:
        self.store.close()

    def search(self, query: str, top_k: int = 5, filters: Mapping[str, Any] | None = None) -> list[KnowledgeHit]:
        terms = keywords(query)
        if not terms or top_k < 1:
            return []
        scores: dict[str, float] = {}
        pages: dict[str, KnowledgePage] = {}
        for entry_id, hits in self.store.keyword_ids(terms, self.entry_points):
            for step, page in enumerate(self._walk(query, terms, entry_id)):
                pages[page.id] = page
                score = hits / len(terms) * max(0.0, 1.0 - STEP_DECAY * step)
                scores[page.id] = max(score, scores.get(page.id, 0.0))
        ranked = sorted((i for i in scores if matches(pages[i], filters)), key=lambda i: (-scores[i], i))[:top_k]
        return [KnowledgeHit(pages[i], scores[i], tuple(self.store.neighbors(i)[: self.connected])) for i in ranked]

    def _walk(self, query: str, terms: Sequence[str], entry_id: str) -> list[KnowledgePage]:
        """The entry page, then up to ``max_steps`` pages, each a neighbour of the one before."""
        current = self.store.get(entry_id)
        path = [current] if current else []
        while current is not None and len(path) <= self.max_steps:
            seen = {page.id for page in path}
            candidates = [page for page in self.store.neighbors(current.id) if page.id not in seen]
            if not candidates:
                break
            current = self._choose(query, terms, current, candidates)
            if current is not None:
                path.append(current)
        return path

    def _choose(
        self, query: str, terms: Sequence[str], current: KnowledgePage, candidates: Sequence[KnowledgePage]
    ) -> KnowledgePage | None:
        """The neighbour the model picks (None: it stops); the best keyword match when it answers junk."""
        by_id = {page.id: page for page in candidates}
        if self.navigator is not None:

            def validate(reply: Any) -> KnowledgePage | None:
                if not isinstance(reply, dict) or "next" not in reply:
                    raise ValueError('expected an object {"next": <neighbour id or null>}')
                if reply["next"] is None:
                    return None
                if reply["next"] not in by_id:
                    raise ValueError(f"{reply['next']!r} is not one of the neighbours {sorted(by_id)}")
                return by_id[reply["next"]]

            listing = "\n".join(
                f"- {page.id} ({page.page_type}): {bounded(page.overview, OVERVIEW_CHARS)}" for page in candidates
            )
            prompt = NAVIGATE_PROMPT.format(query=query, current=current.id, candidates=listing)
            try:
                return self.navigator.complete_json(
                    [{"role": "user", "content": prompt}], validate, purpose="kg_navigation", temperature=0.0
                )
            except LLMError:
                pass
        return min(candidates, key=lambda page: (-keyword_hits(page_text(page), terms), page.id))
