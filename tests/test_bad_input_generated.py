"""Bad input generated from the config schema and the command line's parsers, never hand-picked.

For every field of the core configs and of every installed component, hypothesis draws values from the
field's type and rules (wrong types, empty and blank strings, NaN, infinities, huge and negative numbers,
values just past a rule's bound, misspelt choices) and sets them as users do: through the Python API and
through ``tinkerer evolve/train ... --dry-run``. Each case must end with a ``TinkererError`` (exit 2) that
names the field, or with a config whose value follows every rule of the field; never another exception,
a traceback, a hang or a silently accepted invalid value. Every subcommand (plugins' too) is run with its
required arguments missing, with an option that does not exist, and with option values its parser refuses:
each must exit 2 naming what was wrong, before doing anything.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import signal
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import chz
import pytest
from chz.field import MISSING
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinkerer_core import EvolveConfig, LLMConfig, Tinkerer, TinkererError, TrainConfig, create_component, get_manager
from tinkerer_core.cli import build_parser, main
from tinkerer_core.config import PluginFactory, component_values, make_config
from tinkerer_core.validation import Rule, rules_of

from .conftest import needs_defaults

pytestmark = needs_defaults

CASES_PER_FIELD = 12
CASE_SECONDS = 30  # a case that takes longer is a hang
GENERATED = settings(
    max_examples=CASES_PER_FIELD,
    derandomize=True,  # the same cases on every run and in CI
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# where each kind's component sits: (the config it belongs to, the field holding it, the Python API's parameter)
EVOLVE_KINDS = {
    "evaluator": ("evaluator", "evaluator"),
    "stop_condition": ("stop_condition", "stop_condition"),
    "search_strategy": ("search_strategy", "search_strategy"),
    "coding_agent": ("coding_agent", "coding_agent"),
    "executor": ("executor", "executor"),
}
BUILT_BY_NAME = ("deployer", "knowledge_backend")  # Tinkerer.deploy / learn / index_kg create them from params

# values for required parameters that no rule spells out a valid example of
REQUIRED_EXAMPLES: dict[str, Any] = {
    "evaluators": (("regex_pattern", {}, 1.0),),
    "conditions": (("plateau", {"patience": 5}),),
    "patterns": {"accuracy": (r"accuracy: ([\d.]+)", 1.0)},
    "reward": "rewards.py:score",
}


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a case would write lands in a temporary folder (a dry run writes nothing; should one, not here)."""
    monkeypatch.chdir(tmp_path)


@dataclass(frozen=True)
class Target:
    """One settable field: where it lives and how the Python API and the command line set it."""

    path: str  # as on the command line: max_iterations, llm.temperature, stop.patience
    field: Any  # the chz field
    kind: str | None = None  # None: a field of EvolveConfig or LLMConfig
    component: str | None = None
    required: tuple[tuple[str, Any], ...] = ()  # the component's other required parameters, set validly

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        return f"{self.kind}:{self.component}:{self.name}" if self.kind else self.path


def _settable(field: Any) -> bool:
    """Fields a value is written into (not components, nested configs or untyped fields)."""
    options = _options(field.final_type)
    return bool(options) and not any(chz.is_chz(option) or option is Any for option in options)


def _options(tp: Any) -> tuple[Any, ...]:
    """The types a field takes, None aside (``int | None`` -> ``(int,)``)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return tuple(option for option in typing.get_args(tp) if option is not type(None))
    return (tp,)


def _required(cls: type) -> dict[str, Any]:
    """A valid value for each parameter of ``cls`` that has no default."""
    values = {}
    for name, field in chz.chz_fields(cls).items():
        if field._default is MISSING and field._default_factory is MISSING:
            values[name] = REQUIRED_EXAMPLES[name] if name in REQUIRED_EXAMPLES else _valid(field)
    return values


def _valid(field: Any) -> Any:
    """The simplest value a scalar field's rules allow."""
    rules = rules_of(field)
    for rule in rules:
        if rule.choices:
            return rule.choices[0]
    if _options(field.final_type)[0] is str:
        return "x"
    low = max((rule.low for rule in rules if rule.low is not None and math.isfinite(rule.low)), default=1)
    return low + 1


def targets() -> Iterator[Target]:
    """Every settable field of the core's configs and of every installed component."""
    for name, field in chz.chz_fields(EvolveConfig).items():
        if _settable(field):
            yield Target(name, field)
    for name, field in chz.chz_fields(LLMConfig).items():
        if _settable(field):
            yield Target(f"llm.{name}", field)
    registry = get_manager().registry
    for kind in (*EVOLVE_KINDS, "trainer", *BUILT_BY_NAME):
        prefix = EVOLVE_KINDS[kind][0] if kind in EVOLVE_KINDS else kind
        for component, registration in sorted(registry[kind].items()):
            required = _required(registration.cls)
            for name, field in chz.chz_fields(registration.cls).items():
                if _settable(field):
                    others = tuple((key, value) for key, value in required.items() if key != name)
                    yield Target(f"{prefix}.{name}", field, kind, component, others)


TARGETS = list(targets())


# --- values drawn from a field's type and rules -----------------------------------------------------


