"""``tinker_sft``: LoRA supervised fine-tuning with tinker-cookbook's own training loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import chz

from tinkerer_core.components import Trainer, TrainResult
from tinkerer_plugin_tinker import data
from tinkerer_plugin_tinker.endpoint import renderer_for, tinker_endpoint
from tinkerer_plugin_tinker.runlog import TrainingLog, wandb_project

DEFAULT_BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


@chz.chz
class TinkerSFT(Trainer):
    """Supervised LoRA fine-tuning on chat data; resumes from the run directory's last checkpoint."""

    data: str = chz.field(doc="JSONL of {'messages': [...]} or {'prompt', 'completion'} rows")
    base_model: str = chz.field(default=DEFAULT_BASE_MODEL, doc="the model to adapt")
    renderer: str | None = chz.field(default=None, doc="tinker-cookbook renderer (default: the model's own)")
    learning_rate: float = chz.field(default=1e-4, doc="peak learning rate (linear decay)")
    lora_rank: int = chz.field(default=16, doc="LoRA rank")
    batch_size: int = chz.field(default=8, doc="conversations per step")
    max_length: int = chz.field(default=1024, doc="tokens per conversation, longer ones are cut")
    num_epochs: int = chz.field(default=1, doc="passes over the data")
    max_steps: int | None = chz.field(default=None, doc="stop after this many steps")
    save_every: int = chz.field(default=20, doc="checkpoint every N steps (0: only the final one)")
    test_size: int = chz.field(default=0, doc="conversations held out to report test NLL")
    eval_every: int = chz.field(default=10, doc="evaluate held-out NLL every N steps")
    base_url: str | None = chz.field(default=None, doc="a Tinker API URL (default: service with a key, else local)")
    wandb_project: str | None = chz.field(default=None, doc="W&B project (used only when WANDB_API_KEY is set)")

    def train(self, run_dir: Path) -> TrainResult:
        """Run tinker-cookbook's ``supervised.train`` loop; metrics and checkpoints land in ``run_dir``."""
        run_dir = Path(run_dir)
        conversations = data.conversations(self.data)
        train_file = data.write_conversations(conversations, run_dir / "data" / "train.jsonl")
        log = TrainingLog(run_dir, f"SFT of {self.base_model} on {self.data}", chz.asdict(self))
        renderer = renderer_for(self.base_model, self.renderer)
        with log.status(), tinker_endpoint(self.base_url, run_dir / "tinker-local") as endpoint:
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
