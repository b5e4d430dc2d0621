"""Presets: named bundles of settings; a field left at None takes the preset's value."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

S = TypeVar("S", bound="DataclassInstance")  # a settings dataclass


def resolve(base: S, overrides: Mapping[str, Any]) -> S:
    """The preset's settings ``base`` with every non-None override applied."""
    return dataclasses.replace(base, **{name: value for name, value in overrides.items() if value is not None})


def overrides_of(component: object, settings_type: type) -> dict[str, Any]:
    """The component's fields that share a name with a settings field, as ``resolve`` takes them."""
    return {field.name: getattr(component, field.name) for field in dataclasses.fields(settings_type)}
