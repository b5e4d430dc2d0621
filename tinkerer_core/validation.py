"""What a config field's value may be: rules declared with the field, checked when a config is built.

A rule is a chz field validator that raises ``ConfigError`` naming the field, the value and what is
allowed; a caution warns about a value that is legal but risky::

    patience: int = chz.field(default=5, validator=at_least(1), doc="...")
    port: int = chz.field(default=8000, validator=port_number(), doc="...")
    host: str = chz.field(default="127.0.0.1", validator=warn_if_public(), doc="...")

``--help`` shows each field's rules, the property-based tests draw bad values from them, and
:func:`check_values` refuses what no rule had to spell out: a value of the wrong type, NaN, infinity.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import chz
from chz.validators import is_subtype_instance, type_repr

from tinkerer_core.errors import ConfigError

LARGEST_INT = 2**63 - 1  # what the C code under every number a field holds (setrlimit, sockets, llama.cpp) takes


class FieldValueError(ConfigError):
    """A field holds a value its rules do not allow; ``field`` is its name or its dotted path."""

    def __init__(self, field: str, value: Any, requirement: str, hint: str = "") -> None:
        self.field, self.value, self.requirement, self.hint = field, value, requirement, hint
        super().__init__(f"{field} must be {requirement}, got {value!r}{hint}")

    def at(self, path: str) -> FieldValueError:
        """The same error, naming the field by its path in the config (``stop_condition.patience``)."""
        return FieldValueError(path, self.value, self.requirement, self.hint)


class ConfigWarning(UserWarning):
    """A config value is allowed but risky (a public bind address, a temperature far off the usual)."""


@dataclass(frozen=True)
class Rule:
    """A requirement on a field's value; None always passes (the field's type says whether it may be None)."""

    requirement: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: the value must be greater than ``low``, not equal to it
    choices: tuple[Any, ...] = ()
    non_empty: bool = False
    test: Callable[[Any], bool] | None = None  # any other requirement, said by ``requirement``

    def allows(self, value: Any) -> bool:
        if self.test is not None and not self.test(value):
            return False
        if self.non_empty and not (isinstance(value, str | tuple) and str(value).strip() and len(value)):
            return False
        if self.choices and value not in self.choices:
            return False
        if self.low is None and self.high is None:
            return True
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or (isinstance(value, float) and math.isnan(value))
        ):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def __call__(self, owner: Any, attr: str) -> None:
        value = getattr(owner, attr)
        if value is not None and not self.allows(value):
            raise FieldValueError(attr.removeprefix("X_"), value, self.requirement, self._hint(value))

    def _hint(self, value: Any) -> str:
        if not self.choices or not isinstance(value, str):
            return ""
        close = difflib.get_close_matches(value, [str(choice) for choice in self.choices], n=1)
        return f"; did you mean {close[0]!r}?" if close else ""


def at_least(minimum: float) -> Rule:
    """The value must be ``>= minimum``."""
    return Rule(f"at least {minimum:g}", low=minimum)


def greater_than(minimum: float) -> Rule:
    """The value must be ``> minimum``."""
    return Rule(f"greater than {minimum:g}", low=minimum, low_open=True)


def positive() -> Rule:
    """The value must be greater than zero."""
    return greater_than(0)


def at_most(maximum: float) -> Rule:
    """The value must be ``<= maximum``."""
    return Rule(f"at most {maximum:g}", high=maximum)


def between(low: float, high: float) -> Rule:
    """The value must lie in ``[low, high]``."""
    return Rule(f"from {low:g} to {high:g}", low=low, high=high)


def port_number() -> Rule:
    """A TCP port: 1 to 65535."""
    return Rule("a port number from 1 to 65535", low=1, high=65535)


def finite() -> Rule:
    """Any finite number (every float field is checked for NaN and infinity anyway; this says so in --help)."""
    return Rule("a finite number", low=-math.inf)


def not_empty() -> Rule:
    """A string (or tuple) with something in it: not empty, not only spaces."""
    return Rule("non-empty", non_empty=True)


NAME_MAX, PATH_MAX = 255, 4095  # bytes of one name and of a whole path, as Linux takes them


def a_path() -> Rule:
    """A file system path the OS takes: not empty, no NUL byte, each name at most 255 bytes."""
    return Rule(f"a path (not empty, no NUL byte, each name at most {NAME_MAX} bytes)", test=_is_path)


def _is_path(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        return False
    try:
        encoded = os.fsencode(value)
    except UnicodeEncodeError:  # a lone surrogate no file name can hold
        return False
    return len(encoded) <= PATH_MAX and all(len(name) <= NAME_MAX for name in encoded.split(b"/"))


def valid_regex() -> Rule:
    """A regular expression Python's ``re`` compiles."""
    return Rule("a valid regular expression", test=_compiles)


