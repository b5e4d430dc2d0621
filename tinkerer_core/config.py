"""chz glue: fields typed by a component kind resolve plugin names, and config errors read well.

``evaluator=regex_pattern evaluator.pattern='RMSE: ([\\d.]+)'`` on the command line and
``evaluator="regex_pattern", evaluator_params={...}`` in Python both go through
:func:`make_config`, which applies layers of values to a chz ``Blueprint``.
"""

from __future__ import annotations

import difflib
import enum
import re
import sys
import types
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import chz
from chz.blueprint import (
    ConstructionException,
    EntrypointHelpException,
    ExtraneousBlueprintArg,
    InvalidBlueprintArg,
    MissingBlueprintArg,
)
from chz.factories import MetaFactory, MetaFromString
from chz.tiepin import CastError

from tinkerer_core.errors import ConfigError, MissingPluginError, TinkererError, UnknownComponentError
from tinkerer_core.kinds import KINDS, Kind
from tinkerer_core.plugins import Registration, get_manager
from tinkerer_core.validation import ConfigWarning, FieldValueError, check_values, rules_of

T = TypeVar("T")


class PluginFactory(MetaFactory):
    """Resolves a component name (``regex_pattern``) to the class an installed plugin registered."""

    def __init__(self, kind: str, default: str | None = None) -> None:
        super().__init__()
        self.kind = KINDS[kind]
        self.default = default

    def __repr__(self) -> str:
        return f"PluginFactory({self.kind.name!r}, default={self.default!r})"

    def unspecified_factory(self) -> type | None:
        registration = get_manager().registry[self.kind.name].get(self.default or "")
        return registration.cls if registration else None

    def from_string(self, factory: str) -> type:
        try:
            return get_manager().lookup(self.kind.name, factory).cls
        except UnknownComponentError as error:
            raise MetaFromString(str(error)) from None

    def perform_cast(self, value: str) -> Any:
        """A component name is never a value: chz then builds it as a factory, so its fields are parameters
        (listed by ``--help``, required ones reported missing) rather than an instance made on the spot.
        An unknown name raises ``from_string``'s error: the installed names and the closest spelling."""
        self.from_string(value)
        raise CastError(f"{value!r} names a {self.kind.label}; it is built with its parameters")


@dataclass(frozen=True)
class DefaultComponent:
    """The ``default_factory`` of a component field: builds the default plugin, says its name in ``--help``."""

    kind: str
    name: str
    provided_by: str = ""  # the distribution that registers it

    @property
    def installed(self) -> bool:
        return self.name in get_manager().registry[self.kind]

    def missing(self) -> str:
        """What is missing, and what to install: ``evaluator 'no_score' (pip install tinkerer-plugin-evaluators)``."""
        where = f"pip install {self.provided_by}" if self.provided_by else "the plugin that provides it"
        return f"{KINDS[self.kind].label} {self.name!r} ({where})"

    def __call__(self) -> Any:
        if not self.installed:
            installed = ", ".join(get_manager().names(self.kind)) or "none"
            raise MissingPluginError(
                f"the default {self.missing()} is not installed; installed {KINDS[self.kind].plural.replace('_', ' ')}: "
                f"{installed}. Install it, or choose an installed one"
            )
        return create_component(self.kind, self.name)

    def __repr__(self) -> str:
        return self.name


def component_field(kind: str, default: str | None, doc: str = "", provided_by: str = "") -> Any:
    """A config field holding a component of ``kind``, ``default`` naming the plugin used when unset (registered
    by the distribution ``provided_by``, which an error names when it is not installed)."""
    if default is None:
        return chz.field(meta_factory=PluginFactory(kind), default=None, doc=doc)
    return chz.field(
        meta_factory=PluginFactory(kind, default),
        default_factory=DefaultComponent(kind, default, provided_by),
        doc=doc,
    )


