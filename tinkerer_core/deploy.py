"""Choosing a deployer for a solution: the named strategy, or AUTO with the reasons for its pick."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tinkerer_core.config import create_component
from tinkerer_core.errors import ConfigError, MissingPluginError, UnknownComponentError
from tinkerer_core.plugins import get_manager
from tinkerer_core.types import DeployStrategy, Direction, Solution
from tinkerer_core.workspace_files import read_file_text

PACKAGES = {
    "local": "tinkerer-plugin-deploy-local",
    "docker": "tinkerer-plugin-docker",
    "modal": "tinkerer-plugin-modal",
}
AUTO_ORDER = ("local", "docker", "modal")


@dataclass(frozen=True)
class DeployPlan:
    """The deployer chosen for a solution, why, and why each other candidate was passed over."""

    deployer: str
    reason: str
    passed_over: tuple[tuple[str, str], ...] = field(default=())

    def __str__(self) -> str:
        skipped = "".join(f"; not {name}: {why}" for name, why in self.passed_over)
        return f"{self.deployer}: {self.reason}{skipped}"


def as_solution(solution: Solution | str | Path) -> Solution:
    """``solution`` itself, or a ``Solution`` for a directory holding one (no score, no run)."""
    if isinstance(solution, Solution):
        return solution
    path = Path(solution).resolve()
    if not path.is_dir():
        raise ConfigError(f"cannot deploy {str(solution)!r}: no such solution directory")
    return Solution(
        goal="",
        path=path,
        score=None,
        direction=Direction.MAXIMIZE,
        experiment_id=None,
        lineage=(),
        cost=0.0,
        run_dir=path,
        iterations=0,
    )


def plan_deploy(solution: Solution, strategy: DeployStrategy | str) -> DeployPlan:
    """The deployer ``strategy`` names (a ``DeployStrategy`` or the name of any installed deployer); for AUTO
    the first candidate whose ``supports`` says yes."""
    manager = get_manager()
    name = str(strategy)
    if name != DeployStrategy.AUTO:
        try:
            deployer = create_component("deployer", name)
        except UnknownComponentError as error:
            if name not in PACKAGES:
                raise
            raise MissingPluginError(f"{error}. Install it: pip install {PACKAGES[name]}") from None
        supported, why = deployer.supports(solution)
        return DeployPlan(name, why if supported else f"asked for, although: {why}")
    installed = manager.names("deployer")
    if not installed:
        raise MissingPluginError(f"deploy needs a deployer plugin; none is installed: pip install {PACKAGES['local']}")
    declared = declared_strategy(solution.path)
    order = [declared] if declared in installed else []
    order += [name for name in (*AUTO_ORDER, *sorted(installed)) if name in installed and name not in order]
    passed_over: list[tuple[str, str]] = []
    for name in order:
        supported, why = create_component("deployer", name).supports(solution)
        if supported:
            reason = f"the solution asks for it ({why})" if name == declared else why
            return DeployPlan(name, reason, tuple(passed_over))
        passed_over.append((name, why))
    reasons = "; ".join(f"{name}: {why}" for name, why in passed_over)
    raise MissingPluginError(f"no installed deployer supports this solution: {reasons}")


def declared_strategy(solution_dir: Path) -> str | None:
    """The strategy a solution's ``tinkerer.toml`` names under ``[deploy]``, if any."""
    path = Path(solution_dir) / "tinkerer.toml"
    try:
        return tomllib.loads(read_file_text(path) or "").get("deploy", {}).get("strategy")
    except (OSError, tomllib.TOMLDecodeError):
        return None
