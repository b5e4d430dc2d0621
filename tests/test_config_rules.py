"""Every config field that takes a number says which numbers it takes, so a bad one is refused at once."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import chz
import pytest

from tinkerer_core import EvolveConfig, LLMConfig, TrainConfig, get_manager
from tinkerer_core.kinds import KINDS
from tinkerer_core.validation import rules_of

CORE_CONFIGS = (EvolveConfig, LLMConfig, TrainConfig)


def config_classes() -> Iterator[tuple[str, type]]:
    """Every core config and every installed component, named as a user would find it."""
    for cls in CORE_CONFIGS:
        yield cls.__name__, cls
    for kind in KINDS.values():
        for name, registration in sorted(get_manager().registry[kind.name].items()):
            yield f"{kind.name} {name}", registration.cls


def is_number(tp: Any) -> bool:
    """``int``, ``float`` or either of them or None."""
    options = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, type(int | None)) else (tp,)
    return any(option in (int, float) for option in options)


def test_every_numeric_field_declares_its_range() -> None:
    missing = [
        f"{owner}: {name}"
        for owner, cls in config_classes()
        for name, field in chz.chz_fields(cls).items()
        if is_number(field.final_type) and not rules_of(field)
    ]
    assert missing == [], "numeric fields without a rule from tinkerer_core.validation:\n" + "\n".join(missing)


@pytest.mark.parametrize("owner, cls", list(config_classes()), ids=lambda item: str(item).replace(" ", "-"))
def test_every_default_follows_its_own_rules(owner: str, cls: type) -> None:
    for name, field in chz.chz_fields(cls).items():
        default = field._default  # MISSING when the field has none
        if not isinstance(default, int | float | str):
            continue
        for rule in rules_of(field):
            assert rule.allows(default), f"{owner}.{name}: default {default!r} is not {rule.requirement}"
