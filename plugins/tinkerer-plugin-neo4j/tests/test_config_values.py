"""Bad kg_llm_navigation settings are refused before any connection, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, create_component
from tinkerer_core.cli import main

BOLT = "a Bolt URI like bolt://127.0.0.1:7687 (schemes: bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc)"


def test_index_kg_refuses_a_uri_without_a_bolt_scheme_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEO4J_URI", "localhost:7687")
    (tmp_path / "wiki").mkdir()
    assert main(["index-kg", "--wiki-dir", "wiki", "--search-type", "kg_llm_navigation"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: knowledge backend 'kg_llm_navigation': uri must be {BOLT}, got 'localhost:7687'"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"dialect": "falkor"},
            "dialect must be one of 'neo4j', 'falkordb', got 'falkor'; did you mean 'falkordb'?",
        ),
        ({"uri": "bolt://127.0.0.1:99999"}, f"uri must be {BOLT}, got 'bolt://127.0.0.1:99999'"),
        (
            {"password_env": "NEO4J PASSWORD"},
            "password_env must be an environment variable name (letters, digits and _, not starting with a digit), "
            "got 'NEO4J PASSWORD'",
        ),
        ({"namespace": " "}, "namespace must be non-empty, got ' '"),
        ({"entry_points": 0}, "entry_points must be at least 1, got 0"),
        ({"max_steps": -1}, "max_steps must be at least 0, got -1"),
    ],
)
def test_the_manager_refuses_bad_values(params: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("knowledge_backend", "kg_llm_navigation", {"uri": "bolt://127.0.0.1:7687", **params})
    assert str(raised.value) == f"knowledge backend 'kg_llm_navigation': {message}"
