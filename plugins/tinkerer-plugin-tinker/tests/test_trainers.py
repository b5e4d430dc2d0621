"""The trainers end to end on the local server and the tiny model: SFT, GRPO (CLI, resume, auto-checkpoint), eval-driven."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, RunStore, Tinkerer

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")
TINY = "tinkerer/tiny-chat"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _tinkerer(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_sft_runs_the_cookbook_loop_and_records_metrics_and_checkpoints(chats: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "sft"
    result = Tinkerer().train(
        "tinker_sft", run_dir=str(run_dir), data=str(chats), base_model=TINY, batch_size=4, lora_rank=4, save_every=1
    )
    assert [c.name for c in result.checkpoints] == ["000001", "final"]
    assert all(c.uri.startswith("tinker://") for c in result.checkpoints)
    assert result.metrics["train_mean_nll"] > 0
    store = RunStore(run_dir)
    try:
        assert [step for step, _ in store.metrics()["train_mean_nll"]] == [0, 1]
        assert store.meta()["status"] == "finished" and store.meta()["kind"] == "train"
    finally:
        store.close()


def test_sft_rejects_data_without_assistant_turns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    with pytest.raises(ConfigError, match="at least one assistant message"):
        Tinkerer().train("tinker_sft", run_dir=str(tmp_path / "run"), data=str(bad), base_model=TINY)


@pytest.mark.slow
def test_grpo_from_a_config_file_checkpoints_and_resumes(prompts: Path, reward: str, tmp_path: Path) -> None:
    config = tmp_path / "rl.py"
    config.write_text(
        "from tinkerer_core.training import TrainConfig\n"
        "from tinkerer_plugin_tinker.grpo import TinkerGRPO\n"
        f"config = TrainConfig(run_dir='run', trainer=TinkerGRPO(prompts={str(prompts)!r}, reward={reward!r},\n"
        f"    base_model={TINY!r}, batch_size=2, group_size=4, max_tokens=6, learning_rate=1e-2, lora_rank=4,\n"
        "    save_every=2, checkpoint_reward_threshold=0.0, checkpoint_min_steps=2))\n"
    )
    first = _tinkerer("train", str(config), "trainer.steps=3", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    # step 2 passes the threshold; step 3 is either a better auto-checkpoint or the final one
    assert "checkpoint auto-000002 (step 2)" in first.stdout
    assert re.search(r"checkpoint (auto-)?000003 \(step 3\)", first.stdout), first.stdout
    run = tmp_path / "run"
    metrics = _lines(run / "metrics.jsonl")
    assert [row["step"] for row in metrics] == [1, 2, 3]
    assert {"reward_mean", "reward_std", "groups_no_variance", "loss", "tokens_per_s"} <= metrics[0].keys()
    assert {"prompt", "completion", "reward"} <= _lines(run / "samples.jsonl")[0].keys()

    resumed = _tinkerer("train", str(config), "trainer.steps=4", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert [row["step"] for row in _lines(run / "metrics.jsonl")] == [1, 2, 3, 4]
    assert _lines(run / "checkpoints.jsonl")[-1]["batch"] == 4


def test_a_broken_reward_is_caught_before_training(prompts: Path, tmp_path: Path) -> None:
    rewards = tmp_path / "bad_rewards.py"
    rewards.write_text("def text(completion, row):\n    return 'good'\n\ndef blind(completion, row):\n    return 0.5\n")
    run = _tinkerer(
        "train", "trainer=tinker_grpo", f"trainer.prompts={prompts}", f"trainer.reward={rewards}:text", cwd=tmp_path
    )
    assert run.returncode != 0 and "must return a finite number" in run.stderr and "Traceback" not in run.stderr
    with pytest.raises(ConfigError, match="cannot tell right from wrong"):
        Tinkerer().train("tinker_grpo", run_dir=str(tmp_path / "r"), prompts=str(prompts), reward=f"{rewards}:blind")
    with pytest.raises(ConfigError, match="defines no function 'missing'"):
        Tinkerer().train("tinker_grpo", run_dir=str(tmp_path / "r"), prompts=str(prompts), reward=f"{rewards}:missing")


@pytest.mark.slow
def test_eval_driven_rounds_record_their_effect_and_stop_on_a_plateau(chats: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"prompt": f"{n} + 1 =", "answer": str(n + 1)}) + "\n" for n in (20, 30)))
    pool = tmp_path / "pool.jsonl"
    pool.write_text("".join(json.dumps({"prompt": f"{n} + 1 =", "completion": str(n + 1)}) + "\n" for n in (21, 31, 5)))
    run_dir = tmp_path / "loop"
    result = Tinkerer().train(
        "eval_driven",
        run_dir=str(run_dir),
        data=str(chats),
        eval_tasks=str(tasks),
        pool=str(pool),
        mine_per_failure=1,
        base_model=TINY,
        steps=2,
        batch_size=4,
        lora_rank=4,
        max_rounds=3,
        patience=2,
        min_improvement=0.5,  # the random tiny model never gains that much: every round is a plateau round
        max_tokens=4,
    )
    rounds = _lines(run_dir / "rounds.jsonl")
    assert [r["round"] for r in rounds] == [0, 1, 2]
    assert rounds[0]["action"] == "baseline" and len(rounds[0]["failures"]) == 2
    assert rounds[1]["action"] == "rolled back; mined 2 pool conversations like the failures"
    assert rounds[1]["train_examples"] == 8 and rounds[2]["train_examples"] == 10
    assert rounds[2]["action"] == "rolled back; learning rate raised to 0.0002"
    assert json.loads((run_dir / "summary.json").read_text())["stop_reason"] == "plateau"
    assert result.metrics["rounds"] == 2 and len(_lines(run_dir / "evals" / "round-2.jsonl")) == 2


def test_a_seeded_grpo_run_is_reproducible(prompts: Path, reward: str, tmp_path: Path) -> None:
    def rewards(name: str) -> list[float]:
        Tinkerer().train(
            "tinker_grpo",
            run_dir=str(tmp_path / name),
            prompts=str(prompts),
            reward=reward,
            base_model=TINY,
            steps=2,
            batch_size=2,
            group_size=3,
            max_tokens=5,
            learning_rate=1e-2,
            lora_rank=4,
            seed=11,
        )
        return [row["reward_mean"] for row in _lines(tmp_path / name / "metrics.jsonl")] + [
            row["completion"] for row in _lines(tmp_path / name / "samples.jsonl")
        ]

    assert rewards("first") == rewards("second")
