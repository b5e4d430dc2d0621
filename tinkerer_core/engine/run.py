"""The evolve loop: propose, implement, run, score, store, decide whether to stop.

The engine is the single writer of the run store. Where experiments run is the executor's
business (``executor=local``: in-process for workers=1, forked processes for workers>1;
``executor=ray``: a cluster); either way an experiment only touches its worktree, and what it
produced comes back to the engine as an ``ExperimentOutcome``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tinkerer_core.components import (
    BASELINE,
    ExecutorContext,
    ExecutorSession,
    ExperimentOutcome,
    Proposal,
    RunState,
    SearchState,
    WorkerLost,
)
from tinkerer_core.engine.experiment import EngineJob, ExperimentTask
from tinkerer_core.engine.persist import load_config, save_config
from tinkerer_core.engine.recording import replay
from tinkerer_core.engine.run_dir import (
    check_resumable,
    clear_unstarted,
    disk_full,
    last_line,
    lock_run,
    stored_meta,
)
from tinkerer_core.engine.workspace import Workspaces, require_directory
from tinkerer_core.errors import ConfigError, DiskFullError, TinkererError
from tinkerer_core.evolve_config import EvolveConfig
from tinkerer_core.gateway import lazy_llm
from tinkerer_core.knowledge.index_file import open_index, read_index
from tinkerer_core.knowledge.retrieval import knowledge_context
from tinkerer_core.plugins import get_manager
from tinkerer_core.processes import interrupted_by_signals
from tinkerer_core.runner import kill_leftover
from tinkerer_core.store import STORE_FILE, RunStore, StoreLedger, check_store
from tinkerer_core.types import Direction, Experiment, ExperimentStatus, Solution, best_experiment

SOLUTION_MARKER = ".tinkerer-solution.json"
MAX_BRANCH_ERRORS = 3
DEFAULT_DEBUG_ATTEMPTS = 2
MAX_WORKER_LOSSES = 3  # an experiment whose worker died this often fails instead of running again
MAX_TRIED = 4  # earlier children of a parent the agent is told about
AGENT = "agent"  # the operator of experiments the coding agent writes
VARIANT = "variant"  # the operator of another version the agent's reply held


def default_run_dir(goal: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", goal.lower()).strip("-")[:40] or "run"
    return Path("runs") / f"{datetime.now():%Y%m%d-%H%M%S}-{slug}"


class EvolveRun:
    """One evolve run in its run directory; ``start`` a new one or ``resume`` a killed one."""

    def __init__(
        self, config: EvolveConfig, run_dir: Path, store: RunStore, workspaces: Workspaces, lock: IO[str]
    ) -> None:
        self.config = config
        self.run_dir = run_dir
        self.store = store
        self.workspaces = workspaces
        self._lock = lock
        self.ledger = StoreLedger(store)
        self.llm = lazy_llm(config.llm, self.ledger)
        self.hooks = get_manager().hooks.hook
        self.experiments = {experiment.id: experiment for experiment in store.experiments()}  # the engine writes alone
        meta = store.meta()
        self.base_commit: str = meta["base_commit"]
        self._elapsed_before = float(meta.get("elapsed_s", 0.0))
        self._started = time.monotonic()
        self.debug_attempts: int = next(
            value
            for value in (config.debug_attempts, config.search_strategy.debug_attempts(), DEFAULT_DEBUG_ATTEMPTS)
            if value is not None
        )
        self.knowledge = open_index(Path(config.kg_index)) if config.kg_index else None
        self.worker_losses: Counter[int] = Counter()
        self.goal_knowledge = self._knowledge_for(config.goal)
        self.operators: dict[int, str] = {}  # experiment id -> the operator that proposed it
        self.edits: dict[int, Mapping[str, str]] = {}  # experiment id -> the strategy's own edit
        for event in store.events("proposed"):
            self.operators[event["experiment_id"]] = event["data"].get("operator", AGENT)
            if event["data"].get("files") is not None:
                self.edits[event["experiment_id"]] = event["data"]["files"]
        self.variants: deque[Proposal] = deque()  # other versions in agents' replies, run as siblings next
        self._files_cache: dict[str, dict[str, str]] = {}

    def _knowledge_for(self, query: str) -> str:
        if self.knowledge is None:
            return ""
        return knowledge_context(self.knowledge, query, top_k=self.config.knowledge_top_k)

    @staticmethod
    def check_start(config: EvolveConfig) -> Path:
        """The run directory ``start`` would use, after every check it makes before creating anything
        (``--dry-run`` makes them too); writes nothing."""
        run_dir = (Path(config.run_dir) if config.run_dir else default_run_dir(config.goal)).resolve()
        if run_dir.exists() and not run_dir.is_dir():
            raise ConfigError(f"run_dir {str(run_dir)!r} is a file; give a directory (new or a run's)")
        if RunStore.exists(run_dir):
            check_store(run_dir / STORE_FILE)
            if stored_meta(run_dir).get("config") is not None:
                raise ConfigError(f"{run_dir} already holds a run: resume it with `tinkerer resume {run_dir}`")
        _check_output_path(config.output_path)
        require_directory("starting_repo", config.starting_repo)
        require_directory("data_dir", config.data_dir)
        if config.kg_index:
            read_index(Path(config.kg_index))
        return run_dir

    @classmethod
    def start(cls, config: EvolveConfig, config_file: str | None = None) -> EvolveRun:
        run_dir = cls.check_start(config)
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"run_dir {str(run_dir)!r} cannot be created ({error.strerror}): give a directory that can be created, "
                "or an existing one"
            ) from None
        clear_unstarted(run_dir)
        lock = lock_run(run_dir)
        workspaces = Workspaces(run_dir, config.data_dir, config.data_mode, config.max_commit_file_mb)
        base_commit = workspaces.create(config.starting_repo)
        store = RunStore(run_dir)
        store.set_meta(
            goal=config.goal,
            direction=config.direction.value,
            status="running",
            started_at=time.time(),
            base_commit=base_commit,
            elapsed_s=0.0,
            config_file=str(Path(config_file).resolve()) if config_file else None,
            config=save_config(config),
        )
        store.log_event("run_started")
        return cls(config, run_dir, store, workspaces, lock)

    @classmethod
    def resume(cls, run_dir: Path) -> EvolveRun:
        run_dir = Path(run_dir).resolve()
        check_resumable(run_dir)  # before the lock: a directory that is not a run's gets no run.lock
        lock = lock_run(run_dir)
        meta = stored_meta(run_dir)
        if meta.get("config") is None:
            raise ConfigError(
                f"{run_dir} holds a run that was stopped while it was being created (no experiment ran): "
                f"start it again with `tinkerer evolve CONFIG run_dir={run_dir}`"
            )
        store = RunStore(run_dir)
        config = load_config(meta["config"], meta.get("config_file"))
        interrupted = store.mark_interrupted()
        store.set_meta(status="running")
        store.log_event("run_resumed", interrupted=interrupted)
        workspaces = Workspaces(run_dir, config.data_dir, config.data_mode, config.max_commit_file_mb)
        return cls(config, run_dir, store, workspaces, lock)

    # --- the loop --------------------------------------------------------------------------

    def run(self) -> Solution:
        """Run experiments until a stop condition, the budget or the strategy ends the run.

        Ctrl-C, SIGTERM and SIGHUP end it as ``interrupted``: experiments that finished are kept,
        running ones are stopped with their processes, and ``resume`` runs them again.
        """
        try:
            with interrupted_by_signals():
                return self._run()
        finally:
            self._lock.close()

    def _run(self) -> Solution:
        self.hooks.tinkerer_run_start(run_dir=str(self.run_dir), config=self.config)
        redo = deque(e for e in self.experiments.values() if e.status is ExperimentStatus.INTERRUPTED)
        reason = self._check_stop() or ""
        running: dict[Future[ExperimentOutcome], int] = {}
        session: ExecutorSession | None = None
        cancel = True
        try:
            session = self.config.executor.start(
                ExecutorContext(
                    run_dir=self.run_dir,
                    workers=self.config.workers,
                    data_dir=self.workspaces.data_dir,
                    memory_mb=self.config.memory_mb,
                    pass_env=self.config.pass_env,
                )
            )
            while True:
                reason = self._fill(session, running, redo, reason)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    stop_reason = self._take(future, running.pop(future), redo)
                    reason = reason or stop_reason
            cancel = False
        except BaseException as error:
            self._record_interruption(running)
            if isinstance(error, Exception) and disk_full(error, self.run_dir):
                raise DiskFullError(
                    f"the disk that holds {self.run_dir} is full ({last_line(error)}); the run stopped and what finished is "
                    f"kept: free some space, then `tinkerer resume {self.run_dir}`"
                ) from error
            raise
        finally:
            if session is not None:
                session.close(cancel=cancel)
        return self._conclude(reason or "search exhausted")

    def _take(self, future: Future[ExperimentOutcome], experiment_id: int, redo: deque[Experiment]) -> str:
        """Store what a finished future brought; return a stop reason if the run should now stop."""
        try:
            outcome = future.result()
        except WorkerLost as lost:
            self._lost(experiment_id, str(lost), redo)
            return ""
        self._replay(experiment_id, outcome)
        self._finish(experiment_id, outcome)
        return self._check_stop()

    def _replay(self, experiment_id: int, outcome: ExperimentOutcome) -> None:
        """An experiment that ran in a copy of its worktree: its recorded commits become real ones here."""
        if outcome.recorded is None:
            return
        resolved = replay(self.workspaces, self.workspaces.path(experiment_id), outcome.recorded)
        outcome.commit = resolved.get(outcome.commit, outcome.commit)
        outcome.recorded = None

    def _record_interruption(self, running: dict[Future[ExperimentOutcome], int]) -> None:
        """On the way out of a stopped run: store experiments that finished but were not taken yet, and mark
        the rest interrupted. Best effort (the disk may be full): ``resume`` treats a run left ``running`` alike."""
        with contextlib.suppress(sqlite3.Error, OSError, TinkererError):
            for future, experiment_id in running.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    outcome = future.result()
                    self._replay(experiment_id, outcome)
                    self._finish(experiment_id, outcome)
        with contextlib.suppress(sqlite3.Error, OSError, TinkererError):  # marked even when storing one failed
            self.store.mark_interrupted()
            self.store.set_meta(status="interrupted", elapsed_s=self._elapsed())

    def _lost(self, experiment_id: int, why: str, redo: deque[Experiment]) -> None:
        """A worker died under an experiment: mark it interrupted and run it again, as resume would."""
        self.worker_losses[experiment_id] += 1
        losses = self.worker_losses[experiment_id]
        self.store.log_event("worker_lost", experiment_id, error=why, losses=losses)
        if losses >= MAX_WORKER_LOSSES:
            self._finish(experiment_id, ExperimentOutcome(error=f"its worker died {losses} times; last: {why}"))
            return
        self.store.interrupt_experiment(experiment_id)
        self.experiments[experiment_id] = replace(self.experiments[experiment_id], status=ExperimentStatus.INTERRUPTED)
        redo.append(self.experiments[experiment_id])

    def _fill(
        self,
        session: ExecutorSession,
        running: dict[Future[ExperimentOutcome], int],
        redo: deque[Experiment],
        reason: str = "",
    ) -> str:
        """Start experiments until every worker is busy; return a stop reason when the budget is spent.

        Interrupted experiments are run again first, even once the run has a stop ``reason``: they
        were started, so they finish.
        """
        while len(running) < session.capacity:
            if redo:
                experiment = redo.popleft()
                if kill_leftover(self.workspaces.pid_file(experiment.id)):
                    self.store.log_event("leftover_killed", experiment.id)
                self.store.restart_experiment(experiment.id)
                self.experiments[experiment.id] = replace(experiment, status=ExperimentStatus.RUNNING)
                self.store.log_event("experiment_redone", experiment.id)
                self._submit(session, running, experiment)
                continue
            if reason:
                return reason
            started = self._budgeted(self.experiments.values())
            if started >= self.config.max_iterations:
                return f"max_iterations ({self.config.max_iterations}) reached"
            free = min(session.capacity - len(running), self.config.max_iterations - started)
            proposals = [self.variants.popleft() for _ in range(min(free, len(self.variants)))]
            if not proposals:
                proposals = self.config.search_strategy.propose(self._search_state(), free)[:free]
            if not proposals:
                return "" if running else "search exhausted"
            for proposal in proposals:
                self._submit(session, running, self._add(proposal))
        return ""

    def _add(self, proposal: Proposal) -> Experiment:
        parent_id = proposal.parent_id if proposal.parent_id in self.experiments else None
        kind = proposal.kind if parent_id is not None else "draft"
        operator = proposal.operator or AGENT
        iteration = 0 if operator == BASELINE else self._budgeted(self.experiments.values()) + 1
        experiment_id = self.store.add_experiment(parent_id, iteration, proposal.idea, kind)
        files = dict(proposal.files) if proposal.files is not None else None
        self.store.log_event("proposed", experiment_id, operator=operator, parent=parent_id, files=files)
        self.operators[experiment_id] = operator
        if files is not None:
            self.edits[experiment_id] = files
        self.experiments[experiment_id] = self.store.experiment(experiment_id)
        return self.experiments[experiment_id]

    def _files_of(self, experiment_id: int | None) -> Mapping[str, str]:
        """The text files of an experiment's commit (the base's when it committed nothing; None: the starting
        files), cached by commit."""
        commit = self._start_commit(self.experiments[experiment_id] if experiment_id is not None else None)
        if commit not in self._files_cache:
            self._files_cache[commit] = self.workspaces.files_at(commit)
        return self._files_cache[commit]

    def _tried(self, parent: Experiment | None) -> tuple[str, ...]:
        """What the latest finished children of ``parent`` changed, and what came of each, for the agent."""
        if parent is None:
            return ()
        children = [
            e
            for e in self.experiments.values()
            if e.parent_id == parent.id and e.status in (ExperimentStatus.SUCCEEDED, ExperimentStatus.FAILED)
        ]
        return tuple(tried_text(child, parent, self.config.direction) for child in children[-MAX_TRIED:])

    def _submit(
        self, session: ExecutorSession, running: dict[Future[ExperimentOutcome], int], experiment: Experiment
    ) -> None:
        job = EngineJob(self._task(experiment), self.config, self.workspaces)
        self.hooks.tinkerer_experiment_started(run_dir=str(self.run_dir), experiment=experiment)
        running[session.submit(job)] = experiment.id

    def _parent(self, experiment: Experiment) -> Experiment | None:
        return self.experiments.get(experiment.parent_id) if experiment.parent_id is not None else None

    def _task(self, experiment: Experiment) -> ExperimentTask:
        parent = self._parent(experiment)
        start_commit = self._start_commit(parent)
        workspace = self.workspaces.checkout(experiment.id, start_commit)
        return ExperimentTask(
            experiment_id=experiment.id,
            iteration=experiment.iteration,
            idea=experiment.idea,
            kind=experiment.kind,
            workspace=workspace,
            parent=parent,
            parent_files=self.workspaces.files(workspace),
            branch_errors=self._branch_errors(parent),
            debug_attempts=self.debug_attempts,
            knowledge_context=self._knowledge_for(f"{self.config.goal}\n{experiment.idea}"),
            files=self.edits.get(experiment.id),
            tried=self._tried(parent),
        )

    def _branch_errors(self, parent: Experiment | None) -> tuple[str, ...]:
        errors: list[str] = []
        node = parent
        while node is not None and len(errors) < MAX_BRANCH_ERRORS:
            if node.failed:
                errors.append(node.error or (node.result.output_tail(500) if node.result else "failed"))
            node = self._parent(node)
        return tuple(reversed(errors))

    def _start_commit(self, parent: Experiment | None) -> str:
        """Where a child of ``parent`` starts: the parent's commit, or the base when it committed nothing."""
        return parent.commit if parent and parent.commit else self.base_commit

    def _finish(self, experiment_id: int, outcome: ExperimentOutcome) -> None:
        experiment = self.experiments[experiment_id]
        diff = (
            self.workspaces.diff(self._start_commit(self._parent(experiment)), outcome.commit) if outcome.commit else ""
        )
        for purpose, completion in outcome.llm_calls:
            self.store.record_llm_call(purpose, completion, experiment_id)
        for kind, data in outcome.events:
            self.store.log_event(kind, experiment_id, **data)
        llm_cost = sum(completion.cost for _, completion in outcome.llm_calls)
        finished = Experiment(
            id=experiment.id,
            parent_id=experiment.parent_id,
            iteration=experiment.iteration,
            idea=experiment.idea,
            status=ExperimentStatus.SUCCEEDED if outcome.succeeded else ExperimentStatus.FAILED,
            kind=experiment.kind,
            branch=f"exp-{experiment.id}",
            commit=outcome.commit,
            diff=diff,
            result=outcome.result,
            evaluation=outcome.evaluation,
            error=outcome.error,
            cost=max(outcome.agent_cost, llm_cost),
            agent_seconds=outcome.agent_seconds,
            started_at=experiment.started_at,
            finished_at=time.time(),
        )
        best_before = best_experiment(
            [e for e in self.experiments.values() if e.id != experiment_id], self.config.direction
        )
        self.store.finish_experiment(finished)
        self.experiments[experiment_id] = finished
        self._record_operator(finished, best_before)
        for variant in outcome.variants:
            self.variants.append(
                Proposal(
                    finished.parent_id,
                    f"another version in the reply of #{finished.id}: {finished.idea}",
                    finished.kind,
                    files=variant,
                    operator=VARIANT,
                )
            )
        self.store.set_meta(elapsed_s=self._elapsed())
        self.hooks.tinkerer_experiment_finished(run_dir=str(self.run_dir), experiment=finished)

    def _record_operator(self, finished: Experiment, best_before: Experiment | None) -> None:
        """The ``operator`` event: what made the experiment, and whether it beat its parent and the run's best."""
        direction = self.config.direction
        parent = self._parent(finished)
        parent_score = parent.score if parent else None
        self.store.log_event(
            "operator",
            finished.id,
            name=self.operators.get(finished.id, AGENT),
            succeeded=finished.status is ExperimentStatus.SUCCEEDED,
            score=finished.score,
            parent_score=parent_score,
            improved=finished.score is not None and direction.is_better(finished.score, parent_score),
            new_best=finished.score is not None
            and direction.is_better(finished.score, best_before.score if best_before else None),
        )

    # --- stopping and the result -----------------------------------------------------------

    def _elapsed(self) -> float:
        return self._elapsed_before + time.monotonic() - self._started

    def run_state(self) -> RunState:
        finished = [
            e for e in self.experiments.values() if e.status in (ExperimentStatus.SUCCEEDED, ExperimentStatus.FAILED)
        ]
        consecutive = 0
        for experiment in reversed(finished):
            if not experiment.failed:
                break
            consecutive += 1
        return RunState(
            iteration=self._budgeted(finished),
            elapsed_s=self._elapsed(),
            total_cost=self.store.total_cost(),
            scores=[e.score for e in finished],
            consecutive_errors=consecutive,
            direction=self.config.direction,
            llm_calls=int(self.store.llm_totals()["calls"]),
        )

    @staticmethod
    def _budgeted(experiments: Iterable[Experiment]) -> int:
        """How many of ``experiments`` count toward ``max_iterations`` (all but the baseline)."""
        return sum(not experiment.baseline for experiment in experiments)

    def _check_stop(self) -> str:
        state = self.run_state()
        if not state.scores:
            return ""
        decision = self.config.stop_condition.check(state)
        return decision.reason or "stop condition met" if decision.stop else ""

    def _search_state(self) -> SearchState:
        experiments = list(self.experiments.values())
        return SearchState(
            goal=self.config.goal,
            direction=self.config.direction,
            experiments=experiments,
            iteration=len(experiments),
            max_iterations=self.config.max_iterations,
            seed=self.config.seed,
            llm=self.llm,
            knowledge_context=self.goal_knowledge,
            log_event=self.store.log_event,
            files_of=self._files_of,
            operators=dict(self.operators),
        )

    def _conclude(self, reason: str) -> Solution:
        experiments = list(self.experiments.values())
        best = best_experiment(experiments, self.config.direction)
        output_path = Path(self.config.output_path) if self.config.output_path else self.run_dir / "solution"
        lineage: list[int] = []
        if best is not None:
            _check_output_path(str(output_path))
            _clear_owned(output_path)
            self.workspaces.export(best.commit or self.base_commit, output_path, self.workspaces.path(best.id))
            node: Experiment | None = best
            while node is not None:
                lineage.append(node.id)
                node = self._parent(node)
        solution = Solution(
            goal=self.config.goal,
            path=output_path.resolve(),
            score=best.score if best else None,
            direction=self.config.direction,
            experiment_id=best.id if best else None,
            lineage=tuple(reversed(lineage)),
            cost=self.store.total_cost(),
            run_dir=self.run_dir.resolve(),
            iterations=len(experiments),
            stop_reason=reason,
            feedback=best.evaluation.feedback if best and best.evaluation else "",
        )
        if best is not None:
            (output_path / SOLUTION_MARKER).write_text(json.dumps(_solution_record(solution), indent=2))
        self.workspaces.tidy()
        self.store.set_meta(
            status="finished", stop_reason=reason, elapsed_s=self._elapsed(), best_experiment=solution.experiment_id
        )
        self.store.log_event("run_finished", reason=reason, best=solution.experiment_id)
        self.hooks.tinkerer_run_end(run_dir=str(self.run_dir), solution=solution if best else None, reason=reason)
        return solution


