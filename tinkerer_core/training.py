"""The training job config: which trainer, its parameters, and where the run's files go."""

from __future__ import annotations

import time
from pathlib import Path

import chz

from tinkerer_core.components import Trainer, TrainResult
from tinkerer_core.config import component_field
from tinkerer_core.validation import a_path


def default_train_dir() -> Path:
    """``runs/train-<date>-<time>``: one directory per training run unless a run_dir is given."""
    return Path("runs") / f"train-{time.strftime('%Y%m%d-%H%M%S')}"


@chz.chz
class TrainConfig:
    """A training run: ``tinkerer train CONFIG trainer=tinker_grpo trainer.steps=50 run_dir=runs/rl``."""

    trainer: Trainer = component_field(
        "trainer", "tinker_sft", "the trainer and its parameters", provided_by="tinkerer-plugin-tinker"
    )
    run_dir: str | None = chz.field(
        default=None,
        validator=a_path(),
        doc="metrics, samples and checkpoints go here; an existing run resumes (default: runs/train-<time>)",
    )

    def run(self) -> TrainResult:
        """Train; the trainer resumes from the run directory's last checkpoint."""
        return self.trainer.train(Path(self.run_dir) if self.run_dir else default_train_dir())
