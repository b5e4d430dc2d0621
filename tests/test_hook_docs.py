"""Docs that cannot rot: every hook is documented with its exact signature, and vice versa.

After datasette's ``test_plugin_hooks_are_documented``: the headings of ``docs/hooks.md`` are
compared with the hook specifications pluggy holds, and the plugin guide quotes the tested plugin.
"""

from __future__ import annotations

import re
from pathlib import Path

import pluggy
import pytest

from tinkerer_core import ExecutorSession, ExperimentJob, hookspecs
from tinkerer_core.kinds import KINDS, Kind
from tinkerer_core.plugins import PluginManager

HOOKS_MD = Path(__file__).parent.parent / "docs" / "hooks.md"
HEADING = re.compile(r"^### (tinkerer_\w+)\((.*)\)$", re.MULTILINE)


def hook_specs() -> dict[str, pluggy.HookCaller]:
    """Every hook specification, by name, as the plugin manager sees them."""
    relay = PluginManager(load_entry_points=False).hooks.hook
    return {name: caller for name, caller in vars(relay).items() if isinstance(caller, pluggy.HookCaller)}


def documented() -> dict[str, str]:
    """Every hook heading in docs/hooks.md: name -> argument list as written."""
    return dict(HEADING.findall(HOOKS_MD.read_text()))


def sections() -> dict[str, str]:
    """The text of each hook's section, heading excluded."""
    parts = HEADING.split(HOOKS_MD.read_text())
    return {name: body for name, _args, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True)}


def test_hookspecs_module_defines_the_hooks_the_manager_knows() -> None:
    defined = {name for name in vars(hookspecs) if name.startswith("tinkerer_")}
    assert set(hook_specs()) == defined


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_is_documented_with_its_signature(name: str) -> None:
    spec = hook_specs()[name].spec
    assert spec is not None
    assert documented().get(name) == ", ".join(spec.argnames), (
        f"docs/hooks.md needs a heading `### {name}({', '.join(spec.argnames)})`"
    )


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_has_a_docstring(name: str) -> None:
    spec = hook_specs()[name].spec
    assert spec is not None
    assert (spec.function.__doc__ or "").strip(), f"{name} in tinkerer_core/hookspecs.py needs a docstring"


# what a plugin of a kind implements or is handed, beside the kind's interface
CALLED_WITH = {"executor": (ExecutorSession, ExperimentJob)}


@pytest.mark.parametrize("kind", KINDS.values(), ids=lambda kind: kind.name)
def test_every_method_of_a_kinds_interfaces_is_named_in_its_hook_section(kind: Kind) -> None:
    section = sections()[kind.hook]
    for interface in (kind.interface, *CALLED_WITH.get(kind.name, ())):
        members = [
            name
            for name, member in vars(interface).items()
            if not name.startswith("_") and (callable(member) or isinstance(member, property))
        ]
        missing = [name for name in members if not re.search(rf"[`.]{name}[`(]", section)]
        assert missing == [], f"docs/hooks.md's {kind.hook} section does not name {interface.__name__}.{missing}"


def test_every_documented_hook_exists() -> None:
    assert set(documented()) - set(hook_specs()) == set()


def test_first_result_hooks_say_so() -> None:
    for name, caller in hook_specs().items():
        assert caller.spec is not None
        says_so = "first non-None result wins" in sections().get(name, "")
        assert says_so == bool(caller.spec.opts.get("firstresult")), name


@pytest.mark.parametrize("path", ["pyproject.toml", "src/tinkerer_plugin_hello/plugin.py"])
def test_plugin_guide_shows_the_tested_plugin_as_it_is(path: str) -> None:
    source = (Path(__file__).parent / "fixtures" / "tinkerer-plugin-hello" / path).read_text()
    assert source in (HOOKS_MD.parent / "plugins.md").read_text(), f"docs/plugins.md must quote {path} verbatim"