def tried_text(child: Experiment, parent: Experiment, direction: Direction) -> str:
    """One line for the agent: the lines a child of ``parent`` added (or that its reply repeated the parent) and
    how it scored against the parent."""
    added = [
        line[1:].strip() for line in child.diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    change = "; ".join(line for line in added if line)[:200]
    if child.score is None:
        cause = (child.error or "no score").splitlines()[0][:100]
        return f"{change} -> failed: {cause}" if change else f"no change ({cause})"
    verdict = "better" if direction.is_better(child.score, parent.score) else "not better"
    return f"{change} -> score {child.score:g} ({verdict} than {parent.score if parent.score is not None else 'none'})"


def _solution_record(solution: Solution) -> dict[str, Any]:
    return {
        "goal": solution.goal,
        "score": solution.score,
        "direction": solution.direction.value,
        "experiment_id": solution.experiment_id,
        "lineage": list(solution.lineage),
        "cost": solution.cost,
        "run_dir": str(solution.run_dir),
        "stop_reason": solution.stop_reason,
    }


def _check_output_path(output_path: str | None) -> None:
    """Refuse to write over a non-empty directory that Tinkerer did not create."""
    if not output_path:
        return
    path = Path(output_path)
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not (path / SOLUTION_MARKER).exists())):
        raise ConfigError(
            f"output_path {output_path!r} exists and was not written by Tinkerer; choose a new or empty directory"
        )


def _clear_owned(path: Path) -> None:
    """Empty a solution directory that an earlier Tinkerer run wrote (it has the marker)."""
    if (path / SOLUTION_MARKER).exists():
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
