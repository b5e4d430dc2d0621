"""Where the graph lives: the Bolt address, credentials from the environment, database, namespace, dialect."""

from __future__ import annotations

import os

import chz

from tinkerer_plugin_neo4j.dialect import dialect_named
from tinkerer_plugin_neo4j.graph_store import DEFAULT_CONNECT_TIMEOUT_S, GraphStore


@chz.chz
class Neo4jSettings:
    """A namespace in a Neo4j-compatible graph server; the password is read from ``password_env``, never stored."""

    uri: str = chz.field(
        default_factory=lambda: os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"), doc="bolt:// or neo4j:// URI"
    )
    user: str = chz.field(
        default_factory=lambda: os.environ.get("NEO4J_USER", ""), doc="user name; empty connects without auth"
    )
    password_env: str = chz.field(default="NEO4J_PASSWORD", doc="the environment variable holding the password")
    database: str = chz.field(default="", doc="database name; empty uses the server default")
    namespace: str = chz.field(default="tinkerer", doc="marks the nodes and edges this index owns")
    dialect: str = chz.field(default="neo4j", doc="neo4j, or falkordb for its Bolt endpoint")
    connect_timeout_s: float = chz.field(
        default=DEFAULT_CONNECT_TIMEOUT_S,
        doc="seconds for a new connection to connect and finish the Bolt handshake (tried twice, then an error)",
    )

    @chz.validate
    def _positive_connect_timeout(self) -> None:
        if not self.connect_timeout_s > 0:
            raise ValueError(f"connect_timeout_s must be a positive number of seconds, got {self.connect_timeout_s!r}")

    @chz.init_property
    def store(self) -> GraphStore:
        """The graph store for this namespace (connects on first query)."""
        auth = (self.user, os.environ.get(self.password_env, "")) if self.user else None
        return GraphStore(
            self.uri, auth, self.database, self.namespace, dialect_named(self.dialect), self.connect_timeout_s
        )
