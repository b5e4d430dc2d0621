"""``tinker_grpo``: reinforcement learning from a reward function, with group-relative advantages (GRPO)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import Trainer, TrainResult
from tinkerer_core.validation import at_least, finite, greater_than, not_empty, one_of, warn_above
from tinkerer_plugin_tinker import data, fields
from tinkerer_plugin_tinker.endpoint import LOCAL_DATA_DIR, renderer_for, tinker_endpoint
from tinkerer_plugin_tinker.rewards import REWARD_SPEC, load_reward, validate_reward
from tinkerer_plugin_tinker.runlog import TrainingLog
from tinkerer_plugin_tinker.session import POLICY_LOSSES, GRPOSettings, TrainingSession


@chz.chz
class TinkerGRPO(Trainer):
    """GRPO on prompts scored by your reward function; auto-checkpoints once the reward passes a threshold."""

    prompts: str = chz.field(
        validator=not_empty(), doc="JSONL of {'prompt': ..., 'answer': ...} rows; every field reaches the reward"
    )
    reward: str = chz.field(
        validator=REWARD_SPEC, doc="the reward function, 'rewards.py:score' or 'package.module:score'"
    )
    base_model: str = fields.base_model()
    renderer: str | None = fields.renderer()
    system_prompt: str | None = chz.field(default=None, doc="a system message before every prompt")
    steps: int = chz.field(
        default=20, validator=at_least(1), doc="training steps (a resumed run continues up to this total)"
    )
    batch_size: int = chz.field(default=4, validator=at_least(1), doc="prompts per step")
    group_size: int = chz.field(
        default=4,
        validator=at_least(2),
        doc="completions sampled per prompt (advantages are relative to the group: one alone teaches nothing)",
    )
    max_tokens: int = chz.field(default=128, validator=at_least(1), doc="tokens per completion")
    temperature: float = chz.field(
        default=1.0,
        validator=[greater_than(0), warn_above(2, "completions at such temperatures are mostly noise")],
        doc="sampling temperature (greater than 0: greedy groups are all alike and teach nothing)",
    )
    learning_rate: float = fields.learning_rate(4e-5, "Adam learning rate")
    lora_rank: int = fields.lora_rank()
    loss_fn: str = chz.field(
        default="importance_sampling",
        validator=one_of(*POLICY_LOSSES),
        doc="the policy-gradient loss: " + ", ".join(POLICY_LOSSES),
    )
    save_every: int = chz.field(
        default=10, validator=at_least(0), doc="checkpoint every N steps (0: only the final one)"
    )
    checkpoint_reward_threshold: float | None = chz.field(
        default=0.3, validator=finite(), doc="auto-checkpoint when mean reward reaches this (None: never)"
    )
    checkpoint_min_steps: int = chz.field(
        default=3, validator=at_least(0), doc="steps before an auto-checkpoint may happen"
    )
    samples_per_step: int = chz.field(
        default=4, validator=at_least(0), doc="sampled completions written to samples.jsonl each step"
    )
    seed: int | None = chz.field(
        default=0, validator=at_least(0), doc="prompt order, LoRA initialisation and sampling seeds (None: random)"
    )
    base_url: str | None = fields.base_url()
    wandb_project: str | None = fields.wandb_project()

    def train(self, run_dir: Path) -> TrainResult:
        """Train for ``steps`` steps, resuming after the last checkpoint in ``run_dir``."""
        from tinker_cookbook import checkpoint_utils

        run_dir = Path(run_dir)
        rows = data.prompts(self.prompts)
        reward = load_reward(self.reward)
        validate_reward(reward, rows)
        log = TrainingLog(run_dir, f"GRPO of {self.base_model} on {self.prompts}", chz.asdict(self), self.wandb_project)
        settings = GRPOSettings(
            self.group_size,
            self.max_tokens,
            self.temperature,
            self.learning_rate,
            self.loss_fn,
            self.system_prompt,
            self.seed,
        )
        order = list(range(len(rows)))
        random.Random(self.seed).shuffle(order)
        last: dict[str, float] = {}
        with log.status(), tinker_endpoint(self.base_url, run_dir / LOCAL_DATA_DIR) as endpoint:
            resume = checkpoint_utils.get_last_checkpoint(str(run_dir))
            session = TrainingSession(
                endpoint.base_url,
                self.base_model,
                renderer_for(self.base_model, self.renderer),
                self.lora_rank,
                checkpoint=resume.state_path if resume else None,
                seed=self.seed,
            )
            start = session.steps = resume.batch if resume else 0
            best_saved = max(
                (c.metrics.get("reward_mean", float("-inf")) for c in log.checkpoints()), default=float("-inf")
            )
            saved_step = start
            for step in range(start, self.steps):
                batch = [rows[order[(step * self.batch_size + i) % len(rows)]] for i in range(self.batch_size)]
                last, samples = session.grpo_step(batch, reward, settings)
                log.metrics(step + 1, last)
                log.samples(step + 1, samples[: self.samples_per_step])
                if self._auto_checkpoint(step + 1, last["reward_mean"], best_saved):
                    best_saved = last["reward_mean"]
                    saved_step = self._save(session, log, f"auto-{step + 1:06d}", step + 1, last)
                elif self.save_every and (step + 1) % self.save_every == 0:
                    saved_step = self._save(session, log, f"{step + 1:06d}", step + 1, last)
            if saved_step < self.steps:
                self._save(session, log, f"{self.steps:06d}", self.steps, last)
        return TrainResult(log.checkpoints(), last, run_dir)

    def _auto_checkpoint(self, step: int, reward_mean: float, best_saved: float) -> bool:
        threshold = self.checkpoint_reward_threshold
        return (
            threshold is not None
            and step >= self.checkpoint_min_steps
            and reward_mean >= threshold
            and reward_mean > best_saved
        )

    @staticmethod
    def _save(session: TrainingSession, log: TrainingLog, name: str, step: int, metrics: dict[str, Any]) -> int:
        """Save both checkpoint kinds and record them with the step's metrics; returns the step."""
        log.add_checkpoint(name, step, session.save(name), metrics)
        return step
