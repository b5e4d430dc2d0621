"""The Python API: ``Tinkerer(...).evolve / learn / research / index_kg / train / deploy``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core.components import KnowledgeBackend, TrainResult
from tinkerer_core.config import component_values, create_component, make_config
from tinkerer_core.deploy import DeployPlan, as_solution, plan_deploy
from tinkerer_core.errors import ConfigError, MissingPluginError
from tinkerer_core.gateway import lazy_llm
from tinkerer_core.llm import LLMConfig, LLMLedger
from tinkerer_core.plugins import get_manager
from tinkerer_core.types import DeployStrategy, Software, Solution, Source

if TYPE_CHECKING:
    from tinkerer_core.evolve_config import EvolveConfig
    from tinkerer_core.knowledge.pipeline import PipelineResult


def _mapping(name: str, value: Any) -> Mapping[str, Any]:
    """``value`` (None: empty) when it is a mapping; else a ``ConfigError`` naming the parameter and what it got."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{name} must be a dict of field: value (e.g. {{'name': ...}}), got {type(value).__name__} {value!r}"
        )
    return value


def _require(kind: str, purpose: str, package: str) -> None:
    if not get_manager().names(kind):
        raise MissingPluginError(
            f"{purpose} needs a {kind.replace('_', ' ')} plugin; none is installed: pip install {package}"
        )


EMPTY_SOURCE = "an empty source: give a repo directory or URL, a file, or a .pdf (`.` for the current folder)"


def check_sources(sources: tuple[Any, ...]) -> None:
    """Refuse no source at all, and an empty one (a blank string, ``Source.Repo("")`` ...), which would learn
    whatever the current folder holds."""
    if not sources:
        raise ConfigError(f"learn needs at least one source: {EMPTY_SOURCE.partition(': ')[2]}")
    for source in sources:
        location = _location(source)
        if location is not None and not location.strip():
            raise ConfigError(f"cannot learn from {source!r}, {EMPTY_SOURCE}")


def _location(source: Any) -> str | None:
    """Where a source is read from (a path or URL); None for sources that carry their content."""
    if isinstance(source, str):
        return source
    if isinstance(source, Source.Repo):
        return source.url
    if isinstance(source, Source.File):
        return source.path
    if isinstance(source, Source.Paper):
        return source.location
    return None


def config_file_values(config_file: str, cls: type) -> dict[str, Any]:
    """The values a config file's ``config`` sets (a ``cls`` instance or a dict of fields), as a layer for
    ``make_config``; the file is imported, so the plugins it registers are in. ``tinkerer evolve CONFIG a.b=c``
    builds ``make_config(EvolveConfig, [config_file_values(CONFIG, EvolveConfig)], ["a.b=c"])``."""
    import chz

    from tinkerer_core.engine.persist import import_config_file

    config = getattr(import_config_file(config_file), "config", None)
    if config is None:
        raise ConfigError(f"{config_file} defines no `config`: set `config = {cls.__name__}(...)` or a dict of fields")
    return dict(config) if isinstance(config, dict) else chz.beta_to_blueprint_values(config, skip_defaults=True)


