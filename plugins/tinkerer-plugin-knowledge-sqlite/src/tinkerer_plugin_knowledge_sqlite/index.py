"""One knowledge index inside a SQLite file: keyword (FTS5 bm25), vector (numpy) and hybrid search, graph hops.

Writes take SQLite's write lock (``BEGIN IMMEDIATE``) so one writer at a time is safe across
processes; readers never block (WAL). Vectors are searched brute force over an in-memory matrix,
reloaded only when the index's generation changed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tinkerer_core import ConfigError, KnowledgePage
from tinkerer_plugin_knowledge_sqlite.schema import SCHEMA

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # measured: one BLAS thread is fastest for these sizes

RRF_K = 60  # reciprocal rank fusion: score = sum of weight / (RRF_K + rank)
MAX_QUERY_TERMS = 32
EMBED_CONTENT_CHARS = 2000
PAGE_COLUMNS = "id, title, page_type, overview, content, domains, source"
QUERY_TABLES = (  # per connection: document frequencies, and the FTS tokenizer applied to query words
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pages_vocab USING fts5vocab(main, pages_fts, 'row')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words USING fts5(word, tokenize='porter unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab(temp, query_words, 'instance')",
)


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: list[str]) -> Any: ...


@dataclass
class _Catalog:
    """The namespace's rows in memory: for filters and the vector search."""

    generation: int
    rowids: Any  # int64 [N]
    rowid_set: set[int]
    page_types: list[str]
    domains: list[frozenset[str]]
    matrix_ND: Any | None  # float32 [N, D], None without vectors
    document_frequency: dict[str, int] = field(default_factory=dict)  # query word -> pages holding it


