"""The interfaces of Tinkerer's component kinds and the contexts they are called with.

A plugin implements a component as a frozen ``@chz.chz`` class that subclasses one of these
interfaces: its fields are its parameters (settable from config and the command line), its
methods do the work. Heavy imports belong inside methods, so listing plugins stays fast.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core.types import (
    Checkpoint,
    Direction,
    Evaluation,
    Experiment,
    RunResult,
    Software,
    Solution,
    best_experiment,
)

if TYPE_CHECKING:  # only names for annotations: importing the interfaces stays light
    from concurrent.futures import Future

    from tinkerer_core.llm import LLM, Completion
    from tinkerer_core.runner import CommandRunner
    from tinkerer_core.shipping import Changes


# --- evaluators -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationContext:
    """Everything an evaluator may look at: the goal, the run's result and its workspace."""

    goal: str
    result: RunResult
    workspace: Path
    direction: Direction = Direction.MAXIMIZE
    llm: LLM | None = None


class Evaluator(ABC):
    """Scores the result of running a solution."""

    @abstractmethod
    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        """Return a score (None when there is none) and feedback that says why."""


# --- stop conditions -------------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    """What a stop condition sees after every experiment."""

    iteration: int  # experiments finished so far, of the max_iterations (the baseline is not one)
    elapsed_s: float
    total_cost: float
    scores: Sequence[float | None]  # one per finished experiment, in order
    consecutive_errors: int
    direction: Direction = Direction.MAXIMIZE
    llm_calls: int = 0  # LLM calls the run has made so far (agents, search, judges)

    @property
    def best_score(self) -> float | None:
        return self.direction.best(self.scores)


@dataclass(frozen=True)
class StopDecision:
    stop: bool
    reason: str = ""


class StopCondition(ABC):
    """Decides, after every experiment, whether the run is over."""

    @abstractmethod
    def check(self, state: RunState) -> StopDecision:
        """Return whether to stop now, and why."""


