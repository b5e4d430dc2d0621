"""The trainers' fields refuse bad values before anything starts, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, Tinkerer, create_component
from tinkerer_core.cli import main
from tinkerer_core.validation import ConfigWarning

GRPO = ["trainer=tinker_grpo", "trainer.prompts=p.jsonl", "trainer.reward=rewards.py:score"]
EVAL_DRIVEN = ["trainer=eval_driven", "trainer.data=chats.jsonl", "trainer.eval_tasks=tasks.jsonl"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["trainer=tinker_sft", "trainer.lora_rank=0", "trainer.data=x.jsonl"],
            "trainer.lora_rank must be at least 1, got 0",
        ),
        (["trainer=tinker_sft", "trainer.data="], "trainer.data must be non-empty, got ''"),
        (
            ["trainer=tinker_sft", "trainer.data=x.jsonl", "trainer.base_url=localhost:8000"],
            "trainer.base_url must be an http:// or https:// URL, got 'localhost:8000'",
        ),
        (
            [*GRPO, "trainer.loss_fn=pp0"],
            "trainer.loss_fn must be one of 'importance_sampling', 'ppo', 'cispo', 'dro', got 'pp0'; "
            "did you mean 'ppo'?",
        ),
        ([*GRPO, "trainer.group_size=1"], "trainer.group_size must be at least 2, got 1"),
        ([*GRPO, "trainer.learning_rate=0"], "trainer.learning_rate must be greater than 0, got 0.0"),
        (
            ["trainer=tinker_grpo", "trainer.prompts=p.jsonl", "trainer.reward=rewards.py"],
            "trainer.reward must be a function named like 'rewards.py:score' or 'package.module:score', "
            "got 'rewards.py'",
        ),
        (
            [*EVAL_DRIVEN, "trainer.scorer=exact"],
            "trainer.scorer must be one of 'exact_match', 'contains', 'python_asserts', 'evaluator', "
            "got 'exact'; did you mean 'exact_match'?",
        ),
        ([*EVAL_DRIVEN, "trainer.threshold=90"], "trainer.threshold must be from 0 to 1, got 90.0"),
        (
            ["trainer=tinker_sft", "trainer.data=x.jsonl", "run_dir="],
            "run_dir must be a path (not empty, no NUL byte, each name at most 255 bytes), got ''",
        ),
    ],
)
def test_the_command_line_refuses_a_bad_value_before_training(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *argv]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_the_api_names_the_field_of_the_trainer() -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("trainer", "tinker_grpo", {"prompts": "p.jsonl", "reward": "r.py:f", "temperature": 0})
    assert str(raised.value) == "trainer 'tinker_grpo': temperature must be greater than 0, got 0"
    with pytest.raises(ConfigError) as raised:
        Tinkerer().train("tinker_sft", data="x.jsonl", num_epochs=-1)
    assert str(raised.value) == "trainer.num_epochs must be at least 1, got -1"


def test_a_temperature_far_above_the_usual_warns() -> None:
    with pytest.warns(ConfigWarning, match=r"^temperature=5.0: above 2: completions at such temperatures are mostly"):
        trainer = create_component(
            "trainer", "tinker_grpo", {"prompts": "p.jsonl", "reward": "r.py:f", "temperature": 5.0}
        )
    assert trainer.temperature == 5.0


def test_scorer_and_evaluator_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *EVAL_DRIVEN, "trainer.scorer=evaluator"]) == 2
    assert capsys.readouterr().err == (
        "error: scorer=evaluator needs an evaluator: set evaluator=<name> (e.g. evaluator=llm_judge)\n"
    )
    assert main(["train", *EVAL_DRIVEN, "trainer.evaluator=no_score"]) == 2
    assert capsys.readouterr().err == (
        "error: evaluator is used only with scorer=evaluator, and scorer is 'exact_match': "
        "set scorer=evaluator, or leave evaluator unset\n"
    )


def test_holding_out_every_conversation_is_refused_before_a_server_starts(chats: Path, tmp_path: Path) -> None:
    """It used to end in a ZeroDivisionError inside tinker-cookbook, after the local server had started."""
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError) as raised:
        Tinkerer().train("tinker_sft", run_dir=str(run_dir), data=str(chats), test_size=8)
    assert str(raised.value) == f"test_size must be less than the 8 conversations in {chats}, got 8"
    assert not run_dir.exists()
