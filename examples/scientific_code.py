"""Scientific code generation, evaluation-driven: the seed tutorial's model as a Tinkerer config.

Train on small numeric functions, score held-out ones by running the model's code against asserts, and
let the loop decide: keep a round that improves, otherwise roll back and mine the pool for examples
like the failures, raise the learning rate, train longer or widen the adapter.

    tinkerer train examples/scientific_code.py
    tinkerer train examples/scientific_code.py trainer.threshold=0.6 trainer.max_rounds=6
"""

from pathlib import Path

from tinkerer_core import TrainConfig
from tinkerer_plugin_tinker.eval_loop import EvalDrivenTrainer

HERE = Path(__file__).parent / "scientific_code"

config = TrainConfig(
    run_dir="runs/scientific-code",
    trainer=EvalDrivenTrainer(
        data=str(HERE / "train.jsonl"),
        eval_tasks=str(HERE / "held_out.jsonl"),
        pool=str(HERE / "pool.jsonl"),
        scorer="python_asserts",
        system_prompt="Answer with one Python code block and nothing else.",
        steps=12,
        batch_size=4,
        learning_rate=2e-4,
        max_tokens=160,
        threshold=0.8,
        max_rounds=4,
        patience=2,
    ),
)