def _compiles(pattern: Any) -> bool:
    try:
        re.compile(pattern)
    except (re.error, TypeError):
        return False
    return True


def env_name() -> Rule:
    """The name of an environment variable (one that holds a key, never the key itself)."""
    return Rule("an environment variable name (letters, digits and _, not starting with a digit)", test=_is_env_name)


def env_names() -> Rule:
    """Names of environment variables (``pass_env=OPENAI_API_KEY,HF_TOKEN``)."""
    return Rule(
        "environment variable names (letters, digits and _, not starting with a digit)",
        test=lambda names: all(_is_env_name(name) for name in names),
    )


def _is_env_name(name: Any) -> bool:
    return isinstance(name, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


def http_url() -> Rule:
    """An ``http(s)://host[:port][/path]`` address with a valid port."""
    return Rule("an http(s)://host[:port] address, e.g. http://127.0.0.1:8080", test=_is_http_url)


def _is_http_url(url: Any) -> bool:
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed address or port
        return False


def one_of(*choices: Any) -> Rule:
    """The value must be one of ``choices``; a near miss is answered with the closest one."""
    return Rule("one of " + ", ".join(repr(choice) for choice in choices), choices=choices)


@dataclass(frozen=True)
class Caution:
    """A legal but risky value: building the config warns (``ConfigWarning``) and goes on."""

    warning: str
    risky: Callable[[Any], bool]

    def __call__(self, owner: Any, attr: str) -> None:
        value = getattr(owner, attr)
        if value is not None and self.risky(value):
            warnings.warn(f"{attr.removeprefix('X_')}={value!r}: {self.warning}", ConfigWarning, stacklevel=2)


def warn_above(limit: float, why: str) -> Caution:
    """Warn when the value is above ``limit``, saying ``why`` that is unusual."""
    return Caution(f"above {limit:g}: {why}", lambda value: isinstance(value, int | float) and limit < value < math.inf)


def warn_if_public() -> Caution:
    """Warn when a bind address is not a loopback one: whatever listens there is reachable from the network."""
    return Caution("not a loopback address: the service is reachable from other machines on the network", is_public)


def is_public(host: str) -> bool:
    """Whether binding ``host`` listens beyond this machine (``0.0.0.0``, ``::``, a LAN address, a name)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True


def rules_of(field: Any) -> list[Rule]:
    """The rules declared on a chz field (its validators that are ``Rule``s), for --help and the tests."""
    validators = getattr(field, "_validator", None) or ()
    return [
        item
        for item in (validators if isinstance(validators, list | tuple) else [validators])
        if isinstance(item, Rule)
    ]


def check_values(config: Any, path: str = "") -> None:
    """Every field of a built config, and of each component inside it, holds a value of its declared
    type and no NaN or infinity; raise ``FieldValueError`` naming the first field that does not."""
    for name, field in chz.chz_fields(config).items():
        value = getattr(config, name)
        where = f"{path}{name}"
        if chz.is_chz(value):
            check_values(value, f"{where}.")
        for number in _numbers_in(value):
            if isinstance(number, float) and not math.isfinite(number):
                raise FieldValueError(where, value, "a finite number (not NaN or infinity)")
            if isinstance(number, int) and abs(number) > LARGEST_INT:
                raise FieldValueError(where, value, f"a number from -{LARGEST_INT} to {LARGEST_INT} (64 bits)")
        if not _has_type(value, field.final_type):
            expected = type_repr(field.final_type).replace("typing.", "")
            raise FieldValueError(where, value, f"of type {expected}", f" ({type(value).__name__})")


def _numbers_in(value: Any) -> Iterator[int | float]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _numbers_in(item)


def _has_type(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) and expected in (int, float):  # True is an int to Python, not to a user
        return False
    try:
        return is_subtype_instance(value, expected)
    except Exception:  # a type chz cannot check (a protocol, a forward reference): trust the declaration
        return True