# --- search strategies -----------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """The next experiment to run: which parent to build on, and the idea to try.

    ``files`` (path -> new content) is an edit the strategy made itself, with no LLM call: the engine writes
    it on the parent's files instead of calling the coding agent. ``operator`` names what made the proposal
    (the run's events count experiments and improvements by it); empty: the coding agent. ``baseline()``
    scores the starting code as it is, an experiment outside the run's ``max_iterations``.
    """

    parent_id: int | None
    idea: str
    kind: str = "improve"  # draft | improve | debug
    files: Mapping[str, str] | None = None
    operator: str = ""

    @classmethod
    def baseline(cls) -> Proposal:
        """The experiment that scores the starting code unchanged: no edit, no LLM call, not one of the
        ``max_iterations`` (a scored root for the search, and the figure every improvement is measured from)."""
        return cls(None, "Score the starting code as it is.", "draft", files={}, operator=BASELINE)


BASELINE = "baseline"  # the operator of Proposal.baseline()


@dataclass(frozen=True)
class SearchState:
    """The run so far, as a search strategy sees it."""

    goal: str
    direction: Direction
    experiments: Sequence[Experiment]
    iteration: int
    max_iterations: int | None
    seed: int
    llm: LLM | None = None
    knowledge_context: str = ""
    log_event: Callable[..., None] | None = None  # log_event(kind, **data) writes to the run's events
    files_of: Callable[[int | None], Mapping[str, str]] | None = None  # an experiment's files (None: the start's)
    operators: Mapping[int, str] = field(default_factory=dict)  # experiment id -> its Proposal.operator ("agent")

    def by_id(self, experiment_id: int) -> Experiment:
        for experiment in self.experiments:
            if experiment.id == experiment_id:
                return experiment
        raise KeyError(experiment_id)

    def children(self, experiment_id: int | None) -> list[Experiment]:
        return [e for e in self.experiments if e.parent_id == experiment_id]

    def best(self) -> Experiment | None:
        """The best scored experiment so far (``tinkerer_core.types.best_experiment``), None when none scored."""
        return best_experiment(self.experiments, self.direction)


class SearchStrategy(ABC):
    """Decides what to try next from the history of the run.

    Strategies derive their decisions from ``SearchState`` alone (plus a seeded RNG), so a
    resumed run continues exactly where it stopped.
    """

    @abstractmethod
    def propose(self, state: SearchState, count: int) -> list[Proposal]:
        """Return up to ``count`` experiments to run next (fewer, or none, when done)."""

    def debug_attempts(self) -> int | None:
        """How many debug attempts a failed run gets unless the run config sets them; None: the engine's default."""
        return None


# --- coding agents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentRequest:
    """The same request for every coding agent."""

    goal: str
    workspace: Path
    idea: str
    kind: str = "draft"
    focus_files: Sequence[str] = ()
    parent_code: Mapping[str, str] = field(default_factory=dict)
    parent_output_tail: str = ""
    parent_score: float | None = None
    parent_feedback: str = ""
    errors: Sequence[str] = ()  # earlier errors on this branch, oldest first
    tried: Sequence[str] = ()  # what earlier children of the parent changed, and what came of it
    knowledge_context: str = ""
    additional_context: str = ""
    iteration: int = 0
    seed: int = 0
    llm: LLM | None = None


@dataclass(frozen=True)
class AgentResult:
    """What a coding agent did: the files it changed, what it said and what it cost."""

    changed_files: Sequence[str]
    summary: str = ""
    transcript: str = ""
    cost: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str = ""
    variants: Sequence[Mapping[str, str]] = ()  # other versions of the changed files the same reply held


class CodingAgent(ABC):
    """Edits the files of a workspace toward a goal."""

    @abstractmethod
    def implement(self, request: AgentRequest) -> AgentResult:
        """Edit ``request.workspace`` in place and report what changed."""

    def can_run_remotely(self) -> bool:
        """Whether ``implement`` may run on another machine (a cluster executor's worker), needing only this
        object, the request and the workspace's files there; False keeps the agent step on the engine's machine."""
        return False


# --- knowledge -------------------------------------------------------------------------------

PAGE_TYPES = ("Workflow", "Principle", "Implementation", "Environment", "Heuristic")


@dataclass(frozen=True)
class KnowledgePage:
    """One wiki page: a typed piece of knowledge with typed links to other pages."""

    id: str  # stable, e.g. "Implementation/sklearn_pipeline"
    title: str
    page_type: str  # one of PAGE_TYPES
    overview: str
    content: str
    domains: Sequence[str] = ()
    edges: Sequence[tuple[str, str]] = ()  # (edge type, target page id), from [[edge::Type:Target]]
    source: str = ""  # where the page was learned from: a repo URL, a file path, a run directory


@dataclass(frozen=True)
class KnowledgeHit:
    """A page found for a query, its relevance, and pages linked to it that graph expansion pulled in."""

    page: KnowledgePage
    score: float
    connected: Sequence[KnowledgePage] = ()


class KnowledgeBackend(ABC):
    """Stores knowledge pages and finds the ones relevant to a query.

    A backend writes only what it owns (its file, label, collection or namespace): ``clear`` deletes
    exactly that. ``filters`` may hold ``page_types`` and ``domains`` (sequences of accepted values).
    """

    @abstractmethod
    def index(self, pages: Sequence[KnowledgePage]) -> int:
        """Add or update pages (by id) and their edges; return how many were written."""

    @abstractmethod
    def search(self, query: str, top_k: int = 5, filters: Mapping[str, Any] | None = None) -> list[KnowledgeHit]:
        """The pages most relevant to ``query``, best first, each with its connected pages."""

    @abstractmethod
    def get(self, page_id: str) -> KnowledgePage | None:
        """The page with ``page_id``, or None."""

    @abstractmethod
    def neighbors(self, page_id: str, depth: int = 1) -> list[KnowledgePage]:
        """Pages reachable from ``page_id`` over edges (either direction) within ``depth`` hops."""

    @abstractmethod
    def count(self) -> int:
        """How many pages this index holds."""

    @abstractmethod
    def clear(self) -> None:
        """Delete what this index created, and nothing else."""

    def refs(self) -> dict[str, Any]:
        """The parameters that reopen this index (the ``backend_refs`` of a ``.index`` file)."""
        import chz

        return chz.asdict(self) if chz.is_chz(self) else {}

    def close(self) -> None:  # noqa: B027 - optional for backends without connections
        """Release connections."""


# --- training --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    checkpoints: Sequence[Checkpoint]
    metrics: Mapping[str, float]
    run_dir: Path


class Trainer(ABC):
    """Trains a model (LoRA SFT, RL) and saves checkpoints."""

    @abstractmethod
    def train(self, run_dir: Path) -> TrainResult:
        """Train, writing metrics and checkpoints under ``run_dir``."""


# --- deployment ------------------------------------------------------------------------------


class Deployer(ABC):
    """Turns a solution into running ``Software``."""

    def supports(self, solution: Solution) -> tuple[bool, str]:
        """Whether this deployer can serve ``solution`` on this machine, and why (for AUTO)."""
        return True, "available"

    @abstractmethod
    def deploy(self, solution: Solution) -> Software:
        """Deploy ``solution`` and return it started."""


# --- web search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebResult:
    """A page a web search found: where it is, what the search said of it, and its main text once read."""

    title: str
    url: str
    snippet: str = ""
    text: str = ""  # the page's main text, once read ("" while only the snippet is known)
    note: str = ""  # why the page was not read (robots.txt, a timeout, not HTML ...)


class WebSearchError(Exception):
    """A web search could not be done (no network, a refused key, a rate limit); the message says why."""


class WebSearchProvider(ABC):
    """Finds pages on the web for a query, and reads them, for ``research``."""

    def available(self) -> tuple[bool, str]:
        """Whether this provider can search from here (its key is set ...), and why not."""
        return True, "available"

    @abstractmethod
    def search(self, query: str, max_results: int) -> list[WebResult]:
        """Up to ``max_results`` results, best first; raises ``WebSearchError`` saying why it could not search."""

    def read(self, results: Sequence[WebResult]) -> list[WebResult]:
        """``results`` with the main text of the pages this provider reads; by default as they are."""
        return list(results)


# --- executors -------------------------------------------------------------------------------


class WorkerLost(Exception):
    """An experiment's worker died before it finished: the engine marks it interrupted and runs it again."""


@dataclass(frozen=True)
class ExecutorContext:
    """What an executor is started with: where the run lives and what its experiments need."""

    run_dir: Path
    workers: int = 1  # experiments the run asks to keep in flight
    data_dir: Path | None = None  # the run's data, which every experiment sees as ./data (shipping.DATA_LINK)
    memory_mb: int | None = None  # the address-space cap of one run of a solution
    pass_env: tuple[str, ...] = ()  # secret-looking variables solutions get anyway: names, valued where they run


@dataclass(frozen=True)
class RecordedCommits:
    """What an experiment run in a copy of its worktree committed there, for the engine to replay in order."""

    commits: tuple[tuple[str, Changes], ...]  # (message, the files it changed)
    uncommitted: Changes  # what the last run left after the last commit (outputs, logs)


@dataclass
class ExperimentOutcome:
    """What an experiment produced, for the engine to store; an executor hands it back as it got it."""

    commit: str = ""
    result: RunResult | None = None
    evaluation: Evaluation | None = None
    error: str = ""
    agent_seconds: float = 0.0
    agent_cost: float = 0.0
    attempts: int = 0
    llm_calls: list[tuple[str, Completion]] = field(default_factory=list)
    events: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    recorded: RecordedCommits | None = None  # set by ``run_elsewhere``: the commits the engine replays
    variants: list[dict[str, str]] = field(default_factory=list)  # the agent's other versions: sibling experiments

    @property
    def succeeded(self) -> bool:
        return self.result is not None and self.result.ok and not self.error


class ExperimentJob(ABC):
    """One experiment, as the engine hands it to an executor: run it here, or ship it and run it elsewhere.

    A job is picklable: an executor may send it to another process or machine with its workspace's files
    (``tinkerer_core.shipping``). Whatever it returns goes back to the engine as the session's future result.
    """

    @property
    @abstractmethod
    def experiment_id(self) -> int:
        """The experiment's id in the run."""

    @property
    @abstractmethod
    def workspace(self) -> Path:
        """The experiment's worktree on the engine's machine."""

    @property
    @abstractmethod
    def portable(self) -> bool:
        """Whether the whole experiment (its coding agent included) may run on another machine."""

    @abstractmethod
    def run(self, commands: CommandRunner | None = None) -> ExperimentOutcome:
        """Run the experiment in ``workspace`` on this machine; ``commands`` runs each run of the solution
        (None: ``tinkerer_core.runner.run_command``, here)."""

    @abstractmethod
    def run_elsewhere(
        self, workspace: Path, commands: CommandRunner | None = None, max_return_bytes: int | None = None
    ) -> ExperimentOutcome:
        """Run the experiment in ``workspace``, a copy of its worktree's files (``portable`` jobs only); the
        outcome's ``recorded`` holds its commits and, up to ``max_return_bytes``, what it left uncommitted."""


class ExecutorSession(ABC):
    """An executor started for one run: takes experiments and hands their outcomes back to the engine.

    The engine stays the single writer of the run store: a session only runs experiments (and
    writes their worktrees); everything to store comes back in the ``ExperimentOutcome``.
    """

    capacity: int = 1  # experiments the engine keeps in flight at once

    @abstractmethod
    def submit(self, job: ExperimentJob) -> Future[ExperimentOutcome]:
        """Start one experiment; its future fails with ``WorkerLost`` when the worker running it died."""

    @abstractmethod
    def close(self, cancel: bool = False) -> None:
        """Release the session's workers; with ``cancel``, stop the experiments still running first."""


class Executor(ABC):
    """Decides where experiments run: local processes, or the workers of a cluster."""

    @abstractmethod
    def start(self, ctx: ExecutorContext) -> ExecutorSession:
        """Open a session for one run (connect, start workers); the engine closes it when the run ends."""


# --- benchmark suites ------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkProblem:
    """One problem of a benchmark suite, as ``tinkerer bench list`` shows it."""

    id: str
    title: str
    kind: str = ""  # what sort of task: "tabular regression", "heuristic (minimize)" ...
    ready: bool = True  # whether it can run now (its data is prepared); a run of the whole suite takes the ready ones


@dataclass(frozen=True)
class ProblemSetup:
    """A prepared problem as an evolve run takes it: what the contestant is told and sees, how runs are scored."""

    goal: str
    data_dir: Path  # the contestant's view (solutions see it as ./data): everything a contestant may read
    direction: Direction
    config: Mapping[str, Any] = field(default_factory=dict)  # EvolveConfig values: evaluator, command, timeout_s ...


@dataclass(frozen=True)
class BenchmarkGrade:
    """A solution graded as its benchmark grades it, with the private answers."""

    valid_submission: bool
    score: float | None  # the benchmark's score of the submission (None: nothing gradable)
    verdict: str  # one short line for the table: "gold", "above median", "relative 71.3 (rank 2 of 5)", why invalid
    details: Mapping[str, Any] = field(default_factory=dict)  # what the benchmark reports (JSON-able)


class BenchmarkSuite(ABC):
    """A set of problems, each with its data, its goal and its grader (``tinkerer bench run SUITE``).

    The grader and the private answers stay outside what a contestant sees: ``prepare`` writes the public
    view, ``grade`` reads the answers, and ``private_paths`` names where they live so that solutions can be
    kept from them while they run.
    """

    def available(self) -> tuple[bool, str]:
        """Whether this suite can run here (its package and data are installed), and why not."""
        return True, "available"

    @abstractmethod
    def problems(self) -> list[BenchmarkProblem]:
        """Every problem of the suite, in the order a full run takes them."""

    @abstractmethod
    def prepare(self, problem_id: str, view: Path) -> ProblemSetup:
        """Make the problem ready (data, answers, leaderboard) and write what a contestant sees into ``view``."""

    @abstractmethod
    def grade(self, problem_id: str, solution: Path) -> BenchmarkGrade:
        """Grade ``solution`` (the directory an evolve run exported) against the private answers."""

    def private_paths(self, problem_id: str) -> tuple[Path, ...]:
        """Where the problem's answers and graders live, to hide from solutions while they run."""
        return ()

    def quick(self) -> tuple[str, Mapping[str, Any]]:
        """The problem and the EvolveConfig values of ``--quick``: one tiny problem, end to end, in seconds."""
        return self.problems()[0].id, {"max_iterations": 1}
