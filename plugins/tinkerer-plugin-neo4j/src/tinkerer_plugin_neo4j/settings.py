"""Where the graph lives: the Bolt address, credentials from the environment, database, namespace, dialect."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import chz

from tinkerer_core.validation import Rule, env_name, not_empty, one_of, positive
from tinkerer_plugin_neo4j.dialect import DIALECTS, dialect_named
from tinkerer_plugin_neo4j.graph_store import DEFAULT_CONNECT_TIMEOUT_S, GraphStore

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def is_bolt_uri(uri: object) -> bool:
    """Whether ``uri`` names a host with one of the ``BOLT_SCHEMES`` (the official driver's)."""
    try:
        parts = urlsplit(uri) if isinstance(uri, str) else None
        return parts is not None and parts.scheme in BOLT_SCHEMES and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed address or port
        return False


BOLT_URI = Rule("a Bolt URI like bolt://127.0.0.1:7687 (schemes: " + ", ".join(BOLT_SCHEMES) + ")", test=is_bolt_uri)


@chz.chz
class Neo4jSettings:
    """A namespace in a Neo4j-compatible graph server; the password is read from ``password_env``, never stored."""

    uri: str = chz.field(
        default_factory=lambda: os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
        validator=BOLT_URI,
        doc="bolt:// or neo4j:// URI",
    )
    user: str = chz.field(
        default_factory=lambda: os.environ.get("NEO4J_USER", ""), doc="user name; empty connects without auth"
    )
    password_env: str = chz.field(
        default="NEO4J_PASSWORD", validator=env_name(), doc="the environment variable holding the password"
    )
    database: str = chz.field(default="", doc="database name; empty uses the server default")
    namespace: str = chz.field(
        default="tinkerer", validator=not_empty(), doc="marks the nodes and edges this index owns"
    )
    dialect: str = chz.field(
        default="neo4j", validator=one_of(*DIALECTS), doc="neo4j, or falkordb for its Bolt endpoint"
    )
    connect_timeout_s: float = chz.field(
        default=DEFAULT_CONNECT_TIMEOUT_S,
        validator=positive(),
        doc="seconds for a new connection to connect and finish the Bolt handshake (tried twice, then an error)",
    )

    @chz.init_property
    def store(self) -> GraphStore:
        """The graph store for this namespace (connects on first query)."""
        auth = (self.user, os.environ.get(self.password_env, "")) if self.user else None
        return GraphStore(
            self.uri, auth, self.database, self.namespace, dialect_named(self.dialect), self.connect_timeout_s
        )