def check_defaults_installed(cls: type, set_keys: Sequence[str]) -> None:
    """Refuse, naming every one and what to install, the defaults ``cls`` would use that are not installed
    (a field named in ``set_keys`` uses no default)."""
    missing = [
        factory
        for name, field in chz.chz_fields(cls).items()
        if isinstance(factory := field._default_factory, DefaultComponent) and name not in set_keys
        if not factory.installed
    ]
    if missing:
        packages = " ".join(dict.fromkeys(factory.provided_by for factory in missing if factory.provided_by))
        raise MissingPluginError(
            f"defaults that are not installed: {'; '.join(factory.missing() for factory in missing)}. "
            f"Install them{f' (pip install {packages})' if packages else ''}, or set each field to an installed "
            "component (`tinkerer plugins` lists them)"
        )


def component_values(prefix: str, name: str | None, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Blueprint values for a component given by name and params, as the Python API takes them."""
    values: dict[str, Any] = {}
    if name is not None:
        values[prefix] = chz.Castable(name) if isinstance(name, str) else name  # not a name: refused by its field
    for key, value in (params or {}).items():
        values[f"{prefix}.{key}"] = value
    return values


_UNCASTABLE = re.compile(
    r"Could not interpret argument (?P<value>'.*') provided for param '(?P<path>[^']+)'"
    r"(?:.|\n)*?Could not cast [^\n]* to (?P<type>[^\n]+?):?$",
    re.M,
)
_WRONG_TYPE = re.compile(r"Expected '(?P<path>[^']+)' to be (?P<type>.+), got (?P<got>.+)")


def _message(error: BaseException, given: Mapping[str, Any] | None = None) -> str:
    """chz's message, rephrased as ``<field> must be <what is allowed>, got <value>`` where it says that."""
    return _field_message(error, given or {}) or str(error).strip().replace(
        "Append --help to your command to see valid arguments", "Add --help to see every field."
    )


def _field_message(error: BaseException, given: Mapping[str, Any]) -> str | None:
    """``<field> must be <type>, got <value>`` for chz's cast and type errors, else None."""
    text = str(error).strip()
    if match := _UNCASTABLE.search(text):
        return f"{match['path']} must be {_allowed(match['type'])}, got {match['value']}"
    if match := _WRONG_TYPE.fullmatch(text):
        got = repr(given[match["path"]]) if match["path"] in given else f"a value of type {match['got']}"
        return f"{match['path']} must be of type {match['type']}, got {got}"
    return None


def _allowed(type_name: str) -> str:
    """What values of a type look like: an enum's values, else the type's name."""
    module, _, qualname = type_name.partition(":")
    enum_type = getattr(sys.modules.get(module), qualname, None) if qualname else None
    if isinstance(enum_type, type) and issubclass(enum_type, enum.Enum):
        return "one of " + ", ".join(repr(member.value) for member in enum_type)
    return f"of type {type_name}"


def _unwrap(error: BaseException) -> TinkererError | None:
    """Find our own error inside chz's wrapping, so the user sees its message (e.g. the installed names)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TinkererError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def make_config(cls: type[T], layers: Sequence[Mapping[str, Any]] = (), argv: Sequence[str] = ()) -> T:
    """Build ``cls`` from value layers (later wins) and ``a.b=c`` command-line overrides.

    Raises ``ConfigError`` naming the field at fault; ``--help`` in ``argv`` raises
    ``ConfigHelp`` whose message lists every field, its value and where it came from.
    """
    layers, argv = _current_spelling(cls, layers, argv)
    set_keys = [key for layer in layers for key in layer] + _argv_keys(argv)
    if "--help" in argv:
        _show_rules_in_docs(cls)
    else:
        check_defaults_installed(cls, set_keys)
    try:
        return _build(cls, layers, argv)
    except EntrypointHelpException as help_request:
        raise ConfigHelp(str(help_request)) from None
    except (ExtraneousBlueprintArg, InvalidBlueprintArg, MissingBlueprintArg) as error:
        raise ConfigError(_message(error)) from None
    except FieldValueError as error:
        raise _located(error, set_keys) from None
    except TinkererError:
        raise
    except (ConstructionException, MetaFromString, TypeError, ValueError) as error:
        ours = _unwrap(error)
        if isinstance(ours, FieldValueError):
            raise _located(ours, set_keys) from None
        if ours is not None:
            raise ours from None
        given = {key: value for layer in layers for key, value in layer.items()}
        culprit = _culprit(cls, layers, argv, error)
        given.update(item.partition("=")[::2] for item in argv if "=" in item)
        where = (
            f"{culprit}={given[culprit]!r} was refused: " if culprit else f"invalid configuration for {cls.__name__}: "
        )
        raise ConfigError(_field_message(error, given) or where + _message(error)) from None


def renamed(cls: type, key: str) -> str:
    """``key`` under its field's current name: an old spelling of a renamed field (``cls.renamed_fields``:
    ``stop`` and ``stop.patience`` for ``stop_condition``) becomes the new one; any other key is returned as is."""
    head, dot, rest = key.partition(".")
    new = getattr(cls, "renamed_fields", {}).get(head)
    return f"{new}{dot}{rest}" if new else key


def _current_spelling(
    cls: type, layers: Sequence[Mapping[str, Any]], argv: Sequence[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The layers and overrides with old field names respelt, warning once for each old name used."""
    used: dict[str, str] = {}

    def spell(key: str) -> str:
        new = renamed(cls, key)
        if new != key:
            used[key.partition(".")[0]] = new.partition(".")[0]
        return new

    spelt_layers = [{spell(key): value for key, value in layer.items()} for layer in layers]
    spelt_argv = [f"{spell(item.partition('=')[0])}={item.partition('=')[2]}" if "=" in item else item for item in argv]
    for old, new in used.items():
        warnings.warn(f"{old} is now {new}: write {new}=... and {new}.<field>=...", ConfigWarning, stacklevel=3)
    return spelt_layers, spelt_argv


