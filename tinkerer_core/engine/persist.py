"""Save an evolve config into the run store and rebuild it on resume.

Components are saved by their registered names, so a resumed run resolves them through the
installed plugins again. A config file, if the run came from one, is imported first: plugins it
registers in-process are back before the config is rebuilt.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import chz

from tinkerer_core.errors import ConfigError
from tinkerer_core.plugins import get_manager

MOVED = {"tinkerer_core.engine.config:EvolveConfig": "tinkerer_core.evolve_config:EvolveConfig"}  # runs made before


def _component_names() -> dict[type, str]:
    return {
        registration.cls: registration.name
        for registrations in get_manager().registry.values()
        for registration in registrations.values()
    }


def _encode(value: Any, names: dict[type, str]) -> Any:
    if isinstance(value, type):
        if value in names:
            return {"__component__": names[value]}
        return {"__class__": f"{value.__module__}:{value.__qualname__}"}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return (
            {"__tuple__": [_encode(item, names) for item in value]}
            if isinstance(value, tuple)
            else [_encode(item, names) for item in value]
        )
    if isinstance(value, dict):
        return {"__dict__": {key: _encode(item, names) for key, item in value.items()}}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__component__" in value or "__class__" in value:
            return chz.Castable(value.get("__component__") or value["__class__"])
        if "__tuple__" in value:
            return tuple(_decode(item) for item in value["__tuple__"])
        return {key: _decode(item) for key, item in value["__dict__"].items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def save_config(config: Any) -> dict[str, Any]:
    """A JSON-able record of ``config`` that ``load_config`` turns back into an equal config."""
    names = _component_names()
    values = chz.beta_to_blueprint_values(config)
    return {
        "class": f"{type(config).__module__}:{type(config).__qualname__}",
        "values": {k: _encode(v, names) for k, v in values.items()},
    }


def load_config(record: dict[str, Any], config_file: str | None = None) -> Any:
    """Rebuild a config saved by ``save_config``."""
    from tinkerer_core.config import make_config, renamed

    if config_file:
        import_config_file(config_file)
    module_name, qualname = MOVED.get(record["class"], record["class"]).split(":")
    cls = getattr(importlib.import_module(module_name), qualname)
    values = {renamed(cls, key): _decode(value) for key, value in record["values"].items()}  # runs made before
    return make_config(cls, [values])


def import_config_file(path: str) -> Any:
    """Import a Python config file as a module (its top-level code may register plugins)."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"config file {path!r} does not exist")
    name = f"tinkerer_config_{abs(hash(str(file.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"config file {path!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise ConfigError(f"config file {path!r} failed to load: {type(error).__name__}: {error}") from error
    return module
