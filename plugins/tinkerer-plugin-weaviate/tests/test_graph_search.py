"""kg_graph_search end to end with the graph half on falkordb's Bolt endpoint in a private network namespace."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_plugin_neo4j.testing import netns_unavailable, run_pytest


@pytest.mark.slow
def test_graph_search_with_bolt_graph() -> None:
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    result = run_pytest(Path(__file__).parent / "graph_search_suite.py", private_netns=True)
    assert result.returncode == 0 and " passed" in result.stdout and " skipped" not in result.stdout
