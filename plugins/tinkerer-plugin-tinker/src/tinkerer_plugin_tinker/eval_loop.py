"""``eval_driven``: train, evaluate on held-out tasks, decide, train again, until a threshold, a plateau or the budget.

Each round trains ``steps`` SFT steps, scores the held-out tasks and records what it did and what that changed
(``rounds.jsonl``, the run store's metrics, one ``evals/round-N.jsonl`` per round). A round that does not
improve rolls back to the best weights and applies the next adjustment: mine pool conversations like the failed
tasks, double the learning rate, double the steps, or double the LoRA rank (a fresh adapter).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import ConfigError, Evaluator, Trainer, TrainResult, component_field
from tinkerer_core.validation import at_least, between, not_empty, one_of
from tinkerer_plugin_tinker import data, fields
from tinkerer_plugin_tinker.endpoint import LOCAL_DATA_DIR, renderer_for, tinker_endpoint
from tinkerer_plugin_tinker.runlog import TrainingLog
from tinkerer_plugin_tinker.scoring import SCORERS, TaskResult, score_reply
from tinkerer_plugin_tinker.session import TrainingSession

ADJUSTMENTS = ("mine_failures", "raise_learning_rate", "more_steps", "raise_rank")
MAX_LEARNING_RATE = 1e-3
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class _Plan:
    """The settings the next round trains with."""

    learning_rate: float
    steps: int
    lora_rank: int
    conversations: list[list[dict[str, str]]]
    used_pool: set[int] = field(default_factory=set)


@chz.chz
class EvalDrivenTrainer(Trainer):
    """Evaluation-driven LoRA fine-tuning: rounds of SFT, each judged on held-out tasks."""

    data: str = chz.field(
        validator=not_empty(), doc="JSONL training conversations ({'messages'} or {'prompt', 'completion'} rows)"
    )
    eval_tasks: str = chz.field(
        validator=not_empty(), doc="JSONL held-out tasks: {'prompt', 'answer'} and/or {'tests'} rows"
    )
    scorer: str = chz.field(
        default="exact_match", validator=one_of(*SCORERS), doc=f"how replies are scored: {', '.join(SCORERS)}"
    )
    evaluator: Evaluator | None = component_field("evaluator", None, "with scorer=evaluator: any evaluator")
    pool: str | None = chz.field(
        default=None, validator=not_empty(), doc="JSONL conversations to mine for examples like the failures"
    )
    mine_per_failure: int = chz.field(default=2, validator=at_least(0), doc="pool conversations added per failed task")
    threshold: float = chz.field(
        default=0.9, validator=between(0, 1), doc="stop once the held-out score (0 to 1) reaches this"
    )
    max_rounds: int = chz.field(default=4, validator=at_least(1), doc="training rounds at most")
    patience: int = chz.field(default=2, validator=at_least(1), doc="stop after this many rounds without improvement")
    min_improvement: float = chz.field(
        default=0.01, validator=between(0, 1), doc="a smaller gain of the score (0 to 1) counts as no improvement"
    )
    base_model: str = fields.base_model()
    renderer: str | None = fields.renderer()
    system_prompt: str | None = chz.field(default=None, doc="a system message before every task prompt")
    steps: int = chz.field(default=20, validator=at_least(1), doc="SFT steps in the first round")
    batch_size: int = chz.field(default=8, validator=at_least(1), doc="conversations per step")
    learning_rate: float = fields.learning_rate(1e-4, "the first round's learning rate")
    lora_rank: int = fields.lora_rank("the first round's LoRA rank")
    max_tokens: int = chz.field(default=128, validator=at_least(1), doc="tokens per evaluation reply")
    base_url: str | None = fields.base_url()
    wandb_project: str | None = fields.wandb_project()

    @chz.validate
    def _evaluator_with_its_scorer(self) -> None:
        if self.scorer == "evaluator" and self.evaluator is None:
            raise ConfigError("scorer=evaluator needs an evaluator: set evaluator=<name> (e.g. evaluator=llm_judge)")
        if self.scorer != "evaluator" and self.evaluator is not None:
            raise ConfigError(
                f"evaluator is used only with scorer=evaluator, and scorer is {self.scorer!r}: "
                "set scorer=evaluator, or leave evaluator unset"
            )

    def train(self, run_dir: Path) -> TrainResult:
        """Run rounds until the threshold, a plateau or ``max_rounds``; the best weights are the last checkpoint."""
        run_dir = Path(run_dir)
        tasks = data.prompts(self.eval_tasks)
        pool = data.conversations(self.pool) if self.pool else []
        plan = _Plan(self.learning_rate, self.steps, self.lora_rank, data.conversations(self.data))
        log = TrainingLog(run_dir, f"evaluation-driven SFT of {self.base_model}", chz.asdict(self), self.wandb_project)
        renderer = renderer_for(self.base_model, self.renderer)
        with log.status(), tinker_endpoint(self.base_url, run_dir / LOCAL_DATA_DIR) as endpoint:
            session = TrainingSession(endpoint.base_url, self.base_model, renderer, plan.lora_rank)
            session_rank = plan.lora_rank
            results = self._evaluate(session, tasks)
            best = baseline = _mean(results)
            best_path: dict[str, str] | None = None
            best_rank = session_rank
            trained = 0  # SFT steps so far: the step axis of the run's metrics
            self._record(log, 0, trained, {"score": best, "action": "baseline"}, results)
            stale, adjustments, reason = 0, iter(ADJUSTMENTS), "budget"
            for round_number in range(1, self.max_rounds + 1):
                loss = self._train_round(session, plan, round_number, log, trained)
                trained += plan.steps
                results = self._evaluate(session, tasks)
                score = _mean(results)
                record: dict[str, Any] = {
                    "score": score,
                    "delta": score - best,
                    "train_loss": loss,
                    "learning_rate": plan.learning_rate,
                    "steps": plan.steps,
                    "lora_rank": plan.lora_rank,
                    "train_examples": len(plan.conversations),
                }
                if score >= best + self.min_improvement:
                    best, stale, adjustments = score, 0, iter(ADJUSTMENTS)
                    best_path, best_rank = session.save(f"round-{round_number:03d}"), session_rank
                    record["action"] = "kept: improved"
                    log.add_checkpoint(f"round-{round_number:03d}", round_number, best_path, {"score": score})
                else:
                    stale += 1
                    if best_path is not None and best_rank == session_rank:
                        session.load(best_path["state_path"])
                    record["action"] = "rolled back; " + self._adjust(plan, adjustments, results, pool)
                    if plan.lora_rank != session_rank:
                        session = TrainingSession(endpoint.base_url, self.base_model, renderer, plan.lora_rank)
                        session_rank = plan.lora_rank
                self._record(log, round_number, trained, record, results)
                if best >= self.threshold:
                    reason = "threshold"
                    break
                if stale >= self.patience:
                    reason = "plateau"
                    break
        summary = {"baseline_score": baseline, "best_score": best, "rounds": round_number, "stopped_by_" + reason: 1.0}
        (run_dir / "summary.json").write_text(json.dumps({**summary, "stop_reason": reason}, indent=2))
        return TrainResult(log.checkpoints(), summary, run_dir)

    def _train_round(
        self, session: TrainingSession, plan: _Plan, round_number: int, log: TrainingLog, trained: int
    ) -> float:
        """``plan.steps`` SFT steps over the training set (each round starts elsewhere in it); the last loss."""
        loss = 0.0
        count = len(plan.conversations)
        for step in range(plan.steps):
            start = (round_number * 7919 + step * self.batch_size) % count
            batch = [plan.conversations[(start + i) % count] for i in range(min(self.batch_size, count))]
            metrics = session.sft_step(batch, plan.learning_rate)
            log.metrics(trained + step + 1, metrics)
            loss = metrics["loss"]
        return loss

    def _evaluate(self, session: TrainingSession, tasks: list[dict[str, Any]]) -> list[TaskResult]:
        replies = session.sample([task["prompt"] for task in tasks], self.max_tokens, system_prompt=self.system_prompt)
        return [
            score_reply(self.scorer, task, reply[0], self.evaluator) for task, reply in zip(tasks, replies, strict=True)
        ]

    def _adjust(self, plan: _Plan, adjustments: Any, results: list[TaskResult], pool: list) -> str:
        """Apply the next adjustment that can still change something; say what it was."""
        for adjustment in adjustments:
            if adjustment == "mine_failures":
                mined = _mine(pool, plan.used_pool, [r.prompt for r in results if r.score < 1.0], self.mine_per_failure)
                if mined:
                    plan.conversations += [pool[index] for index in mined]
                    plan.used_pool.update(mined)
                    return f"mined {len(mined)} pool conversations like the failures"
            elif adjustment == "raise_learning_rate" and plan.learning_rate < MAX_LEARNING_RATE:
                plan.learning_rate = min(plan.learning_rate * 2, MAX_LEARNING_RATE)
                return f"learning rate raised to {plan.learning_rate:g}"
            elif adjustment == "more_steps":
                plan.steps *= 2
                return f"steps raised to {plan.steps}"
            elif adjustment == "raise_rank":
                plan.lora_rank *= 2
                return f"LoRA rank raised to {plan.lora_rank} (a fresh adapter)"
        return "no adjustment left"

    @staticmethod
    def _record(
        log: TrainingLog, round_number: int, step: int, record: dict[str, Any], results: list[TaskResult]
    ) -> None:
        record = {"round": round_number, **record, "failures": [r.prompt for r in results if r.score < 1.0]}
        with open(log.run_dir / "rounds.jsonl", "a") as file:
            file.write(json.dumps(record) + "\n")
        evals = log.run_dir / "evals"
        evals.mkdir(exist_ok=True)
        (evals / f"round-{round_number}.jsonl").write_text(
            "".join(json.dumps(result.__dict__) + "\n" for result in results)
        )
        numbers = {k: v for k, v in record.items() if isinstance(v, int | float) and k not in ("steps", "train_loss")}
        log.metrics(step, {f"eval_{k}" if k in ("score", "delta") else k: v for k, v in numbers.items()})


def _mean(results: list[TaskResult]) -> float:
    return sum(result.score for result in results) / len(results)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _mine(pool: list[list[dict[str, str]]], used: set[int], failures: list[str], per_failure: int) -> list[int]:
    """Unused pool conversations whose user turns share the most words with each failed prompt."""
    chosen: list[int] = []
    for prompt in failures:
        wanted = _words(prompt)
        ranked = sorted(
            (index for index in range(len(pool)) if index not in used and index not in chosen),
            key=lambda index: -len(wanted & _words(" ".join(m["content"] for m in pool[index] if m["role"] == "user"))),
        )
        chosen += ranked[:per_failure]
    return chosen
