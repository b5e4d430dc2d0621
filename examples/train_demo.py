"""Fine-tune SmolLM2-135M-Instruct to answer sums, on CPU, and show the held-out score before and after.

Run it with ``make train-demo`` (or ``.venv/bin/python examples/train_demo.py``). With no TINKER_API_KEY the
training runs on the local Tinker-compatible server; with a key, the same code trains on the Tinker service.
The data is generated here: 2-digit additions, 160 for training and 24 held out, answered with the number only.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from tinkerer_core import Tinkerer


def write_data(directory: Path, seed: int = 7) -> tuple[Path, Path]:
    """Training conversations and held-out tasks, disjoint, deterministic."""
    rng = random.Random(seed)
    pairs = rng.sample([(a, b) for a in range(10, 60) for b in range(10, 40)], 184)
    directory.mkdir(parents=True, exist_ok=True)
    train, held_out = directory / "train.jsonl", directory / "eval.jsonl"
    train.write_text(
        "".join(
            json.dumps({"prompt": f"What is {a} + {b}? Reply with the number only.", "completion": str(a + b)}) + "\n"
            for a, b in pairs[:160]
        )
    )
    held_out.write_text(
        "".join(
            json.dumps({"prompt": f"What is {a} + {b}? Reply with the number only.", "answer": str(a + b)}) + "\n"
            for a, b in pairs[160:]
        )
    )
    return train, held_out


def main(run_dir: str = "runs/train-demo", steps: int = 24) -> float:
    """Train one round and print each held-out task's reply before and after, then both scores."""
    train, held_out = write_data(Path(run_dir) / "data")
    result = Tinkerer().train(
        "eval_driven",
        run_dir=run_dir,
        data=str(train),
        eval_tasks=str(held_out),
        scorer="exact_match",
        steps=steps,
        batch_size=8,
        learning_rate=5e-4,
        lora_rank=16,
        max_rounds=1,
        max_tokens=12,
    )
    before = [json.loads(line) for line in (Path(run_dir) / "evals" / "round-0.jsonl").read_text().splitlines()]
    after = [json.loads(line) for line in (Path(run_dir) / "evals" / "round-1.jsonl").read_text().splitlines()]
    print(f"{'task':<46} {'before':<22} {'after':<22}")
    for old, new in zip(before, after, strict=True):
        mark = lambda row: ("✓ " if row["score"] else "✗ ") + row["reply"].replace("\n", " ")[:18]  # noqa: E731
        print(f"{old['prompt'][:45]:<46} {mark(old):<22} {mark(new):<22}")
    baseline, best = result.metrics["baseline_score"], result.metrics["best_score"]
    print(f"\nheld-out exact match: before {baseline:.0%}, after {best:.0%}  (run directory: {run_dir})")
    return best - baseline


if __name__ == "__main__":
    sys.exit(0 if main(*sys.argv[1:2]) > 0 else 1)
