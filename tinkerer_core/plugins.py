"""Plugin discovery and the component registry.

stevedore loads the entry points of group ``tinkerer`` and reports failures through its
callback; pluggy calls the hooks. A plugin that fails to load is recorded as broken and never
takes down a run that does not use it. ``TINKERER_PLUGINS`` (comma-separated entry-point or
distribution names) allow-lists plugins; set but empty, it loads none; a name no installed plugin has
is refused.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.metadata
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from tinkerer_core import hookspecs
from tinkerer_core.errors import ConfigError, UnknownComponentError
from tinkerer_core.kinds import KINDS, Kind

ENTRY_POINT_GROUP = "tinkerer"
ALLOW_LIST_ENV = "TINKERER_PLUGINS"
TRACE_ENV = "TINKERER_TRACE_HOOKS"


@dataclass
class PluginInfo:
    """What ``tinkerer plugins`` reports about one plugin."""

    name: str
    distribution: str | None = None
    version: str | None = None
    status: str = "loaded"  # loaded | broken | blocked
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    components: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": self.hooks,
            "components": self.components,
        }


@dataclass(frozen=True)
class Registration:
    kind: Kind
    name: str
    cls: type
    plugin: str


def _allow_list() -> set[str] | None:
    raw = os.environ.get(ALLOW_LIST_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _check_allow_list(allowed: set[str], entry_points: importlib.metadata.EntryPoints) -> None:
    """Refuse an allow-list naming a plugin that is not installed, with the installed names and the closest one."""
    names = sorted({entry_point.name for entry_point in entry_points})
    known = {*names, *(dist for dist, _ in map(_distribution_of, entry_points) if dist)}
    for name in sorted(allowed - known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"{ALLOW_LIST_ENV} names {name!r}, which is not installed: give entry-point or distribution names of "
            f"installed plugins ({', '.join(names) or 'none is installed'}){hint}"
        )


def _distribution_of(entry_point: importlib.metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


class PluginManager:
    """Loads plugins, calls their hooks and resolves component names to classes."""

    def __init__(self, load_entry_points: bool = True) -> None:
        self.hooks = pluggy.PluginManager(hookspecs.PROJECT)
        self.hooks.add_hookspecs(hookspecs)
        if os.environ.get(TRACE_ENV):
            self.hooks.trace.root.setwriter(sys.stderr.write)
            self.hooks.enable_tracing()
        self.infos: dict[str, PluginInfo] = {}
        self.conflicts: list[str] = []
        self._registry: dict[str, dict[str, Registration]] | None = None
        if load_entry_points:
            self._load_entry_points()

    # --- loading ---------------------------------------------------------------------------

    def _load_entry_points(self) -> None:
        allowed = _allow_list()
        entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        if allowed:
            _check_allow_list(allowed, entry_points)
        wanted: list[str] = []
        for entry_point in entry_points:
            dist_name, version = _distribution_of(entry_point)
            info = PluginInfo(entry_point.name, dist_name, version)
            self.infos[entry_point.name] = info
            if allowed is not None and not ({entry_point.name, dist_name} & allowed):
                info.status = "blocked"
                info.error = f"not in {ALLOW_LIST_ENV}"
            else:
                wanted.append(entry_point.name)
        if not wanted:
            return
        from stevedore import NamedExtensionManager

        extensions: NamedExtensionManager[object] = NamedExtensionManager(
            namespace=ENTRY_POINT_GROUP,
            names=wanted,
            invoke_on_load=False,
            on_load_failure_callback=self._on_load_failure,
        )
        for extension in extensions:
            self.register(extension.plugin, extension.name)

    def _on_load_failure(self, _manager: Any, entry_point: importlib.metadata.EntryPoint, error: BaseException) -> None:
        info = self.infos.setdefault(entry_point.name, PluginInfo(entry_point.name))
        info.status = "broken"
        info.error = f"{type(error).__name__}: {error}"

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object or module in-process (tests and embedders use this too)."""
        plugin_name = self.hooks.register(plugin, name)
        assert plugin_name is not None
        info = self.infos.setdefault(plugin_name, PluginInfo(plugin_name))
        info.status = "loaded"
        info.hooks = sorted(impl.name for impl in self.hooks.get_hookcallers(plugin) or ())
        self._registry = None
        return plugin_name

    def unregister(self, name: str) -> None:
        self.hooks.unregister(name=name)
        self.infos.pop(name, None)
        self._registry = None

    @contextlib.contextmanager
    def registered(self, plugin: object, name: str | None = None) -> Iterator[str]:
        """Register ``plugin`` for the duration of a ``with`` block."""
        plugin_name = self.register(plugin, name)
        try:
            yield plugin_name
        finally:
            self.unregister(plugin_name)

    # --- components ------------------------------------------------------------------------

    @property
    def registry(self) -> dict[str, dict[str, Registration]]:
        if self._registry is None:
            self._registry = self._collect()
        return self._registry

    def _collect(self) -> dict[str, dict[str, Registration]]:
        registry: dict[str, dict[str, Registration]] = {name: {} for name in KINDS}
        self.conflicts = []
        for info in self.infos.values():
            info.components = {}
        for kind in KINDS.values():
            hook = getattr(self.hooks.hook, kind.hook)
            for impl in hook.get_hookimpls():  # registration order: the first plugin wins
                self._collect_one(kind, impl, registry[kind.name])
        return registry

    def _collect_one(self, kind: Kind, impl: pluggy.HookImpl, into: dict[str, Registration]) -> None:
        info = self.infos.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name))

        def register(name: str, cls: type) -> None:
            if not (isinstance(cls, type) and issubclass(cls, kind.interface)):
                raise TypeError(f"{cls!r} is not a {kind.interface.__name__} subclass")
            if name in into:
                other = into[name].plugin
                self.conflicts.append(
                    f"{kind.label} {name!r} from {impl.plugin_name} ignored: {other} registered it first"
                )
                return
            into[name] = Registration(kind, name, cls, impl.plugin_name)
            info.components.setdefault(kind.plural, []).append(name)

        try:
            impl.function(register=register)
        except Exception as error:  # a broken plugin is reported, never fatal
            info.status = "broken"
            info.error = f"{kind.hook} failed: {type(error).__name__}: {error}"

    def names(self, kind: str) -> list[str]:
        return sorted(self.registry[KINDS[kind].name])

    def lookup(self, kind: str, name: str) -> Registration:
        """The registration for ``name``; an unknown name lists the installed ones."""
        registrations = self.registry[KINDS[kind].name]
        try:
            return registrations[name]
        except KeyError:
            label = KINDS[kind].label
            raise UnknownComponentError(label, KINDS[kind].plural.replace("_", " "), name, registrations) from None


_manager: PluginManager | None = None


def get_manager() -> PluginManager:
    """The process-wide plugin manager, loading entry points on first use."""
    global _manager
    if _manager is None:
        _manager = PluginManager()
    return _manager


def reset_manager() -> None:
    """Forget the process-wide manager so the next ``get_manager()`` rediscovers plugins."""
    global _manager
    _manager = None
