"""Tinkerer's embedded knowledge backend `kg_sqlite`: one SQLite file, hybrid search, graph expansion."""