def _build(cls: type[T], layers: Sequence[Mapping[str, Any]], argv: Sequence[str]) -> T:
    """``cls`` built from the layers and overrides, every value checked; chz's own errors as they come."""
    blueprint = chz.Blueprint(cls)
    replaced = set(_argv_keys(argv))
    pruned: list[dict[str, Any]] = []
    for layer in reversed(layers):  # a field set anew later (search=...) drops what was set under it earlier
        pruned.append(_without_parameters_of(layer, replaced))
        replaced |= set(layer)
    for index, layer in enumerate(reversed(pruned)):
        values = _python_values(cls, layer)
        blueprint = blueprint.apply(values, layer_name=f"config layer {index}" if index else "config")
    if argv:
        blueprint = blueprint.apply_from_argv(list(argv), allow_hyphens=True)
    config = blueprint.make()
    check_values(config)
    return config


def _argv_keys(argv: Sequence[str]) -> list[str]:
    return [item.split("=", 1)[0] for item in argv if "=" in item]


def _culprit(cls: type, layers: Sequence[Mapping[str, Any]], argv: Sequence[str], error: Exception) -> str | None:
    """The value a user set that makes chz fail without naming it: the first (most specific first) without
    which the build no longer fails this way. None when it is not one value."""
    keys = sorted({*(key for layer in layers for key in layer), *_argv_keys(argv)}, key=lambda key: -key.count("."))
    required: list[str] = []  # keys that cannot be left out: when their component's name is the culprit, they are
    for key in keys:

        def kept(name: str, key: str = key) -> bool:
            return name != key and not name.startswith(f"{key}.")

        try:
            _build(
                cls,
                [{k: v for k, v in layer.items() if kept(k)} for layer in layers],
                [item for item in argv if kept(item.split("=", 1)[0])],
            )
        except MissingBlueprintArg:
            required.append(key)
            continue
        except Exception as other:
            if type(other) is type(error) and str(other) == str(error):
                continue
        return next((name for name in required if name.startswith(f"{key}.")), key)
    return None


