"""Neo4j knowledge backends for Tinkerer."""
