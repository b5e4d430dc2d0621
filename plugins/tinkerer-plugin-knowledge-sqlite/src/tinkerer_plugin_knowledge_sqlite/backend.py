"""The `kg_sqlite` knowledge backend: one SQLite file, hybrid keyword + vector search, graph expansion."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import ConfigError, KnowledgeBackend, KnowledgeHit, KnowledgePage, LLMConfig, LLMLedger, lazy_llm
from tinkerer_core.validation import Rule, at_least, not_empty, one_of
from tinkerer_plugin_knowledge_sqlite.embedders import EMBEDDERS, make_embedder
from tinkerer_plugin_knowledge_sqlite.index import SqliteIndex
from tinkerer_plugin_knowledge_sqlite.rerank import rerank

NAMESPACE = Rule(
    "1-64 letters, digits, '_', '.', ':' or '-'",
    test=lambda name: isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", name) is not None,
)


class _Lazy:
    """The index, opened (and its embedder loaded or built) on first use, not when the config is made."""

    def __init__(self, backend: SqliteKnowledge) -> None:
        self.backend = backend
        self._index: SqliteIndex | None = None

    def index(self) -> SqliteIndex:
        if self._index is None:
            backend = self.backend
            self._index = SqliteIndex(Path(backend.path), backend.namespace, make_embedder(backend.embedder))
        return self._index

    def opened(self) -> SqliteIndex | None:
        return self._index


@chz.chz
class SqliteKnowledge(KnowledgeBackend):
    """Knowledge in one SQLite file: FTS5 keywords + static-embedding vectors fused by rank, typed edges."""

    path: str = chz.field(
        default="data/knowledge/kg.sqlite", validator=not_empty(), doc="the SQLite file (created when missing)"
    )
    namespace: str = chz.field(
        default="default", validator=NAMESPACE, doc="this index inside the file; clear deletes only it"
    )
    embedder: str = chz.field(
        default="static",
        validator=one_of(*EMBEDDERS),
        doc="static (offline MiniLM distillate), sentence_transformers, none",
    )
    keyword_weight: float = chz.field(
        default=1.0, validator=at_least(0), doc="weight of the keyword ranking in the fusion; 0 turns it off"
    )
    vector_weight: float = chz.field(
        default=1.0, validator=at_least(0), doc="weight of the vector ranking in the fusion; 0 turns it off"
    )
    connected_per_hit: int = chz.field(default=5, validator=at_least(0), doc="linked pages returned with each hit")
    rerank: bool = chz.field(default=False, doc="let the LLM reorder the fused candidates")
    llm: LLMConfig = chz.field(default_factory=LLMConfig, doc="the model used to rerank")

    @chz.validate
    def _some_ranking(self) -> None:
        if self.keyword_weight == 0 and self.vector_weight == 0:
            raise ConfigError(
                "keyword_weight and vector_weight are both 0: search would find nothing; keep one above 0"
            )

    @chz.init_property
    def _state(self) -> _Lazy:
        return _Lazy(self)

    def index(self, pages: Sequence[KnowledgePage]) -> int:
        return self._state.index().upsert(pages)

    def search(self, query: str, top_k: int = 5, filters: Mapping[str, Any] | None = None) -> list[KnowledgeHit]:
        index = self._state.index()
        candidates = index.search(
            query, top_k * 3 if self.rerank else top_k, filters, (self.keyword_weight, self.vector_weight)
        )
        if self.rerank and candidates:
            candidates = rerank(query, candidates, index, lazy_llm(self.llm, LLMLedger()))
        ranked = candidates[:top_k]
        linked = index.linked([page_id for page_id, _ in ranked])
        pages = index.pages([*linked, *(other for ids in linked.values() for other in ids)])
        hits = []
        for page_id, score in ranked:
            connected = [pages[other] for other in linked[page_id] if other in pages][: self.connected_per_hit]
            hits.append(KnowledgeHit(pages[page_id], score, tuple(connected)))
        return hits

    def get(self, page_id: str) -> KnowledgePage | None:
        return self._state.index().pages([page_id]).get(page_id)

    def neighbors(self, page_id: str, depth: int = 1) -> list[KnowledgePage]:
        index = self._state.index()
        ids = index.reachable(page_id, depth)
        found = index.pages(ids)
        return [found[i] for i in ids if i in found]

    def count(self) -> int:
        return self._state.index().count()

    def clear(self) -> None:
        self._state.index().clear()

    def refs(self) -> dict[str, Any]:
        return {"path": str(Path(self.path).resolve()), "namespace": self.namespace, "embedder": self.embedder}

    def close(self) -> None:
        index = self._state.opened()
        if index is not None:
            index.close()