class SqliteIndex:
    """The pages, edges and vectors of ``namespace`` in the SQLite file at ``path``."""

    def __init__(self, path: Path, namespace: str, embedder: Embedder | None) -> None:
        self.path = Path(path)
        self.namespace = namespace
        self.embedder = embedder
        self._local = threading.local()
        self._catalog: _Catalog | None = None

    # --- connections -------------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared across threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            for statement in QUERY_TABLES:
                db.execute(statement)
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("UPDATE indexes SET generation = generation + 1 WHERE namespace = ?", (self.namespace,))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # --- writing ------------------------------------------------------------------------------

    def upsert(self, pages: Sequence[KnowledgePage]) -> int:
        """Add or replace ``pages`` (by id) and their outgoing edges."""
        vectors = self._embed_pages(pages)
        with self._write() as db:
            self._claim_namespace(db)
            db.executemany(
                f"""INSERT INTO pages(namespace, {PAGE_COLUMNS}, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(namespace, id) DO UPDATE SET title = excluded.title, page_type = excluded.page_type,
                overview = excluded.overview, content = excluded.content, domains = excluded.domains,
                source = excluded.source, vector = excluded.vector""",
                [(self.namespace, *_page_row(page), vectors[i] if vectors else None) for i, page in enumerate(pages)],
            )
            db.executemany(
                "DELETE FROM edges WHERE namespace = ? AND source_id = ?", [(self.namespace, p.id) for p in pages]
            )
            db.executemany(
                "INSERT OR IGNORE INTO edges(namespace, source_id, edge_type, target_id) VALUES (?, ?, ?, ?)",
                [(self.namespace, page.id, kind, target) for page in pages for kind, target in page.edges],
            )
        return len(pages)

    def _embed_pages(self, pages: Sequence[KnowledgePage]) -> list[bytes]:
        if self.embedder is None or not pages:
            return []
        texts = [f"{p.title}\n{p.overview}\n{p.content[:EMBED_CONTENT_CHARS]}" for p in pages]
        return [row.tobytes() for row in self.embedder.embed(texts)]

    def _claim_namespace(self, db: sqlite3.Connection) -> None:
        name, dimensions = (self.embedder.name, self.embedder.dimensions) if self.embedder else ("none", 0)
        row = db.execute("SELECT embedder FROM indexes WHERE namespace = ?", (self.namespace,)).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO indexes(namespace, embedder, dimensions, created_at) VALUES (?, ?, ?, ?)",
                (self.namespace, name, dimensions, time.time()),
            )
        elif row[0] != name:
            raise ConfigError(
                f"index {self.namespace!r} in {self.path} was built with embedder {row[0]!r}, not {name!r}: "
                "open it with the same embedder, or clear it first"
            )

    def clear(self) -> None:
        """Delete this namespace's pages, edges and record; other namespaces in the file stay."""
        with self._write() as db:
            db.execute("DELETE FROM pages WHERE namespace = ?", (self.namespace,))
            db.execute("DELETE FROM edges WHERE namespace = ?", (self.namespace,))
        self.db.execute("DELETE FROM indexes WHERE namespace = ?", (self.namespace,))
        self._catalog = None

    # --- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM pages WHERE namespace = ?", (self.namespace,)).fetchone()[0]

    def pages(self, page_ids: Iterable[str]) -> dict[str, KnowledgePage]:
        """The pages with these ids that exist, by id."""
        ids = list(dict.fromkeys(page_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT {PAGE_COLUMNS} FROM pages WHERE namespace = ? AND id IN ({marks})", (self.namespace, *ids)
        ).fetchall()
        found = {row[0]: _page(row) for row in rows}
        edges = self.db.execute(
            f"SELECT source_id, edge_type, target_id FROM edges WHERE namespace = ? AND source_id IN ({marks})"
            " ORDER BY source_id, edge_type, target_id",
            (self.namespace, *ids),
        ).fetchall()
        by_source: dict[str, list[tuple[str, str]]] = {}
        for source, kind, target in edges:
            by_source.setdefault(source, []).append((kind, target))
        return {page_id: _with_edges(page, by_source.get(page_id, ())) for page_id, page in found.items()}

    def linked(self, page_ids: Sequence[str]) -> dict[str, list[str]]:
        """For each page id, the ids one edge away (either direction), in a stable order."""
        if not page_ids:
            return {}
        marks = ",".join("?" * len(page_ids))
        rows = self.db.execute(
            f"""SELECT source_id, target_id FROM edges WHERE namespace = ? AND source_id IN ({marks})
            UNION SELECT target_id, source_id FROM edges WHERE namespace = ? AND target_id IN ({marks})
            ORDER BY 1, 2""",
            (self.namespace, *page_ids, self.namespace, *page_ids),
        ).fetchall()
        linked: dict[str, list[str]] = {page_id: [] for page_id in page_ids}
        for page_id, other in rows:
            if page_id in linked and other != page_id:
                linked[page_id].append(other)
        return linked

    def reachable(self, page_id: str, depth: int) -> list[str]:
        """Page ids within ``depth`` hops of ``page_id`` over edges in either direction, nearest first."""
        rows = self.db.execute(
            """WITH RECURSIVE reach(id, hops) AS (
                SELECT ?, 0
                UNION
                SELECT e.target_id, r.hops + 1 FROM reach r
                    JOIN edges e ON e.namespace = ? AND e.source_id = r.id WHERE r.hops < ?
                UNION
                SELECT e.source_id, r.hops + 1 FROM reach r
                    JOIN edges e ON e.namespace = ? AND e.target_id = r.id WHERE r.hops < ?
            )
            SELECT id, MIN(hops) AS nearest FROM reach WHERE id != ? GROUP BY id ORDER BY nearest, id""",
            (page_id, self.namespace, depth, self.namespace, depth, page_id),
        ).fetchall()
        return [row[0] for row in rows]

    def search(
        self, query: str, limit: int, filters: Mapping[str, Any] | None, weights: tuple[float, float]
    ) -> list[tuple[str, float]]:
        """Page ids ranked by reciprocal rank fusion of keyword and vector ranks, with their fused scores."""
        catalog = self._current_catalog()
        allowed = _allowed(catalog, filters)
        keyword_weight, vector_weight = weights
        fused: dict[int, float] = {}
        rankings = []
        if keyword_weight > 0:
            rankings.append((keyword_weight, self._keyword_ranks(query, allowed, limit)))
        if vector_weight > 0:
            rankings.append((vector_weight, self._vector_ranks(query, catalog, allowed, limit)))
        for weight, ranked in rankings:
            for rank, rowid in enumerate(ranked, start=1):
                fused[rowid] = fused.get(rowid, 0.0) + weight / (RRF_K + rank)
        best = sorted(fused.items(), key=lambda item: -item[1])[:limit]
        if not best:
            return []
        marks = ",".join("?" * len(best))
        ids = dict(self.db.execute(f"SELECT rowid, id FROM pages WHERE rowid IN ({marks})", [r for r, _ in best]))
        return [(ids[rowid], score) for rowid, score in best if rowid in ids]

    def _keyword_ranks(self, query: str, allowed: set[int] | None, limit: int) -> list[int]:
        terms = self._informative_terms(list(dict.fromkeys(re.findall(r"\w+", query.lower())))[:MAX_QUERY_TERMS])
        if not terms:
            return []
        match = " OR ".join(f'"{term}"' for term in terms)
        rows = self.db.execute(
            "SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? ORDER BY bm25(pages_fts, 4.0, 2.0, 1.0) LIMIT ?",
            (match, limit * 8),
        ).fetchall()
        mine = allowed if allowed is not None else self._current_catalog().rowid_set
        return [row[0] for row in rows if row[0] in mine][:limit]

    def _informative_terms(self, terms: list[str]) -> list[str]:
        """``terms`` without those in more than half the pages, whose bm25 weight is nil (FTS5 clamps
        their idf to ~0) but whose doclists cost the most to scan; the rarest term stays regardless."""
        if len(terms) < 2:
            return terms
        catalog = self._current_catalog()
        df = catalog.document_frequency  # per generation: counts change only when the index does
        unknown = [term for term in terms if term not in df]
        if unknown:
            db = self.db
            db.execute("DELETE FROM temp.query_words")
            db.executemany("INSERT INTO temp.query_words(rowid, word) VALUES (?, ?)", list(enumerate(unknown)))
            stems = dict(db.execute("SELECT doc, term FROM temp.query_stems"))  # the tokenizer's own stemming
            marks = ",".join("?" * len(stems))
            counts = dict(
                db.execute(f"SELECT term, doc FROM pages_vocab WHERE term IN ({marks})", list(stems.values()))
            )
            df.update({term: counts.get(stems.get(i, ""), 0) for i, term in enumerate(unknown)})
        half = len(catalog.rowids) / 2
        kept = [term for term in terms if df[term] <= half]
        return kept or [min(terms, key=lambda term: df[term])]

    def _vector_ranks(self, query: str, catalog: _Catalog, allowed: set[int] | None, limit: int) -> list[int]:
        if self.embedder is None or catalog.matrix_ND is None or not len(catalog.rowids):
            return []
        import numpy as np

        scores_N = catalog.matrix_ND @ self.embedder.embed([query])[0]
        candidates = len(scores_N)
        if allowed is not None:
            mask_N = np.isin(catalog.rowids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            scores_N = np.where(mask_N, scores_N, -np.inf)
            candidates = int(mask_N.sum())
        count = min(limit, candidates)
        if count == 0:
            return []
        top = np.argpartition(scores_N, len(scores_N) - count)[-count:]
        top = top[np.argsort(-scores_N[top])]
        return [int(r) for r in catalog.rowids[top]]

    def _current_catalog(self) -> _Catalog:
        row = self.db.execute(
            "SELECT generation, dimensions FROM indexes WHERE namespace = ?", (self.namespace,)
        ).fetchone()
        generation = row[0] if row else -1
        if self._catalog is None or self._catalog.generation != generation:
            self._catalog = self._load_catalog(generation, row[1] if row else 0)
        return self._catalog

    def _load_catalog(self, generation: int, dimensions: int) -> _Catalog:
        import numpy as np

        rows = self.db.execute(
            "SELECT rowid, page_type, domains, vector FROM pages WHERE namespace = ? ORDER BY rowid", (self.namespace,)
        ).fetchall()
        rowids = np.array([row[0] for row in rows], dtype=np.int64)
        matrix = None
        if dimensions and rows and all(row[3] is not None for row in rows):
            matrix = np.frombuffer(b"".join(row[3] for row in rows), dtype=np.float32).reshape(len(rows), dimensions)
        return _Catalog(
            generation=generation,
            rowids=rowids,
            rowid_set={int(r) for r in rowids},
            page_types=[row[1] for row in rows],
            domains=[frozenset(json.loads(row[2])) for row in rows],
            matrix_ND=matrix,
        )


def _allowed(catalog: _Catalog, filters: Mapping[str, Any] | None) -> set[int] | None:
    """The rowids that pass ``filters`` (page_types, domains), or None when nothing is filtered."""
    if not filters:
        return None
    unknown = set(filters) - {"page_types", "domains"}
    if unknown:
        raise ConfigError(f"unknown knowledge filter {sorted(unknown)[0]!r}; filters are page_types and domains")
    types = set(filters.get("page_types") or ())
    domains = set(filters.get("domains") or ())
    return {
        int(rowid)
        for rowid, page_type, page_domains in zip(catalog.rowids, catalog.page_types, catalog.domains, strict=True)
        if (not types or page_type in types) and (not domains or page_domains & domains)
    }


def _page_row(page: KnowledgePage) -> tuple[str, ...]:
    return (
        page.id,
        page.title,
        page.page_type,
        page.overview,
        page.content,
        json.dumps(list(page.domains)),
        page.source,
    )


def _page(row: Sequence[Any]) -> KnowledgePage:
    page_id, title, page_type, overview, content, domains, source = row
    return KnowledgePage(page_id, title, page_type, overview, content, tuple(json.loads(domains)), (), source)


def _with_edges(page: KnowledgePage, edges: Iterable[tuple[str, str]]) -> KnowledgePage:
    from dataclasses import replace

    return replace(page, edges=tuple(edges))
