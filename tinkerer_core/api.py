"""The Python API: ``Tinkerer(...).evolve / learn / research / index_kg / train / deploy``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tinkerer_core.config import component_values, make_config
from tinkerer_core.deploy import DeployPlan, as_solution, plan_deploy
from tinkerer_core.errors import MissingPluginError
from tinkerer_core.plugins import get_manager
from tinkerer_core.types import DeployStrategy, Software, Solution, Source


def _require(kind: str, purpose: str, package: str) -> None:
    if not get_manager().names(kind):
        raise MissingPluginError(
            f"{purpose} needs a {kind.replace('_', ' ')} plugin; none is installed: pip install {package}"
        )


class Tinkerer:
    """Learn, experiment, build, ship and train, composed from the installed plugins."""

    def __init__(self, kg_index: str | None = None, config_path: str | None = None) -> None:
        self.kg_index = kg_index
        self.config_path = config_path
        if kg_index is not None and not Path(kg_index).is_file():
            raise MissingPluginError(f"kg_index {kg_index!r} does not exist; create it with Tinkerer().index_kg(...)")

    def evolve(
        self,
        goal: str,
        output_path: str | None = None,
        *,
        evaluator: str | None = None,
        evaluator_params: Mapping[str, Any] | None = None,
        stop_condition: str | None = None,
        stop_condition_params: Mapping[str, Any] | None = None,
        search_strategy: str | None = None,
        search_strategy_params: Mapping[str, Any] | None = None,
        coding_agent: str | None = None,
        coding_agent_params: Mapping[str, Any] | None = None,
        max_iterations: int = 10,
        data_dir: str | None = None,
        additional_context: str = "",
        **options: Any,
    ) -> Solution:
        """Run experiments toward ``goal`` and return the best solution, checked out at ``output_path``.

        ``options`` are any other ``EvolveConfig`` fields (``direction="minimize"``, ``workers=2``,
        ``command=...``); ``llm_params={"model": ...}`` sets fields of the LLM config.
        """
        from tinkerer_core.engine.config import EvolveConfig
        from tinkerer_core.engine.run import EvolveRun

        values: dict[str, Any] = {
            "goal": goal,
            "output_path": output_path,
            "max_iterations": max_iterations,
            "data_dir": data_dir,
            "additional_context": additional_context,
        }
        values.update(component_values("evaluator", evaluator, evaluator_params))
        values.update(component_values("stop", stop_condition, stop_condition_params))
        values.update(component_values("search", search_strategy, search_strategy_params))
        values.update(component_values("agent", coding_agent, coding_agent_params))
        for key, value in (options.pop("llm_params", None) or {}).items():
            values[f"llm.{key}"] = value
        values.update(options)
        config = make_config(EvolveConfig, [values])
        return EvolveRun.start(config).run()

    def resume(self, run_dir: str) -> Solution:
        """Continue a run that was killed or interrupted; finished experiments are kept."""
        from tinkerer_core.engine.run import EvolveRun

        return EvolveRun.resume(Path(run_dir)).run()

    def deploy(
        self,
        solution: Solution | str | Path,
        strategy: DeployStrategy | str = DeployStrategy.AUTO,
        deployer_params: Mapping[str, Any] | None = None,
    ) -> Software:
        """Deploy ``solution`` (a ``Solution`` or its directory) and return it started.

        ``deployer_params`` set fields of the chosen deployer (``{"port": 8000}`` for ``local``).

        AUTO takes the solution's own choice (``[deploy] strategy`` in its ``tinkerer.toml``) when it
        names one, else the first of local, docker, modal (then any other installed deployer) that
        supports it; ``plan_deploy`` says which and why.
        """
        solution = as_solution(solution)
        name = self.plan_deploy(solution, strategy).deployer
        return get_manager().create("deployer", name, deployer_params).deploy(solution)

    def plan_deploy(
        self, solution: Solution | str | Path, strategy: DeployStrategy | str = DeployStrategy.AUTO
    ) -> DeployPlan:
        """Which deployer ``deploy`` would use for ``solution`` and why, with the reasons others were passed over."""
        return plan_deploy(as_solution(solution), DeployStrategy(strategy))

    def learn(self, *sources: Any, wiki_dir: str = "data/wikis") -> Any:
        """Turn sources (``Source.Repo``, ``Source.File``, ...) into wiki pages and index them."""
        _require("knowledge_backend", "learn", "tinkerer-plugin-knowledge-sqlite")
        raise MissingPluginError("learn needs the knowledge pipeline, which is not installed yet")

    def research(self, query: str, mode: str = "both", depth: str = "light") -> Source.Research:
        """Research ``query`` and return a ``Source.Research`` report."""
        _require("knowledge_backend", "research", "tinkerer-plugin-knowledge-sqlite")
        raise MissingPluginError("research needs the knowledge pipeline, which is not installed yet")

    def index_kg(
        self,
        wiki_dir: str | None = None,
        data_path: str | None = None,
        save_to: str | None = None,
        search_type: str | None = None,
        force: bool = False,
    ) -> Path:
        """Index wiki pages or a JSON graph into the knowledge backend and write a ``.index`` file."""
        _require("knowledge_backend", "index_kg", "tinkerer-plugin-knowledge-sqlite")
        raise MissingPluginError("index_kg needs the knowledge pipeline, which is not installed yet")

    def train(self, trainer: str = "tinker", run_dir: str | None = None, **params: Any) -> Any:
        """Train with the named trainer plugin."""
        _require("trainer", "train", "tinkerer-plugin-tinker")
        component = get_manager().create("trainer", trainer, params)
        return component.train(Path(run_dir or "runs/train"))
