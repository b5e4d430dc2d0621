"""One experiment, start to finish: the agent edits, the solution runs, the evaluator scores.

``execute`` runs wherever the executor runs an ``EngineJob``: in the engine's process (workers=1), in a
worker process, or on a cluster worker in a copy of the worktree. It touches only its own worktree and
returns everything the engine must store.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tinkerer_core.components import AgentRequest, AgentResult, EvaluationContext, ExperimentJob, ExperimentOutcome
from tinkerer_core.engine.workspace import Workspaces
from tinkerer_core.errors import TinkererError
from tinkerer_core.evolve_config import EvolveConfig
from tinkerer_core.gateway import lazy_llm
from tinkerer_core.llm import LLMLedger, LLMUnavailableError
from tinkerer_core.runner import CommandRunner, Limits, run_command
from tinkerer_core.secrets import scrubbed_environment
from tinkerer_core.types import Evaluation, Experiment, RunResult
from tinkerer_core.workspace_files import UnsafePathError, safe_path

FEEDBACK_CHARS = 2000


@dataclass(frozen=True)
class ExperimentTask:
    """What a worker needs to run one experiment."""

    experiment_id: int
    iteration: int
    idea: str
    kind: str
    workspace: Path
    parent: Experiment | None
    parent_files: dict[str, str]
    branch_errors: tuple[str, ...]
    debug_attempts: int
    knowledge_context: str = ""
    files: Mapping[str, str] | None = None  # the search strategy's own edit: written instead of calling the agent
    tried: tuple[str, ...] = ()  # what earlier children of the parent changed, and what came of it


@dataclass(frozen=True)
class EngineJob(ExperimentJob):
    """The engine's ``ExperimentJob``: the task, the run's config and workspaces."""

    task: ExperimentTask
    config: EvolveConfig
    workspaces: Workspaces

    @property
    def experiment_id(self) -> int:
        return self.task.experiment_id

    @property
    def workspace(self) -> Path:
        return self.task.workspace

    @property
    def portable(self) -> bool:
        return self.config.coding_agent.can_run_remotely()

    def run(self, commands: CommandRunner | None = None) -> ExperimentOutcome:
        return execute(self.task, self.config, self.workspaces, commands or run_command)

    def run_elsewhere(
        self, workspace: Path, commands: CommandRunner | None = None, max_return_bytes: int | None = None
    ) -> ExperimentOutcome:
        from tinkerer_core.engine.recording import RecordingWorkspaces

        recorder = RecordingWorkspaces(workspace, workspace.parent)
        here = replace(self.task, workspace=workspace)
        outcome = execute(here, self.config, recorder, commands or run_command)
        outcome.recorded = recorder.recorded(max_return_bytes)
        return outcome


def execute(
    task: ExperimentTask, config: EvolveConfig, workspaces: Workspaces, commands: CommandRunner = run_command
) -> ExperimentOutcome:
    """Run the agent, the solution (with ``commands``) and the evaluator, with debug attempts after failures."""
    ledger = LLMLedger()
    llm = lazy_llm(config.llm, ledger)
    outcome = ExperimentOutcome()
    errors = list(task.branch_errors)
    limits = Limits(timeout_s=config.timeout_s, memory_mb=config.memory_mb, output_chars=config.output_chars)
    env = _solution_environment(config, task.workspace)
    if task.files is not None:
        return _execute_edit(task, config, workspaces, commands, limits, env, llm, outcome)
    for attempt in range(task.debug_attempts + 1):
        outcome.attempts = attempt + 1
        kind = task.kind if attempt == 0 else "debug"
        request = _request(task, config, kind, errors, outcome.result, llm)
        noted, failures = len(ledger.events), _failures(outcome)
        agent_result = _run_agent(config, request, outcome)
        reported = _take_events(ledger, noted, attempt + 1, outcome) or _failures(outcome) > failures
        if agent_result.error and not agent_result.changed_files:
            outcome.error = f"agent: {agent_result.error}"
            errors.append(outcome.error)
            outcome.events.append(("agent_failed", {"attempt": attempt + 1, "error": agent_result.error}))
            if not reported:  # an agent that does not name its failures' causes
                _failure(outcome, attempt + 1, "agent", "agent_error", agent_result.error)
            continue
        outcome.error = ""
        outcome.variants = [dict(variant) for variant in agent_result.variants]
        outcome.commit = workspaces.commit(
            task.workspace, f"exp-{task.experiment_id} attempt {attempt + 1}: {_one_line(task.idea)}"
        )
        outcome.result = commands(config.command, task.workspace, limits, env, workspaces.pid_file(task.experiment_id))
        outcome.evaluation = _evaluate(config, task.workspace, outcome.result, llm)
        failure = _judge(outcome, attempt + 1)
        if failure is None:
            break
        errors.append(failure)  # what the next debug attempt is told
    outcome.llm_calls = list(ledger.calls)
    return outcome


def _execute_edit(
    task: ExperimentTask,
    config: EvolveConfig,
    workspaces: Workspaces,
    commands: CommandRunner,
    limits: Limits,
    env: dict[str, str],
    llm: object,
    outcome: ExperimentOutcome,
) -> ExperimentOutcome:
    """An experiment whose edit the search strategy made (``task.files``): write it, run it, score it; no agent,
    no debug attempt (fixing a failure is the coding agent's job, in a later experiment)."""
    outcome.attempts = 1
    try:
        for relative, text in (task.files or {}).items():
            target = safe_path(task.workspace, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    except UnsafePathError as error:
        outcome.error = f"search strategy's edit: {error}"
        _failure(outcome, 1, "edit", "unsafe_path", str(error))
        return outcome
    outcome.commit = workspaces.commit(task.workspace, f"exp-{task.experiment_id}: {_one_line(task.idea)}")
    outcome.result = commands(config.command, task.workspace, limits, env, workspaces.pid_file(task.experiment_id))
    outcome.evaluation = _evaluate(config, task.workspace, outcome.result, llm)
    _judge(outcome, 1)
    return outcome


def _judge(outcome: ExperimentOutcome, attempt: int) -> str | None:
    """Why an attempt's run and evaluation failed, counted by cause; None when it ran cleanly to a score. A run
    that exited 0 yet has no score is a failure too (``outcome.error`` says so)."""
    result, evaluation = outcome.result, outcome.evaluation
    assert result is not None and evaluation is not None
    if result.ok and evaluation.score is not None:
        return None
    if result.ok:
        outcome.error = f"no score: {evaluation.feedback or 'the evaluator gave none'}"
        _failure(outcome, attempt, "evaluate", "no_score", evaluation.feedback)
        return outcome.error
    outcome.events.append(("run_failed", {"attempt": attempt, "exit_code": result.exit_code}))
    _failure(outcome, attempt, "run", run_failure_cause(result), result.output_tail(300))
    return _failure_text(result)


def _take_events(ledger: LLMLedger, start: int, attempt: int, outcome: ExperimentOutcome) -> bool:
    """Move the events the agent noted in the ledger since ``start`` to the outcome; whether it noted a failure."""
    noted = ledger.events[start:]
    outcome.events.extend((kind, {"attempt": attempt, **data}) for kind, data in noted)
    return any(kind == "failure" for kind, _ in noted)


def _failures(outcome: ExperimentOutcome) -> int:
    return sum(kind == "failure" for kind, _ in outcome.events)


def _failure(outcome: ExperimentOutcome, attempt: int, stage: str, cause: str, detail: str) -> None:
    """Count a failure by cause: the run store's ``failure`` events (``RunStore.failure_counts``)."""
    outcome.events.append(("failure", {"attempt": attempt, "stage": stage, "cause": cause, "detail": detail[-300:]}))


def run_failure_cause(result: RunResult) -> str:
    """Why a run failed: ``timeout``, ``syntax_error`` (the code does not compile) or ``crash``."""
    if result.timed_out:
        return "timeout"
    if re.search(r"^(SyntaxError|IndentationError|TabError)\b", result.output_tail(FEEDBACK_CHARS), re.MULTILINE):
        return "syntax_error"
    return "crash"


def _run_agent(config: EvolveConfig, request: AgentRequest, outcome: ExperimentOutcome) -> AgentResult:
    started = time.monotonic()
    try:
        result = config.coding_agent.implement(request)
    except LLMUnavailableError as error:  # an outage fails this experiment; the run goes on
        result = AgentResult(changed_files=(), error=str(error))
        _failure(outcome, outcome.attempts, "agent", "llm_unavailable", str(error))
    except TinkererError:
        raise
    except Exception as error:  # an agent bug must not end the run: it is this experiment's failure
        result = AgentResult(changed_files=(), error=f"{type(error).__name__}: {error}")
        _failure(outcome, outcome.attempts, "agent", "agent_exception", result.error)
    outcome.agent_seconds += time.monotonic() - started
    outcome.agent_cost += result.cost
    return result


def _evaluate(config: EvolveConfig, workspace: Path, result: RunResult, llm: object) -> Evaluation:
    ctx = EvaluationContext(goal=config.goal, result=result, workspace=workspace, direction=config.direction, llm=llm)  # type: ignore[arg-type]
    try:
        return config.evaluator.evaluate(ctx)
    except LLMUnavailableError as error:
        return Evaluation(score=None, feedback=f"evaluator could not reach its model: {error}")
    except TinkererError:
        raise
    except Exception as error:
        return Evaluation(score=None, feedback=f"evaluator failed: {type(error).__name__}: {error}")


def _request(
    task: ExperimentTask,
    config: EvolveConfig,
    kind: str,
    errors: Sequence[str],
    last_result: RunResult | None,
    llm: object,
) -> AgentRequest:
    parent = task.parent
    if kind == "debug":
        output_tail = last_result.output_tail(FEEDBACK_CHARS) if last_result else ""
        score, feedback = None, ""
    else:
        output_tail = parent.result.output_tail(FEEDBACK_CHARS) if parent and parent.result else ""
        score = parent.score if parent else None
        feedback = parent.evaluation.feedback if parent and parent.evaluation else ""
    return AgentRequest(
        goal=config.goal,
        workspace=task.workspace,
        idea=task.idea,
        kind=kind,
        focus_files=(config.main_file,),
        parent_code=task.parent_files,
        parent_output_tail=output_tail,
        parent_score=score,
        parent_feedback=feedback,
        errors=tuple(errors),
        tried=task.tried if kind != "debug" else (),
        knowledge_context=task.knowledge_context,
        additional_context=config.additional_context,
        iteration=task.iteration,
        seed=config.seed * 1_000_003 + task.experiment_id,
        llm=llm,  # type: ignore[arg-type]
    )


def _solution_environment(config: EvolveConfig, workspace: Path) -> dict[str, str]:
    env = scrubbed_environment(os.environ, keep=config.pass_env)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TINKERER_WORKSPACE"] = str(workspace)
    if config.data_dir:
        env["TINKERER_DATA_DIR"] = str(workspace / "data")
    return env


def _failure_text(result: RunResult) -> str:
    if result.timed_out:
        return f"the run timed out; output tail:\n{result.output_tail(FEEDBACK_CHARS)}"
    return f"the run exited with {result.exit_code}; output tail:\n{result.output_tail(FEEDBACK_CHARS)}"


def _one_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "experiment"
    return line[:72]
