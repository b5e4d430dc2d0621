"""GRPO on sums: sample 4 answers per prompt, reward the right number, learn from the differences.

tinkerer train examples/train_grpo.py                      # 20 steps of SmolLM2-135M-Instruct, local
tinkerer train examples/train_grpo.py trainer.steps=50     # run again over the same run_dir: it resumes
"""

from pathlib import Path

from tinkerer_core import TrainConfig
from tinkerer_plugin_tinker.grpo import TinkerGRPO

HERE = Path(__file__).parent / "train_grpo"

config = TrainConfig(
    run_dir="runs/train-grpo",
    trainer=TinkerGRPO(
        prompts=str(HERE / "prompts.jsonl"),
        reward=f"{HERE / 'rewards.py'}:score",
        steps=20,
        batch_size=4,
        group_size=4,
        max_tokens=16,
        learning_rate=4e-5,
        save_every=10,
    ),
)
