"""The ray executor's fields refuse bad values before a cluster is contacted: Ray's resource quantities, JSON."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError, create_component
from tinkerer_core.cli import main

RUNTIME_ENV = 'runtime_env must be a JSON object such as {"pip": ["tinkerer-plugin-ray"]}'


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("num_cpus=-1", "num_cpus must be 0, or at least 0.0001 (Ray's finest fraction), got -1.0"),
        ("num_gpus=0.00001", "num_gpus must be 0, or at least 0.0001 (Ray's finest fraction), got 1e-05"),
        ("memory_mb=-1", "memory_mb must be at least 0, got -1"),
        ("return_mb=0", "return_mb must be greater than 0, got 0.0"),
        ("runtime_env=[1]", f"{RUNTIME_ENV}, got '[1]'"),
        ("address=", "address must be non-empty, got ''"),
    ],
)
def test_the_command_line_refuses_a_bad_value_before_a_cluster_is_contacted(
    param: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evolve", "goal=g", "executor=ray", f"executor.{param}"]) == 2
    assert capsys.readouterr().err == f"error: executor.{message}\n"


def test_the_api_refuses_a_bad_value() -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("executor", "ray", {"runtime_env": '{"pip": '})
    assert str(raised.value) == f"""executor 'ray': {RUNTIME_ENV}, got '{{"pip": '"""
    executor = create_component("executor", "ray", {"num_cpus": 0.5, "num_gpus": 0, "memory_mb": 0})
    assert executor.task_options(4096) == {"num_cpus": 0.5, "max_retries": 0, "retry_exceptions": False}
