"""The ray executor on a real Ray cluster: started on 127.0.0.1 inside a private network namespace."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_plugin_ray.testing import isolation_unavailable, run_pytest_isolated

SUITE = Path(__file__).parent / "cluster_suite.py"


@pytest.mark.slow
def test_the_ray_executor_on_a_real_cluster() -> None:
    """Same plan as local, limits on the worker, a killed worker, a cancelled run (see cluster_suite.py)."""
    reason = isolation_unavailable()
    if reason:
        pytest.skip(reason)
    result = run_pytest_isolated(SUITE)
    assert result.returncode == 0 and " passed" in result.stdout and " skipped" not in result.stdout
