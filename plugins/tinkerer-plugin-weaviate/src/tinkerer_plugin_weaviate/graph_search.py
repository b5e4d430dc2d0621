"""``kg_graph_search``: the seed's Weaviate collection for vector search, Neo4j for neighbour expansion."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import chz

from tinkerer_core import LLM, KnowledgeBackend, KnowledgeHit, KnowledgePage, LLMConfig, LLMError, LLMLedger, lazy_llm
from tinkerer_core.prompts import bounded
from tinkerer_core.validation import Rule, at_least, env_name, one_of, port_number, positive
from tinkerer_plugin_neo4j.settings import Neo4jSettings
from tinkerer_plugin_weaviate.collection import WeaviateCollection
from tinkerer_plugin_weaviate.connection import connect, is_http_url
from tinkerer_plugin_weaviate.embedder import StaticVectors, hashed_vectors

COLLECTION_NAME = Rule(
    "a Weaviate collection name: a capital letter, then letters, digits or _ (e.g. TinkererWiki)",
    test=lambda name: isinstance(name, str) and re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,127}", name) is not None,
)
VECTORIZER = Rule(
    "'' (vectors made here) or a Weaviate vectorizer name like text2vec-openai",
    test=lambda name: isinstance(name, str) and re.fullmatch(r"([a-z0-9][a-z0-9_-]*)?", name) is not None,
)
WEAVIATE_URL = Rule("an http(s)://host[:port] address, e.g. http://127.0.0.1:8080", test=is_http_url)
OVERVIEW_CHARS = 300

RERANK_PROMPT = """Rank these knowledge pages by how useful they are for: {query}

{candidates}

Reply with JSON only: {{"ranking": ["<page id>", ...]}}, most useful first."""


@chz.chz
class GraphSearch(Neo4jSettings, KnowledgeBackend):
    """Pages in a Weaviate collection and as Neo4j nodes, both named by ``namespace``."""

    namespace: str = chz.field(
        default="TinkererWiki",
        validator=COLLECTION_NAME,
        doc="the Weaviate collection and the Neo4j namespace",
    )
    url: str = chz.field(
        default_factory=lambda: os.environ.get("WEAVIATE_URL", "http://127.0.0.1:8080"),
        validator=WEAVIATE_URL,
        doc="Weaviate HTTP URL",
    )
    grpc_port: int = chz.field(default=50051, validator=port_number(), doc="Weaviate gRPC port")
    api_key_env: str = chz.field(
        default="WEAVIATE_API_KEY", validator=env_name(), doc="the environment variable holding the API key"
    )
    vectorizer: str = chz.field(
        default="", validator=VECTORIZER, doc="a Weaviate vectorizer (text2vec-openai ...); '' embeds here"
    )
    embedder: str = chz.field(
        default="static",
        validator=one_of("static", "hashed"),
        doc="client-side vectors: static (kg_sqlite's MiniLM distillate) or hashed",
    )
    dimensions: int = chz.field(default=256, validator=at_least(1), doc="size of the hashed vectors")
    candidate_factor: int = chz.field(
        default=2, validator=at_least(1), doc="vector candidates fetched per result, for reranking"
    )
    connected: int = chz.field(default=5, validator=at_least(0), doc="linked pages attached to each hit")
    rerank: LLMConfig | None = chz.field(default=None, doc="the model reranking candidates; None keeps vector order")
    request_timeout_s: float = chz.field(
        default=90.0, validator=positive(), doc="seconds each Weaviate query or insert may take"
    )

    @chz.init_property
    def collection(self) -> WeaviateCollection:
        """The Weaviate collection (connects on first use)."""
        return WeaviateCollection(
            partial(
                connect, self.url, self.grpc_port, self.api_key_env, self.connect_timeout_s, self.request_timeout_s
            ),
            self.namespace,
            self.vectorizer,
        )

    @chz.init_property
    def reranker(self) -> LLM | None:
        return lazy_llm(self.rerank, LLMLedger()) if self.rerank is not None else None

    @chz.init_property
    def _embed(self) -> Callable[[list[str]], list[list[float]]]:
        """Texts -> client-side vectors."""
        return StaticVectors() if self.embedder == "static" else partial(hashed_vectors, dimensions=self.dimensions)

    def _vector(self, text: str) -> list[float] | None:
        return None if self.vectorizer else self._embed([text])[0]

    def index(self, pages: Sequence[KnowledgePage]) -> int:
        vectors = None if self.vectorizer else self._embed([f"{p.title}\n{p.overview}" for p in pages])
        self.store.upsert(pages)
        return self.collection.upsert(pages, vectors)

    def search(self, query: str, top_k: int = 5, filters: Mapping[str, Any] | None = None) -> list[KnowledgeHit]:
        if not query.strip() or top_k < 1:
            return []
        rows = self.collection.query(query, self._vector(query), top_k * self.candidate_factor, filters)
        scores = {props["page_id"]: score for props, score in rows}
        pages = {page.id: page for page in self.store.pages(scores)}
        ranked = self._rerank(query, [pages[i] for i in scores if i in pages])[:top_k]
        return [
            KnowledgeHit(page, scores[page.id], tuple(self.store.neighbors(page.id)[: self.connected]))
            for page in ranked
        ]

    def _rerank(self, query: str, candidates: list[KnowledgePage]) -> list[KnowledgePage]:
        """``candidates`` in the model's order (unranked ones after); vector order when it answers junk."""
        if self.reranker is None or len(candidates) < 2:
            return candidates
        by_id = {page.id: page for page in candidates}

        def validate(reply: Any) -> list[str]:
            ranking = reply.get("ranking") if isinstance(reply, dict) else None
            if not isinstance(ranking, list) or not all(isinstance(i, str) and i in by_id for i in ranking):
                raise ValueError(f'expected {{"ranking": [ids]}} with ids from {sorted(by_id)}')
            return list(dict.fromkeys(ranking))

        listing = "\n".join(f"- {p.id} ({p.page_type}): {bounded(p.overview, OVERVIEW_CHARS)}" for p in candidates)
        prompt = RERANK_PROMPT.format(query=query, candidates=listing)
        try:
            order = self.reranker.complete_json(
                [{"role": "user", "content": prompt}], validate, purpose="kg_rerank", temperature=0.0
            )
        except LLMError:
            return candidates
        return [by_id[i] for i in order] + [p for p in candidates if p.id not in order]

    def get(self, page_id: str) -> KnowledgePage | None:
        return self.store.get(page_id)

    def neighbors(self, page_id: str, depth: int = 1) -> list[KnowledgePage]:
        return self.store.neighbors(page_id, depth)

    def count(self) -> int:
        return self.collection.count()

    def clear(self) -> None:
        self.collection.clear()
        self.store.clear()

    def close(self) -> None:
        self.collection.close()
        self.store.close()