def _past_bounds(rule: Rule, integer: bool) -> list[st.SearchStrategy[Any]]:
    """Numbers just outside a rule's range, and far outside it."""
    drawn: list[st.SearchStrategy[Any]] = []
    if rule.low is not None and math.isfinite(rule.low):
        edge = math.ceil(rule.low) - (0 if rule.low_open else 1) if integer else rule.low
        below = st.integers(max_value=int(edge)) if integer else st.floats(max_value=edge, allow_nan=False)
        drawn.append(below.filter(lambda value: not rule.allows(value)))
    if rule.high is not None:
        above = st.integers(min_value=math.floor(rule.high) + 1) if integer else st.floats(min_value=rule.high)
        drawn.append(above.filter(lambda value: not rule.allows(value)))
    return drawn


def _misspelt(choices: tuple[Any, ...]) -> st.SearchStrategy[str]:
    words = st.sampled_from([str(choice) for choice in choices])
    return st.one_of(words.map(str.upper), words.map(lambda word: word + "x"), words.map(lambda word: word[1:]))


def values_for(field: Any) -> st.SearchStrategy[Any]:
    """Values a user might give ``field``: mostly wrong for it, some right (the oracle tells them apart)."""
    options, rules = _options(field.final_type), rules_of(field)
    drawn: list[st.SearchStrategy[Any]] = [st.sampled_from([[1, 2], {"a": 1}, (), b"\x00\xff"])]
    if int in options or float in options:
        integer = float not in options
        drawn += [
            st.sampled_from([math.nan, math.inf, -math.inf, -1, 0, 10**400, -(10**400), 1e308, True, "12", "abc"]),
            st.integers() if integer else st.floats(),
        ]
        for rule in rules:
            drawn += _past_bounds(rule, integer)
    if str in options:
        drawn += [st.sampled_from(["", " ", "\t\n", "\x00", "x" * 5000, 7, 2.5]), st.text(max_size=40)]
    for rule in rules:
        if rule.choices:
            drawn.append(_misspelt(rule.choices))
        if rule.test is not None:
            drawn.append(st.sampled_from(["(", "[a-", "*", "rewards.py", ":score", "a b", "ray://", "http://"]))
    if isinstance(field.meta_factory, PluginFactory):  # a component: named by a user
        drawn += [_misspelt(tuple(get_manager().names(field.meta_factory.kind.name))), st.text(max_size=20)]
    if bool in options:
        drawn.append(st.sampled_from(["maybe", 2, -1, "yes please"]))
    if any(typing.get_origin(option) in (tuple, dict) for option in options):
        drawn.append(st.sampled_from(["not a tuple", 3, [None], [[]], {"": None}, [("", -1.0)]]))
    return st.one_of(drawn)


