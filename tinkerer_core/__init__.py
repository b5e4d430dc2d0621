"""Tinkerer: a framework where AI learns, experiments, builds, ships and trains.

``from tinkerer_core import Tinkerer, Source, DeployStrategy`` is the Python API. Names are
loaded lazily so that importing the package (and listing plugins) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Tinkerer": "tinkerer_core.api",
    "Source": "tinkerer_core.types",
    "DeployStrategy": "tinkerer_core.types",
    "Direction": "tinkerer_core.types",
    "Solution": "tinkerer_core.types",
    "Software": "tinkerer_core.types",
    "hookimpl": "tinkerer_core.hookspecs",
    "TinkererError": "tinkerer_core.errors",
    "ConfigError": "tinkerer_core.errors",
}

__all__ = [
    "ConfigError",
    "DeployStrategy",
    "Direction",
    "Software",
    "Solution",
    "Source",
    "Tinkerer",
    "TinkererError",
    "hookimpl",
]

if TYPE_CHECKING:
    from tinkerer_core.api import Tinkerer
    from tinkerer_core.errors import ConfigError, TinkererError
    from tinkerer_core.hookspecs import hookimpl
    from tinkerer_core.types import DeployStrategy, Direction, Software, Solution, Source


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tinkerer_core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
