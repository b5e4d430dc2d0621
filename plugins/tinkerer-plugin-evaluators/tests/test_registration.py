"""The distribution's entry point registers every evaluator under its name."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError, get_manager
from tinkerer_plugin_evaluators.plugin import EVALUATORS


def test_entry_point_registers_every_evaluator() -> None:
    manager = get_manager()
    assert set(EVALUATORS) <= set(manager.names("evaluator"))
    info = manager.infos["evaluators"]
    assert (info.status, info.distribution) == ("loaded", "tinkerer-plugin-evaluators")
    assert sorted(info.components["evaluators"]) == sorted(EVALUATORS)


def test_unknown_parameter_is_a_config_error(create) -> None:
    with pytest.raises(ConfigError, match="has no parameter 'regex'"):
        create("regex_pattern", regex="x")
