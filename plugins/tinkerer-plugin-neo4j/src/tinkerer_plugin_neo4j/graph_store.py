"""Wiki pages as ``:WikiPage`` nodes with typed edges, owned by one namespace; shared by both graph backends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tinkerer_core import KnowledgePage, TinkererError
from tinkerer_core.secrets import redact
from tinkerer_plugin_neo4j.cypher import batches, checked_identifier, param_bytes, pieces, relationship_type
from tinkerer_plugin_neo4j.dialect import Dialect

TEXT_FIELDS = ("page_title", "page_type", "overview", "content", "source")  # literal property names only
MAX_DEPTH = 5
LIVE = "n.page_title IS NOT NULL"  # nodes made only as edge targets have no title until indexed
DEFAULT_CONNECT_TIMEOUT_S = 10.0
CONNECT_ATTEMPTS = 2


class GraphStoreError(TinkererError):
    """The graph server refused or could not be reached; the message never holds the password."""


def filter_clause(node: str, filters: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """A Cypher condition on ``node`` for ``page_types`` / ``domains`` filters, and its parameters."""
    filters = filters or {}
    unknown = set(filters) - {"page_types", "domains"}
    if unknown:
        raise ValueError(f"unknown filters {sorted(unknown)}: use page_types and/or domains")
    conditions, params = [], {}
    if filters.get("page_types"):
        conditions.append(f"{node}.page_type IN $page_types")
        params["page_types"] = list(filters["page_types"])
    if filters.get("domains"):
        conditions.append(f"any(d IN {node}.domains WHERE d IN $domains)")
        params["domains"] = list(filters["domains"])
    return " AND ".join(conditions) or "true", params


class GraphStore:
    """A namespace of wiki pages in a Neo4j-compatible server, reached over Bolt with the official driver."""

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None,
        database: str | None,
        namespace: str,
        dialect: Dialect,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    ) -> None:
        if not namespace.strip():
            raise ValueError("namespace must be a non-empty string that names what this index owns")
        self.uri, self.database, self.namespace, self.dialect = uri, database or None, namespace, dialect
        self.connect_timeout_s = connect_timeout_s
        self._auth = auth
        self._driver: Any = None
        self._indexed = False

    # --- plumbing ----------------------------------------------------------------------------

    def _error(self, message: str) -> GraphStoreError:
        return GraphStoreError(redact(message, [self._auth[1]] if self._auth else []))

    def _connect(self) -> Any:
        """A driver whose first connection answered, found in at most ``CONNECT_ATTEMPTS`` x ``connect_timeout_s``.

        Every new connection (TCP connect, Bolt handshake, HELLO) gets ``connect_timeout_s``; a server that
        accepts and never answers is tried again once (falkordb leaves the first connection after another one
        closed unanswered), then reported.
        """
        import neo4j

        try:
            driver = neo4j.GraphDatabase.driver(
                self.uri,
                auth=self._auth,
                connection_timeout=self.connect_timeout_s,
                connection_acquisition_timeout=self.connect_timeout_s,
                max_transaction_retry_time=self.connect_timeout_s,
            )
        except (neo4j.exceptions.DriverError, ValueError) as error:  # a malformed URI
            raise self._error(f"graph server {self.uri}: {error}") from None
        unanswered: BaseException | None = None
        for _ in range(CONNECT_ATTEMPTS):
            try:
                driver.verify_connectivity()
                return driver
            except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError) as error:
                unanswered = error
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, ValueError) as error:
                driver.close()
                raise self._error(f"graph server {self.uri}: {error}") from None
        driver.close()
        raise self._error(
            f"cannot reach the graph server at {self.uri}: no Bolt answer within connect_timeout_s="
            f"{self.connect_timeout_s:g} s ({CONNECT_ATTEMPTS} attempts). Check that a Neo4j server runs there, that "
            f"the address is its Bolt port (bolt://HOST:7687) and that nothing between drops the connection; "
            f"cause: {unanswered}"
        )

    def _run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        import neo4j

        if self._driver is None:
            self._driver = self._connect()
        try:
            result = self._driver.execute_query(query, {"ns": self.namespace, **params}, database_=self.database)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError, ValueError) as error:
            raise self._error(f"graph server {self.uri}: {error}") from None
        return [record.data() for record in result.records]

    def _ensure_indexes(self) -> None:
        if self._indexed:
            return
        for ddl in self.dialect.index_ddl:
            try:
                self._run(ddl)
            except GraphStoreError:
                if not self.dialect.index_exists_raises:
                    raise
        self._indexed = True

    def close(self) -> None:
        """Close the driver's connections."""
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    # --- writing -----------------------------------------------------------------------------

    def upsert(self, pages: Sequence[KnowledgePage]) -> int:
        """MERGE ``pages`` and replace their outgoing edges; return how many pages were written."""
        self._ensure_indexes()
        budget = self.dialect.max_param_bytes
        piece_bytes = budget // 2
        rows, tails = [], []
        for page in pages:
            props: dict[str, Any] = {"page_title": page.title, "page_type": page.page_type, "overview": page.overview}
            props |= {"content": page.content, "source": page.source, "domains": list(page.domains)}
            for field in TEXT_FIELDS:
                if param_bytes(props[field]) > piece_bytes:
                    parts = pieces(props[field], piece_bytes)
                    props[field] = parts[0]
                    tails += [(field, page.id, part) for part in parts[1:]]
            rows.append({"id": page.id, "props": props})
        for batch in batches(rows, budget):
            self._run("UNWIND $rows AS r MERGE (n:WikiPage {ns: $ns, id: r.id}) SET n += r.props", rows=batch)
        for field, page_id, part in tails:  # field is a literal from TEXT_FIELDS
            self._run(
                f"MATCH (n:WikiPage {{ns: $ns, id: $id}}) SET n.{field} = n.{field} + $part", id=page_id, part=part
            )
        self._replace_edges(pages)
        return len(pages)

    def _replace_edges(self, pages: Sequence[KnowledgePage]) -> None:
        budget = self.dialect.max_param_bytes
        for batch in batches([page.id for page in pages], budget):
            self._run("UNWIND $ids AS id MATCH (:WikiPage {ns: $ns, id: id})-[r {ns: $ns}]->() DELETE r", ids=batch)
        by_type: dict[str, list[dict[str, str]]] = {}
        for page in pages:
            for edge_type, target in page.edges:
                by_type.setdefault(relationship_type(edge_type), []).append(
                    {"s": page.id, "t": target, "type": edge_type}
                )
        for rel_type, rows in by_type.items():
            query = (
                "UNWIND $rows AS r MERGE (s:WikiPage {ns: $ns, id: r.s}) MERGE (t:WikiPage {ns: $ns, id: r.t}) "
                f"MERGE (s)-[e:{checked_identifier(rel_type)} {{ns: $ns, type: r.type}}]->(t)"
            )
            for batch in batches(rows, budget):
                self._run(query, rows=batch)

    def clear(self) -> None:
        """Delete this namespace's nodes and their edges, nothing else."""
        self._run("MATCH (n:WikiPage {ns: $ns}) DETACH DELETE n")

    # --- reading -----------------------------------------------------------------------------

    def count(self) -> int:
        """How many indexed pages the namespace holds."""
        return self._run(f"MATCH (n:WikiPage {{ns: $ns}}) WHERE {LIVE} RETURN count(n) AS c")[0]["c"]

    def _read_pages(self, match: str, **params: Any) -> list[KnowledgePage]:
        """Pages bound to ``n`` by the ``match`` clause, each with its outgoing edges, by id."""
        rows = self._run(
            f"{match} WITH DISTINCT n OPTIONAL MATCH (n)-[r {{ns: $ns}}]->(t:WikiPage {{ns: $ns}}) "
            "RETURN n, collect(r.type) AS types, collect(t.id) AS targets ORDER BY n.id",
            **params,
        )
        return [self._page(row["n"], sorted(zip(row["types"], row["targets"], strict=True))) for row in rows]

    def pages(self, ids: Iterable[str]) -> list[KnowledgePage]:
        """The indexed pages among ``ids``, in the order given."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, KnowledgePage] = {}
        for batch in batches(wanted, self.dialect.max_param_bytes):
            match = f"UNWIND $ids AS id MATCH (n:WikiPage {{ns: $ns, id: id}}) WHERE {LIVE}"
            found |= {page.id: page for page in self._read_pages(match, ids=batch)}
        return [found[i] for i in wanted if i in found]

    @staticmethod
    def _page(node: Mapping[str, Any], edges: Sequence[tuple[str, str]]) -> KnowledgePage:
        return KnowledgePage(
            id=node["id"],
            title=node.get("page_title") or "",
            page_type=node.get("page_type") or "",
            overview=node.get("overview") or "",
            content=node.get("content") or "",
            domains=tuple(node.get("domains") or ()),
            edges=tuple(edges),
            source=node.get("source") or "",
        )

    def get(self, page_id: str) -> KnowledgePage | None:
        """The indexed page ``page_id``, or None."""
        found = self.pages([page_id])
        return found[0] if found else None

    def neighbors(self, page_id: str, depth: int = 1) -> list[KnowledgePage]:
        """Indexed pages within ``depth`` hops of ``page_id`` over edges in either direction, by id."""
        if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"depth must be an integer from 1 to {MAX_DEPTH}, got {depth!r}")
        match = (
            f"MATCH (s:WikiPage {{ns: $ns, id: $id}})-[*1..{depth}]-(n:WikiPage {{ns: $ns}}) "
            f"WHERE n.id <> $id AND {LIVE}"
        )
        return self._read_pages(match, id=page_id)

    def keyword_ids(
        self, terms: Sequence[str], limit: int, filters: Mapping[str, Any] | None = None
    ) -> list[tuple[str, int]]:
        """(id, how many of ``terms`` occur) for pages whose title, overview or content contain any term."""
        condition, params = filter_clause("n", filters)
        rows = self._run(
            f"MATCH (n:WikiPage {{ns: $ns}}) WHERE {LIVE} AND {condition} "
            "WITH n, toLower(n.page_title + ' ' + n.overview + ' ' + n.content) AS text "
            "WITH n, size([k IN $terms WHERE text CONTAINS k]) AS hits WHERE hits > 0 "
            "RETURN n.id AS id, hits ORDER BY hits DESC, id LIMIT $limit",
            terms=[term.lower() for term in terms],
            limit=limit,
            **params,
        )
        return [(row["id"], row["hits"]) for row in rows]
