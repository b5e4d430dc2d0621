"""Weaviate + Neo4j knowledge backend for Tinkerer."""
