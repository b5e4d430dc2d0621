"""The evolve run's configuration."""

from __future__ import annotations

from typing import ClassVar

import chz

from tinkerer_core.components import CodingAgent, Evaluator, Executor, SearchStrategy, StopCondition
from tinkerer_core.config import component_field
from tinkerer_core.llm import LLMConfig
from tinkerer_core.types import Direction
from tinkerer_core.validation import a_path, at_least, between, env_names, not_empty, one_of, positive


@chz.chz
class EvolveConfig:
    """Everything an evolve run needs: the goal, the components, the budget and the limits."""

    # the fields of components are named by their kind; the old spellings are still read, with a hint
    renamed_fields: ClassVar[dict[str, str]] = {
        "agent": "coding_agent",
        "stop": "stop_condition",
        "search": "search_strategy",
    }

    goal: str = chz.field(validator=not_empty(), doc="what the solution must achieve")
    output_path: str | None = chz.field(default=None, validator=a_path(), doc="where the best solution is checked out")
    run_dir: str | None = chz.field(
        default=None, validator=a_path(), doc="the run directory (default: runs/<time>-<goal>)"
    )
    direction: Direction = chz.field(default=Direction.MAXIMIZE, doc="maximize or minimize the score")
    max_iterations: int = chz.field(default=10, validator=at_least(1), doc="experiments to run at most")
    workers: int = chz.field(
        default=1, validator=at_least(1), doc="experiments run at once by the local executor, each in its own process"
    )
    command: str = chz.field(
        default="python main.py", validator=not_empty(), doc="how a solution is run in its workspace"
    )
    timeout_s: float = chz.field(
        default=600.0, validator=positive(), doc="wall-clock limit of one run; the process group is killed"
    )
    memory_mb: int | None = chz.field(
        default=4096, validator=between(1, 10**9), doc="address-space cap of one run, in MB (None: no cap)"
    )
    output_chars: int = chz.field(default=200_000, validator=at_least(1), doc="output kept per run: head and tail")
    debug_attempts: int | None = chz.field(
        default=None,
        validator=at_least(0),
        doc="debug attempts after a failed run (None: the search strategy's, else 2)",
    )
    pass_env: tuple[str, ...] = chz.field(
        default=(), validator=env_names(), doc="secret variables passed to solutions anyway"
    )
    starting_repo: str | None = chz.field(
        default=None, validator=a_path(), doc="a directory the first solutions start from"
    )
    data_dir: str | None = chz.field(default=None, validator=a_path(), doc="data available to solutions as ./data")
    data_mode: str = chz.field(
        default="link", validator=one_of("link", "copy"), doc="link (read in place) or copy data_dir"
    )
    main_file: str = chz.field(default="main.py", validator=not_empty(), doc="the file the agent focuses on")
    max_commit_file_mb: float | None = chz.field(
        default=10.0,
        validator=positive(),
        doc="files larger than this stay out of experiments' commits (listed in the commit message, "
        "copied to output_path from the best worktree); None: commit everything",
    )
    additional_context: str = chz.field(default="", doc="extra context given to the agent")
    kg_index: str | None = chz.field(
        default=None, validator=a_path(), doc="a .index file: knowledge retrieved for every experiment"
    )
    knowledge_top_k: int = chz.field(default=4, validator=at_least(1), doc="knowledge pages retrieved per experiment")
    seed: int = chz.field(default=0, validator=at_least(0), doc="seed of every random choice")
    evaluator: Evaluator = component_field(
        "evaluator", "no_score", "how solutions are scored", provided_by="tinkerer-plugin-evaluators"
    )
    stop_condition: StopCondition = component_field(
        "stop_condition", "never", "when the run ends early", provided_by="tinkerer-plugin-stop-conditions"
    )
    search_strategy: SearchStrategy = component_field(
        "search_strategy", "linear_search", "what to try next", provided_by="tinkerer-plugin-search"
    )
    coding_agent: CodingAgent = component_field(
        "coding_agent", "llm_edit", "who writes the code", provided_by="tinkerer-plugin-litellm"
    )
    executor: Executor = component_field(
        "executor", "local", "where experiments run (local processes, ray)", provided_by="tinkerer-core"
    )
    llm: LLMConfig = chz.field(default_factory=LLMConfig, doc="the model used by every LLM-driven component")