def as_text(value: Any) -> str:
    """How a user would type ``value`` on the command line."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list | tuple | dict):
        return repr(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


# --- the oracle --------------------------------------------------------------------------------------


@contextlib.contextmanager
def hang_limit(seconds: int = CASE_SECONDS) -> Iterator[None]:
    """Fail a case that takes longer than ``seconds`` instead of waiting forever."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def names_the_field(message: str, target: Target) -> bool:
    """Whether ``message`` names the field, as written (``stop_condition``) or in words (``stop condition``)."""
    names = {target.name, target.name.replace("_", " ")}
    return any(re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", message) for name in names)


def check_accepted(target: Target, held: Any) -> None:
    """A value that was accepted follows every rule of its field and is a finite number where it is one."""
    if held is None:
        return
    for rule in rules_of(target.field):
        assert rule.allows(held), f"{target} accepted {held!r}, which is not {rule.requirement}"
    if isinstance(held, float):
        assert math.isfinite(held), f"{target} accepted {held!r}"


def held_value(built: Any, target: Target) -> Any:
    """The value a built config (or component) holds for ``target``."""
    owner = built
    for part in target.path.split(".")[:-1]:
        if target.kind in BUILT_BY_NAME:
            break
        owner = getattr(owner, part)
    return getattr(owner, target.name)


def build_through_api(target: Target, value: Any) -> Any:
    """Set ``target`` to ``value`` the way the Python API does: the built object holding it."""
    params = {**dict(target.required), target.name: value}
    if target.kind is None and target.path.startswith("llm."):
        return Tinkerer().evolve_config(goal="x", llm_params={target.name: value})
    if target.kind is None:
        return Tinkerer().evolve_config(**{"goal": "x", target.name: value})
    if target.kind in EVOLVE_KINDS:
        parameter = EVOLVE_KINDS[target.kind][1]
        return Tinkerer().evolve_config(goal="x", **{parameter: target.component, f"{parameter}_params": params})
    if target.kind == "trainer":
        return make_config(TrainConfig, [component_values("trainer", target.component, params)])
    return create_component(target.kind, target.component or "", params)


def command_line(target: Target, text: str) -> list[str] | None:
    """``tinkerer evolve/train ... --dry-run`` setting ``target`` to ``text``; None where no command sets it."""
    if target.kind in BUILT_BY_NAME or any(not isinstance(value, str | int | float) for _, value in target.required):
        return None
    command = ["train"] if target.kind == "trainer" else ["evolve", "goal=x"]
    prefix = target.path.rsplit(".", 1)[0] if "." in target.path else None
    chosen = [f"{prefix}={target.component}"] if target.component else []
    others = [f"{prefix}.{key}={value}" for key, value in target.required]
    return [*command, *chosen, *others, f"{target.path}={text}", "--dry-run"]


@pytest.mark.parametrize("target", TARGETS, ids=str)
@GENERATED
@given(data=st.data())
def test_a_value_set_through_the_api_is_refused_by_name_or_follows_the_rules(target: Target, data: Any) -> None:
    value = data.draw(values_for(target.field), label=target.path)
    with hang_limit():
        try:
            built = build_through_api(target, value)
        except TinkererError as error:
            assert names_the_field(str(error), target), f"{target}={value!r}: the error does not name it: {error}"
            return
    check_accepted(target, held_value(built, target))


@pytest.mark.parametrize("target", [target for target in TARGETS if command_line(target, "") is not None], ids=str)
@GENERATED
@given(data=st.data())
def test_a_value_typed_on_the_command_line_is_refused_by_name_or_follows_the_rules(
    target: Target, data: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    text = as_text(data.draw(values_for(target.field), label=target.path))
    argv = command_line(target, text)
    assert argv is not None
    with hang_limit():
        code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "this is a bug" not in err, err
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        error = err[err.find("error: ") :]  # after the warnings, if any
        assert error.startswith("error: ") and names_the_field(error, target), (argv, err)
        return
    cls = TrainConfig if target.kind == "trainer" else EvolveConfig
    check_accepted(target, held_value(make_config(cls, [], argv[1:-1]), target))


def test_the_schema_covers_every_kind_and_the_cases_are_many() -> None:
    kinds = {target.kind for target in TARGETS}
    assert {None, *EVOLVE_KINDS, "trainer", *BUILT_BY_NAME} <= kinds
    assert len(TARGETS) * CASES_PER_FIELD >= 2000, len(TARGETS)


# --- the command line's subcommands ------------------------------------------------------------------


def leaf_commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command that runs something (``evolve``, ``aider setup``, ``tinker-local serve`` ...) and its parser."""
    nested = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if prefix and not nested:
        yield prefix, parser
    for action in nested:
        for name, subparser in action.choices.items():
            yield from leaf_commands(subparser, (*prefix, name))


LEAVES = list(leaf_commands(build_parser()))


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``tinkerer ARGV`` in-process: its exit code (argparse's own exit included) and what it printed to stderr."""
    with hang_limit():
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "this is a bug" not in err, err
    return code, err


def _takes_input(parser: argparse.ArgumentParser) -> bool:
    """Whether the command needs something to work on: a positional argument (``evolve``'s config and
    overrides too: without them there is no goal), or a required option. Without one it would just run."""
    return any(not action.option_strings or action.required for action in parser._actions) or any(
        group.required for group in parser._mutually_exclusive_groups
    )


@pytest.mark.parametrize("command", [command for command, parser in LEAVES if _takes_input(parser)], ids=" ".join)
def test_a_command_without_its_required_arguments_exits_2_naming_them(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli(list(command), capsys)
    assert code == 2 and "required" in err, err


@pytest.mark.parametrize("command", [command for command, _ in LEAVES], ids=" ".join)
def test_an_option_that_does_not_exist_exits_2_naming_it(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli([*command, "--no-such-option"], capsys)
    assert code == 2, err
    assert "--no-such-option" in err or "required" in err, err


def _refused(action: argparse.Action, text: str) -> bool:
    """Whether the option's own parser refuses ``text``."""
    convert: Callable[[str], Any] = action.type if callable(action.type) else str
    try:
        value = convert(text)
    except (ValueError, TypeError, argparse.ArgumentTypeError):
        return True
    return action.choices is not None and value not in action.choices


OPTIONS = [
    (command, action)
    for command, parser in LEAVES
    for action in parser._actions
    if action.option_strings and action.nargs is None and (callable(action.type) or action.choices)
]
TEXTS = st.one_of(
    st.sampled_from(["", "nan", "inf", "-1", "0", "99999", "1e999", "abc", "-0.5", "1.5", " 8", "0x10"]), st.text()
)


@pytest.mark.parametrize("command, action", OPTIONS, ids=lambda item: " ".join(item) if isinstance(item, tuple) else "")
@GENERATED
@given(text=TEXTS)
def test_a_value_an_option_refuses_exits_2_naming_the_option(
    command: tuple[str, ...], action: argparse.Action, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not _refused(action, text):  # an accepted value would run the command
        return
    option = action.option_strings[-1]
    code, err = run_cli([*command, f"{option}={text}"], capsys)
    assert code == 2 and option in err, err


def test_every_command_and_option_is_covered() -> None:
    names = {" ".join(command) for command, _ in LEAVES}
    assert {"evolve", "resume", "train", "deploy", "learn", "runs"} <= names
    assert len(OPTIONS) >= 10, [(" ".join(command), action.option_strings) for command, action in OPTIONS]