class Tinkerer:
    """Learn, experiment, build, ship and train, composed from the installed plugins."""

    def __init__(self, kg_index: str | None = None, config_path: str | None = None) -> None:
        self.kg_index = kg_index
        self.config_path = config_path
        self._knowledge: KnowledgeBackend | None = None
        if kg_index is not None:
            from tinkerer_core.knowledge.index_file import read_index

            read_index(Path(kg_index))

    @property
    def knowledge(self) -> KnowledgeBackend | None:
        """The knowledge backend of ``kg_index`` (opened on first use), or None without one."""
        if self._knowledge is None and self.kg_index is not None:
            from tinkerer_core.knowledge.index_file import open_index

            self._knowledge = open_index(Path(self.kg_index))
        return self._knowledge

    def evolve_config(
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
        executor: str | None = None,
        executor_params: Mapping[str, Any] | None = None,
        max_iterations: int = 10,
        data_dir: str | None = None,
        additional_context: str = "",
        **options: Any,
    ) -> EvolveConfig:
        """The ``EvolveConfig`` that ``evolve`` with the same arguments runs, built and checked, nothing started.

        Every component is constructed, so every bad value is reported here (``ConfigError``).
        """
        from tinkerer_core.evolve_config import EvolveConfig

        values: dict[str, Any] = {
            "goal": goal,
            "output_path": output_path,
            "max_iterations": max_iterations,
            "data_dir": data_dir,
            "additional_context": additional_context,
        }
        values.update(component_values("evaluator", evaluator, _mapping("evaluator_params", evaluator_params)))
        values.update(
            component_values("stop_condition", stop_condition, _mapping("stop_condition_params", stop_condition_params))
        )
        values.update(
            component_values(
                "search_strategy", search_strategy, _mapping("search_strategy_params", search_strategy_params)
            )
        )
        values.update(
            component_values("coding_agent", coding_agent, _mapping("coding_agent_params", coding_agent_params))
        )
        values.update(component_values("executor", executor, _mapping("executor_params", executor_params)))
        for key, value in _mapping("llm_params", options.pop("llm_params", None)).items():
            values[f"llm.{key}"] = value
        if self.kg_index is not None:
            values["kg_index"] = self.kg_index
        values.update(options)
        return make_config(EvolveConfig, [values])

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
        executor: str | None = None,
        executor_params: Mapping[str, Any] | None = None,
        max_iterations: int = 10,
        data_dir: str | None = None,
        additional_context: str = "",
        **options: Any,
    ) -> Solution:
        """Run experiments toward ``goal`` and return the best solution, checked out at ``output_path``.

        ``options`` are any other ``EvolveConfig`` fields (``direction="minimize"``, ``workers=2``,
        ``command=...``); ``llm_params={"model": ...}`` sets fields of the LLM config.
        ``executor="ray", executor_params={"address": "ray://head:10001"}`` runs experiments on a cluster.
        ``evolve_config`` with the same arguments returns the config this runs, without running it.
        """
        config = self.evolve_config(
            goal,
            output_path,
            evaluator=evaluator,
            evaluator_params=evaluator_params,
            stop_condition=stop_condition,
            stop_condition_params=stop_condition_params,
            search_strategy=search_strategy,
            search_strategy_params=search_strategy_params,
            coding_agent=coding_agent,
            coding_agent_params=coding_agent_params,
            executor=executor,
            executor_params=executor_params,
            max_iterations=max_iterations,
            data_dir=data_dir,
            additional_context=additional_context,
            **options,
        )
        return self.run(config)

    def run(self, config: EvolveConfig, config_file: str | None = None) -> Solution:
        """Run an ``EvolveConfig`` built beforehand (by ``evolve_config``, ``make_config``, in code) to its end;
        ``config_file``, the file it came from, is imported again when the run is resumed."""
        from tinkerer_core.engine.run import EvolveRun

        return EvolveRun.start(config, config_file).run()

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

        ``strategy`` is a ``DeployStrategy`` or the name of any installed deployer (``tinkerer list deployers``);
        ``deployer_params`` set fields of the chosen deployer (``{"port": 8000}`` for ``local``).

        AUTO takes the solution's own choice (``[deploy] strategy`` in its ``tinkerer.toml``) when it
        names one, else the first of local, docker, modal (then any other installed deployer) that
        supports it; ``plan_deploy`` says which and why.
        """
        _mapping("deployer_params", deployer_params)
        solution = as_solution(solution)
        name = self.plan_deploy(solution, strategy).deployer
        return create_component("deployer", name, _mapping("deployer_params", deployer_params)).deploy(solution)

    def plan_deploy(
        self, solution: Solution | str | Path, strategy: DeployStrategy | str = DeployStrategy.AUTO
    ) -> DeployPlan:
        """Which deployer ``deploy`` would use for ``solution`` and why, with the reasons others were passed over."""
        return plan_deploy(as_solution(solution), strategy)

    def learn(
        self,
        *sources: Any,
        wiki_dir: str = "data/wikis",
        backend: str = "kg_sqlite",
        backend_params: Mapping[str, Any] | None = None,
        skip_merge: bool = False,
        llm_params: Mapping[str, Any] | None = None,
    ) -> PipelineResult:
        """Turn sources (``Source.Repo``, ``Source.File``, ``Source.Paper``, ``Source.Solution``, a research
        result) into wiki pages under ``wiki_dir`` and merge them into the loaded ``kg_index``'s backend,
        else into ``backend`` (the embedded ``kg_sqlite`` by default)."""
        from tinkerer_core.knowledge.pipeline import KnowledgePipeline

        check_sources(sources)
        backend_params, llm_params = _mapping("backend_params", backend_params), _mapping("llm_params", llm_params)
        target = None
        if not skip_merge:
            _require("knowledge_backend", "learn", "tinkerer-plugin-knowledge-sqlite")
            target = self.knowledge or create_component("knowledge_backend", backend, backend_params)
        llm = lazy_llm(make_config(LLMConfig, [dict(llm_params)]), LLMLedger())
        return KnowledgePipeline(wiki_dir, target, llm).run(*sources, skip_merge=skip_merge)

    def research(
        self,
        query: str,
        mode: str = "both",
        depth: str = "light",
        llm_params: Mapping[str, Any] | None = None,
        *,
        provider: str | None = None,
        provider_params: Mapping[str, Any] | None = None,
    ) -> Source.Research:
        """Research ``query`` from the web, the loaded knowledge and the model, into a report whose findings cite
        their URLs; with a ``kg_index`` loaded, the report is added to its knowledge base.

        ``provider`` names the web search provider (``ddgs``, ``tavily``, ``brave``, ``openai`` ...; ``"none"``:
        no web search); None takes the first that can search here. ``provider_params`` set its fields.
        """
        from tinkerer_core.knowledge.research import research
        from tinkerer_core.knowledge.sources import research_pages
        from tinkerer_core.knowledge.web_sources import choose_provider

        llm_config = make_config(LLMConfig, [dict(_mapping("llm_params", llm_params))])
        web = choose_provider(provider, _mapping("provider_params", provider_params))
        result = research(query, mode, depth, self.knowledge, lazy_llm(llm_config, LLMLedger()), web)
        if self.knowledge is not None:
            self.knowledge.index(research_pages(result))
        return result

    def index_kg(
        self,
        wiki_dir: str | None = None,
        data_path: str | None = None,
        save_to: str | None = None,
        search_type: str | None = None,
        force: bool = False,
        backend_params: Mapping[str, Any] | None = None,
    ) -> Path:
        """Index wiki pages (``wiki_dir``) or a JSON graph (``data_path``) into a knowledge backend
        (``search_type``, default ``kg_sqlite``) and write the ``.index`` file that reopens it."""
        from tinkerer_core.knowledge.graph_json import graph_pages
        from tinkerer_core.knowledge.index_file import write_index
        from tinkerer_core.knowledge.wiki import read_wiki

        if (wiki_dir is None) == (data_path is None):
            raise ConfigError("index_kg needs exactly one of wiki_dir (wiki pages) or data_path (a JSON graph)")
        backend_params = _mapping("backend_params", backend_params)
        _require("knowledge_backend", "index_kg", "tinkerer-plugin-knowledge-sqlite")
        name = search_type or "kg_sqlite"
        pages = read_wiki(Path(wiki_dir)) if wiki_dir is not None else graph_pages(Path(data_path or ""))
        backend = create_component("knowledge_backend", name, backend_params)
        if force:
            backend.clear()
        backend.index(pages)
        source = str(Path(wiki_dir or data_path or "").resolve())
        save_to = save_to or f"data/indexes/{Path(source).stem or 'knowledge'}.index"
        path = write_index(Path(save_to), name, backend, source)
        backend.close()
        self.kg_index, self._knowledge = str(path), None
        return path

    def train(self, trainer: str = "tinker_sft", run_dir: str | None = None, **params: Any) -> TrainResult:
        """Train with the named trainer (``tinker_sft``, ``tinker_grpo``, ``eval_driven`` ...) and its parameters.

        An existing ``run_dir`` resumes from its last checkpoint.
        """
        from tinkerer_core.training import TrainConfig

        _require("trainer", "train", "tinkerer-plugin-tinker")
        config = make_config(TrainConfig, [{"run_dir": run_dir, **component_values("trainer", trainer, params)}])
        return config.run()
