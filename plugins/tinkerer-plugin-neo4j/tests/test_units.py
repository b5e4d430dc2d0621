"""The query-safety helpers: relationship types, parameter batches, text pieces, keywords, dialects, filters."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError
from tinkerer_plugin_neo4j.cypher import batches, checked_identifier, param_bytes, pieces, relationship_type
from tinkerer_plugin_neo4j.dialect import dialect_named
from tinkerer_plugin_neo4j.graph_store import filter_clause
from tinkerer_plugin_neo4j.keywords import keywords
from tinkerer_plugin_neo4j.navigation import LLMNavigation


@pytest.mark.parametrize(
    ("edge_type", "expected"),
    [
        ("implemented_by", "IMPLEMENTED_BY"),
        ("Uses Heuristic", "USES_HEURISTIC"),
        ("x]->() DETACH DELETE n //", "X_DETACH_DELETE_N"),
        ("`) MATCH (m", "MATCH_M"),
        ("42", "RELATED"),
        ("", "RELATED"),
        ("ÿ", "RELATED"),
    ],
)
def test_relationship_types_are_identifiers(edge_type: str, expected: str) -> None:
    assert relationship_type(edge_type) == expected
    assert checked_identifier(expected) == expected


def test_unchecked_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="is not a valid relationship type"):
        checked_identifier("A B")


def test_batches_stay_under_the_budget() -> None:
    rows = [{"id": str(i), "text": "x" * 100} for i in range(100)]
    groups = list(batches(rows, 1000))
    assert sum(len(group) for group in groups) == 100
    assert all(param_bytes(group) <= 1000 for group in groups)
    assert list(batches([{"big": "y" * 5000}], 1000)) == [[{"big": "y" * 5000}]]  # alone, then split by pieces


def test_pieces_split_on_character_boundaries() -> None:
    text = "ü✓a" * 1000
    parts = pieces(text, 100)
    assert "".join(parts) == text and all(len(part.encode()) <= 100 for part in parts)


def test_keywords_drop_stopwords_and_duplicates() -> None:
    assert keywords("How to train a classifier, train it with scikit-learn") == [
        "train", "classifier", "scikit-learn"
    ]  # fmt: skip


def test_unknown_dialects_and_filters_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="unknown graph dialect 'mysql': use one of neo4j, falkordb"):
        dialect_named("mysql")
    with pytest.raises(ValueError, match="unknown filters \\['tag'\\]: use page_types and/or domains"):
        filter_clause("n", {"tag": ["x"]})
    assert filter_clause("n", None) == ("true", {})


def test_refs_reopen_the_index_without_secrets(monkeypatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "never-in-refs-123")
    refs = LLMNavigation(namespace="proj", user="neo4j").refs()
    assert refs["namespace"] == "proj" and refs["password_env"] == "NEO4J_PASSWORD"
    assert "never-in-refs-123" not in repr(refs)
    assert LLMNavigation(**{k: v for k, v in refs.items() if k != "llm"}).namespace == "proj"