def _show_rules_in_docs(root: type) -> None:
    """Append each field's rules to its doc (``[at least 1]``) in ``root``, the configs inside it and every
    installed component, so that ``--help`` says what a field takes. Done once per field."""
    classes = [registration.cls for kind in get_manager().registry.values() for registration in kind.values()]
    pending, seen = [root, *classes], set()
    while pending:
        cls = pending.pop()
        if cls in seen or not chz.is_chz(cls):
            continue
        seen.add(cls)
        for field in chz.chz_fields(cls).values():
            pending.extend(typing.get_args(field.final_type) or (field.final_type,))
            rules = "; ".join(rule.requirement for rule in rules_of(field))
            if rules and not field._doc.endswith(f"[{rules}]"):
                field._doc = f"{field._doc} [{rules}]".lstrip()


def _located(error: FieldValueError, set_keys: Sequence[str]) -> FieldValueError:
    """Name a field refused while its component was built by the path it was set at (``stop_condition.patience``)."""
    if "." in error.field:
        return error
    paths = {key for key in set_keys if key == error.field or key.endswith(f".{error.field}")}
    return error.at(paths.pop()) if len(paths) == 1 else error


def _without_parameters_of(layer: Mapping[str, Any], replaced: set[str]) -> dict[str, Any]:
    """``layer`` minus the sub-values (``search_strategy.x``) of every field that a later layer sets anew (``search_strategy``)."""
    return {key: value for key, value in layer.items() if not any(key.startswith(f"{name}.") for name in replaced)}


def _python_values(cls: type, layer: Mapping[str, Any]) -> dict[str, Any]:
    """Let Python values be written as on the command line or in JSON: a string given for a field
    that is not a string (a plugin name, ``"minimize"``) is cast by the field's rules, and a list
    given for a tuple field becomes a tuple."""
    fields = chz.chz_fields(cls)
    values = dict(layer)
    for key, value in layer.items():
        field = fields.get(key)
        if field is None:
            continue
        if isinstance(field.meta_factory, PluginFactory):
            _check_component_value(key, value, field.meta_factory.kind)
        if isinstance(value, str) and not _accepts_str(field.final_type):
            values[key] = chz.Castable(value)
        elif isinstance(value, list) and typing.get_origin(field.final_type) is tuple:
            values[key] = tuple(value)
    return values


def _check_component_value(key: str, value: Any, kind: Kind) -> None:
    """A component field takes a component's name, the component itself or its class, nothing else."""
    interface = kind.interface
    if value is None or isinstance(value, str | chz.Castable | interface):
        return
    if isinstance(value, type) and issubclass(value, interface):
        return
    raise FieldValueError(key, value, f"the name of an installed {kind.label}", f" ({type(value).__name__})")


def _accepts_str(tp: Any) -> bool:
    return (
        tp is str
        or tp is Any
        or (typing.get_origin(tp) in (typing.Union, types.UnionType) and str in typing.get_args(tp))
    )


class ConfigHelp(TinkererError):
    """Raised for ``--help``: the message is the field table to print."""


def build_component(registration: Registration, params: dict[str, Any]) -> Any:
    """Instantiate a registered component from Python params, with field-level errors."""
    fields = chz.chz_fields(registration.cls)
    unknown = sorted({key.split(".", 1)[0] for key in params} - set(fields))
    if unknown:
        valid = ", ".join(f"{name}: {_type_name(f.final_type)}" for name, f in fields.items()) or "none"
        close = difflib.get_close_matches(unknown[0], list(fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"{registration.kind.label} {registration.name!r} has no parameter {unknown[0]!r}; "
            f"its parameters are: {valid}{hint}"
        )
    try:
        return make_config(registration.cls, [params])
    except ConfigError as error:  # nested components read as a path: composite: plateau: patience ...
        raise ConfigError(f"{registration.kind.label} {registration.name!r}: {error}") from None


def create_component(kind: str, name: str, params: Mapping[str, Any] | None = None) -> Any:
    """Component ``name`` of ``kind`` built with ``params``: an unknown name lists the installed ones, a bad
    parameter is named with what it takes."""
    return build_component(get_manager().lookup(kind, name), dict(params or {}))


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")
