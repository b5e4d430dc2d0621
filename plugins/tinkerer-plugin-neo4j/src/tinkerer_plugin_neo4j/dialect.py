"""Where Neo4j and falkordb (a Bolt-speaking stand-in) differ: index DDL and parameter message size."""

from __future__ import annotations

from dataclasses import dataclass

from tinkerer_core import ConfigError


@dataclass(frozen=True)
class Dialect:
    """The server-specific parts of the graph store's Cypher."""

    name: str
    max_param_bytes: int  # an UNWIND batch's parameters stay under this (falkordb crashes above ~4 KB)
    index_ddl: tuple[str, ...]
    index_exists_raises: bool  # the DDL has no IF NOT EXISTS: a second run errors harmlessly


DIALECTS = {
    "neo4j": Dialect(
        name="neo4j",
        max_param_bytes=512_000,
        index_ddl=("CREATE INDEX tinkerer_wikipage_ns_id IF NOT EXISTS FOR (n:WikiPage) ON (n.ns, n.id)",),
        index_exists_raises=False,
    ),
    "falkordb": Dialect(
        name="falkordb",
        max_param_bytes=3_000,
        index_ddl=("CREATE INDEX FOR (n:WikiPage) ON (n.id)",),
        index_exists_raises=True,
    ),
}


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name``, or a ConfigError listing the known ones."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ConfigError(f"unknown graph dialect {name!r}: use one of {', '.join(DIALECTS)}") from None
