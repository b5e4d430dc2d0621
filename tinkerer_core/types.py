"""Shared data types: goals, scores, experiments, solutions, software, checkpoints and sources."""

from __future__ import annotations

import enum
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Direction(enum.StrEnum):
    """Whether a higher or a lower score is better."""

    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"

    def is_better(self, candidate: float | None, incumbent: float | None, min_delta: float = 0.0) -> bool:
        """True when ``candidate`` beats ``incumbent`` by more than ``min_delta``."""
        if candidate is None or math.isnan(candidate):
            return False
        if incumbent is None or math.isnan(incumbent):
            return True
        if self is Direction.MAXIMIZE:
            return candidate > incumbent + min_delta
        return candidate < incumbent - min_delta

    def reaches(self, score: float | None, threshold: float) -> bool:
        """True when ``score`` is at or beyond ``threshold`` in this direction."""
        if score is None or math.isnan(score):
            return False
        return score >= threshold if self is Direction.MAXIMIZE else score <= threshold

    def best(self, scores: Iterable[float | None]) -> float | None:
        """The best of ``scores``, ignoring missing ones."""
        best: float | None = None
        for score in scores:
            if self.is_better(score, best):
                best = score
        return best


@dataclass(frozen=True)
class Goal:
    """What a run is trying to achieve, and which way its score should move."""

    text: str
    direction: Direction = Direction.MAXIMIZE


class ExperimentStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # the solution ran and exited 0
    FAILED = "failed"  # the agent, the run or the evaluator failed
    INTERRUPTED = "interrupted"  # the process died mid-experiment; redone on resume


@dataclass(frozen=True)
class RunResult:
    """What happened when a solution's command ran in its workspace."""

    command: str
    exit_code: int | None
    duration_s: float
    output: str = ""
    timed_out: bool = False
    peak_memory_mb: float | None = None
    produced_files: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def output_tail(self, max_chars: int = 2000) -> str:
        return self.output[-max_chars:]


@dataclass(frozen=True)
class Evaluation:
    """An evaluator's verdict: a score (None when there is none) and feedback saying why."""

    score: float | None
    feedback: str = ""
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """One attempt: an idea implemented by the coding agent on top of a parent, run and scored."""

    id: int
    parent_id: int | None
    iteration: int  # its place in the max_iterations (1, 2, ...); 0: the baseline, the starting code as it is
    idea: str
    status: ExperimentStatus
    kind: str = "draft"  # draft | improve | debug
    branch: str = ""
    commit: str = ""
    diff: str = ""
    result: RunResult | None = None
    evaluation: Evaluation | None = None
    error: str = ""
    cost: float = 0.0
    agent_seconds: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def score(self) -> float | None:
        return self.evaluation.score if self.evaluation else None

    @property
    def failed(self) -> bool:
        return self.status is ExperimentStatus.FAILED

    @property
    def baseline(self) -> bool:
        """Whether it scored the starting code as it is (``Proposal.baseline``), outside the max_iterations."""
        return self.iteration == 0


def best_experiment(experiments: Iterable[Experiment], direction: Direction) -> Experiment | None:
    """The succeeded experiment with the best score (of equal scores the first), None when none succeeded with one.

    The one rule for "best": what a search builds on is what a run exports. A run that crashed or found no score
    is a failure, never the best, even with a score; a run in which nothing succeeded names no best and exports
    nothing.
    """
    best: Experiment | None = None
    for experiment in experiments:
        if experiment.status is not ExperimentStatus.SUCCEEDED or experiment.score is None:
            continue
        if best is None or direction.is_better(experiment.score, best.score):
            best = experiment
    return best


@dataclass(frozen=True)
class Solution:
    """The best result of a run, checked out at ``path``."""

    goal: str
    path: Path
    score: float | None
    direction: Direction
    experiment_id: int | None
    lineage: tuple[int, ...]
    cost: float
    run_dir: Path
    iterations: int
    stop_reason: str = ""
    feedback: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """A named, saved training state."""

    name: str
    uri: str
    step: int
    metrics: Mapping[str, float] = field(default_factory=dict)
    created_at: float = 0.0


class Software(ABC):
    """A deployed solution with a lifecycle: run it, stop it, start it again."""

    @abstractmethod
    def run(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Run once; returns ``{"status": "success"|"error", "output": ...}``."""

    def run_batch(self, batch: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [self.run(inputs) for inputs in batch]

    @abstractmethod
    def stop(self) -> None:
        """Stop and release every resource this deployment holds."""

    @abstractmethod
    def start(self) -> None:
        """Start again after ``stop()``."""

    @abstractmethod
    def is_healthy(self) -> bool:
        """True when the deployment is running and ready."""

    @abstractmethod
    def logs(self) -> str:
        """The deployment's logs so far."""

    def __call__(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return self.run(inputs)

    def __enter__(self) -> Software:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class DeployStrategy(enum.StrEnum):
    AUTO = "auto"
    LOCAL = "local"
    DOCKER = "docker"
    MODAL = "modal"


class Source:
    """Namespace of the things Tinkerer can learn from: ``Source.Repo(...)``, ``Source.File(...)``, ..."""

    @dataclass(frozen=True)
    class Repo:
        url: str
        branch: str | None = None

    @dataclass(frozen=True)
    class File:
        path: str

    @dataclass(frozen=True)
    class Paper:
        location: str  # a PDF path or URL

    @dataclass(frozen=True)
    class Solution:
        solution: Solution

    @dataclass(frozen=True)
    class Research:
        objective: str
        mode: str
        report_markdown: str
        sources: tuple[str, ...] = ()  # the URLs of the report's numbered sources: [1] is sources[0]

        def to_context_string(self) -> str:
            return f"# Research: {self.objective} (mode: {self.mode})\n\n{self.report_markdown}"
