"""The distribution's entry point registers every stop condition under its name."""

from __future__ import annotations

import pytest

from tinkerer_core import ConfigError, get_manager
from tinkerer_plugin_stop_conditions.plugin import STOP_CONDITIONS


def test_entry_point_registers_every_stop_condition() -> None:
    manager = get_manager()
    assert set(STOP_CONDITIONS) <= set(manager.names("stop_condition"))
    info = manager.infos["stop_conditions"]
    assert (info.status, info.distribution) == ("loaded", "tinkerer-plugin-stop-conditions")
    assert sorted(info.components["stop_conditions"]) == sorted(STOP_CONDITIONS)


def test_unknown_parameter_lists_the_valid_ones(create) -> None:
    with pytest.raises(
        ConfigError, match="stop condition 'plateau' has no parameter 'patiance'; its parameters are: patience"
    ):
        create("plateau", patiance=3)
