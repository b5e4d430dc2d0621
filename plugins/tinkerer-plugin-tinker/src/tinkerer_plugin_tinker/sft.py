"""``tinker_sft``: LoRA supervised fine-tuning with tinker-cookbook's own training loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import chz

from tinkerer_core import Trainer, TrainResult
from tinkerer_core.validation import FieldValueError, at_least, not_empty
from tinkerer_plugin_tinker import data, fields
from tinkerer_plugin_tinker.endpoint import LOCAL_DATA_DIR, renderer_for, tinker_endpoint
from tinkerer_plugin_tinker.runlog import TrainingLog, wandb_project

DEFAULT_BASE_MODEL = fields.DEFAULT_BASE_MODEL


@chz.chz
class TinkerSFT(Trainer):
    """Supervised LoRA fine-tuning on chat data; resumes from the run directory's last checkpoint."""

    data: str = chz.field(validator=not_empty(), doc="JSONL of {'messages': [...]} or {'prompt', 'completion'} rows")
    base_model: str = fields.base_model()
    renderer: str | None = fields.renderer()
    learning_rate: float = fields.learning_rate(1e-4, "peak learning rate (linear decay)")
    lora_rank: int = fields.lora_rank()
    batch_size: int = chz.field(default=8, validator=at_least(1), doc="conversations per step")
    max_length: int = chz.field(default=1024, validator=at_least(1), doc="tokens per conversation, longer ones are cut")
    num_epochs: int = chz.field(default=1, validator=at_least(1), doc="passes over the data")
    max_steps: int | None = chz.field(default=None, validator=at_least(1), doc="stop after this many steps")
    save_every: int = chz.field(
        default=20, validator=at_least(0), doc="checkpoint every N steps (0: only the final one)"
    )
    test_size: int = chz.field(
        default=0, validator=at_least(0), doc="conversations held out to report test NLL (fewer than the data's)"
    )
    eval_every: int = chz.field(default=10, validator=at_least(0), doc="evaluate held-out NLL every N steps (0: never)")
    base_url: str | None = fields.base_url()
    wandb_project: str | None = fields.wandb_project()

    def train(self, run_dir: Path) -> TrainResult:
        """Run tinker-cookbook's ``supervised.train`` loop; metrics and checkpoints land in ``run_dir``."""
        run_dir = Path(run_dir)
        conversations = data.conversations(self.data)
        if self.test_size >= len(conversations):
            raise FieldValueError(
                "test_size", self.test_size, f"less than the {len(conversations)} conversations in {self.data}"
            )
        train_file = data.write_conversations(conversations, run_dir / "data" / "train.jsonl")
        log = TrainingLog(run_dir, f"SFT of {self.base_model} on {self.data}", chz.asdict(self))
        renderer = renderer_for(self.base_model, self.renderer)
        with log.status(), tinker_endpoint(self.base_url, run_dir / LOCAL_DATA_DIR) as endpoint:
            # imported once the endpoint is up: a local server sets torch's threading up before torch loads
            from tinker_cookbook.supervised import train as supervised
            from tinker_cookbook.supervised.data import FromConversationFileBuilder
            from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

            common = ChatDatasetBuilderCommonConfig(
                model_name_for_tokenizer=self.base_model,
                renderer_name=renderer,
                max_length=self.max_length,
                batch_size=min(self.batch_size, len(conversations) - self.test_size),
            )
            config = supervised.Config(
                log_path=str(run_dir),
                model_name=self.base_model,
                recipe_name="tinkerer_sft",
                renderer_name=renderer,
                dataset_builder=FromConversationFileBuilder(
                    file_path=str(train_file), test_size=self.test_size, common_config=common
                ),
                learning_rate=self.learning_rate,
                lora_rank=self.lora_rank,
                num_epochs=self.num_epochs,
                max_steps=self.max_steps,
                save_every=self.save_every,
                eval_every=self.eval_every if self.test_size else 0,
                base_url=endpoint.base_url,
                wandb_project=wandb_project(self.wandb_project),
            )
            asyncio.run(supervised.main(config))
            metrics = log.import_metrics()
        return TrainResult(log.checkpoints(), metrics, run_dir)
