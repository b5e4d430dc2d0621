"""``tinkerer data from-runs``: training rows from the run stores of real evolve runs with scripted replies.

Run A (goal "print a good score", replies LOW then GOOD, one debug attempt): experiment 1 drafts LOW (0.3);
experiment 2 first repeats LOW (identical to its parent: no program) and its debug attempt writes GOOD (0.7);
experiment 3 writes LOW over GOOD (0.3, no improvement). Run B, same goal, drafts CRASH (the program fails).
Run C, another goal, drafts GOOD. litellm's offline mock scripts every reply; the engine, store and CLI are real.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import Tinkerer
from tinkerer_core.cli import main
from tinkerer_plugin_tinker import data
from tinkerer_plugin_tinker.experience import excluded_goals, from_runs
from tinkerer_plugin_tinker.rewards import validate_reward

pytest.importorskip("tinkerer_plugin_litellm", reason="the evolve runs need the LLM gateway: tinkerer-plugin-litellm")
pytest.importorskip(
    "tinkerer_plugin_evaluators", reason="the evolve runs need regex_pattern: tinkerer-plugin-evaluators"
)
pytest.importorskip("tinkerer_plugin_search", reason="the evolve runs need linear_search: tinkerer-plugin-search")
pytestmark = pytest.mark.slow  # three evolve runs, about 10 s together
DOCS = Path(__file__).resolve().parents[3] / "docs" / "training.md"


def whole_file(body: str) -> str:
    return f"Here it is.\n\nmain.py\n```python\n{body}```\n"


LOW = whole_file("print('SCORE:', 0.3)\n")
GOOD = whole_file("values = [3, 4]\nprint('SCORE:', sum(values) / 10)\n")
CRASH = whole_file("raise SystemExit(2)\n")
GOAL, OTHER_GOAL = "print a good score", "print the best score you can"


def evolve(run_dir: Path, goal: str, replies: tuple[str, ...], iterations: int, debug_attempts: int) -> Path:
    Tinkerer().evolve(
        goal=goal,
        coding_agent="llm_edit",
        coding_agent_params={"edit_format": "whole"},
        evaluator="regex_pattern",
        search_strategy="linear_search",
        search_strategy_params={"operators": ()},  # every experiment the agent's (no LLM-free edit between replies)
        max_iterations=iterations,
        debug_attempts=debug_attempts,
        run_dir=str(run_dir),
        timeout_s=20.0,
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": replies},
    )
    return run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "A": evolve(root / "a", GOAL, (LOW, GOOD), iterations=3, debug_attempts=1),
        "B": evolve(root / "b", GOAL, (CRASH,), iterations=1, debug_attempts=0),
        "C": evolve(root / "c", OTHER_GOAL, (GOOD,), iterations=1, debug_attempts=0),
    }


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def replies_of(file_rows: list[dict[str, Any]]) -> list[str]:
    return [row["messages"][-1]["content"] for row in file_rows]


def from_runs_cli(*args: object) -> int:
    return main(["data", "from-runs", *map(str, args)])


def test_each_file_holds_the_rows_its_replies_earn(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert from_runs_cli(runs["A"], runs["B"], "--out", tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "sft.jsonl: 2 rows\nhindsight.jsonl: 3 rows\nrl.jsonl: 3 rows\nruns: 2 read, 0 skipped" in printed
    assert "1 skipped: rl: no reply in the group scored" in printed  # experiment 2's identical reply alone
    sft, hindsight, rl = (rows(tmp_path / "out" / name) for name in ("sft.jsonl", "hindsight.jsonl", "rl.jsonl"))
    # SFT: the draft that scored, and the debug reply that beat its parent (0.7 > 0.3); not LOW over GOOD
    assert replies_of(sft) == [LOW, GOOD]
    assert [message["role"] for message in sft[0]["messages"]] == ["system", "user", "assistant"]
    assert "reply identical to parent" in sft[1]["messages"][1]["content"]  # the debug attempt's prompt
    # hindsight: every program that scored, its goal relabelled with what it reached
    assert replies_of(hindsight) == [LOW, GOOD, LOW]
    goals = [row["messages"][1]["content"].split("\n\n# Task")[0] for row in hindsight]
    assert goals == [
        f"# Goal\n{GOAL}\n\nThe program to write reaches score {score} (score {score} from 'SCORE: {score}')."
        for score in ("0.3", "0.7", "0.3")
    ]
    # RL: the draft prompt of runs A and B is one group: LOW scored 0.3, CRASH ran no program that scored
    draft, debug, improve = rl
    assert draft["replies"] == [{"completion": LOW, "score": 0.3}, {"completion": CRASH, "score": None}]
    assert draft["answer"] == LOW and draft["parent_score"] is None
    assert draft["prompt"].startswith(f"# Goal\n{GOAL}\n") and draft["system"].startswith("You are an expert")
    assert debug["replies"] == [{"completion": GOOD, "score": 0.7}] and debug["parent_score"] == 0.3
    assert improve["replies"] == [{"completion": LOW, "score": 0.3}] and improve["parent_score"] == 0.7
    assert {row["goal"] for row in rl} == {GOAL} and {row["direction"] for row in rl} == {"maximize"}


def test_the_same_prompt_and_reply_count_once(runs: dict[str, Path], tmp_path: Path) -> None:
    copy = shutil.copytree(runs["A"], tmp_path / "a-again")
    once, twice = from_runs([runs["A"], runs["B"]]), from_runs([runs["A"], copy, runs["B"]])
    assert twice.files() == once.files()
    assert twice.skipped["sft: duplicate"] == 2 and twice.skipped["hindsight: duplicate"] == 3
    assert twice.skipped["rl: duplicate reply"] == once.skipped["rl: duplicate reply"] + 4


def test_a_run_toward_an_excluded_goal_contributes_nothing(runs: dict[str, Path], tmp_path: Path) -> None:
    held_out = tmp_path / "held_out.txt"
    held_out.write_text('{"goal": "an unrelated task"}\n\n  PRINT the best\tscore you can \n')
    assert excluded_goals(held_out) == {"an unrelated task", "print the best score you can"}
    everything = from_runs(list(runs.values()))
    assert replies_of(everything.sft)[-1] == GOOD and len(everything.sft) == 3  # run C's draft
    assert from_runs_cli(*runs.values(), "--out", tmp_path / "out", "--exclude-goals", held_out) == 0
    assert rows(tmp_path / "out" / "sft.jsonl") == from_runs([runs["A"], runs["B"]]).sft
    assert rows(tmp_path / "out" / "rl.jsonl") == from_runs([runs["A"], runs["B"]]).rl
    assert all(OTHER_GOAL not in json.dumps(row) for row in rows(tmp_path / "out" / "hindsight.jsonl"))
    excluded = from_runs(list(runs.values()), [" print the best score you can"])
    assert excluded.skipped_runs == {"goal excluded": [str(runs["C"])]}


def test_a_run_that_earns_no_rows_writes_nothing_and_says_why(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert from_runs_cli(runs["B"], "--out", out) == 2
    error = capsys.readouterr().err
    assert f"error: RUN_DIR {runs['B']} gave no training rows; nothing was written to --out {out}" in error
    assert "1 skipped: rl: no reply in the group scored" in error
    assert not out.exists()
    old = shutil.copytree(runs["C"], tmp_path / "old")
    with sqlite3.connect(old / "run.sqlite") as db:  # a run from before stores kept the calls' text
        db.execute("DROP TABLE llm_texts")
    assert from_runs_cli(old, "--out", out) == 2
    assert "1 skipped: no recorded text (stored before run stores kept it)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{tmp}", "--out", "{tmp}/out"], "RUN_DIR {tmp} is not a run directory (it holds no run.sqlite)"),
        (["{tmp}/held_out.txt", "--out", "{tmp}/out"], "RUN_DIR {tmp}/held_out.txt is not a directory"),
        (["{A}", "--out", "{tmp}/held_out.txt"], "--out {tmp}/held_out.txt is a file, not a folder"),
        (["{A}", "--out", "{tmp}/out", "--exclude-goals", "{tmp}/none.txt"], "--exclude-goals {tmp}/none.txt cannot"),
        (
            ["{A}", "--out", "{tmp}/out", "--exclude-goals", "{tmp}/blank.txt"],
            "--exclude-goals {tmp}/blank.txt holds no",
        ),
    ],
)
def test_bad_arguments_are_refused_naming_them(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "held_out.txt").write_text(GOAL)
    (tmp_path / "blank.txt").write_text("\n  \n")
    assert from_runs_cli(*(arg.format(tmp=tmp_path, A=runs["A"]) for arg in argv)) == 2
    assert capsys.readouterr().err.startswith(f"error: {message.format(tmp=tmp_path)}")


def test_the_files_feed_the_trainers_readers(runs: dict[str, Path], tmp_path: Path) -> None:
    assert from_runs_cli(*runs.values(), "--out", tmp_path) == 0
    for name in ("sft.jsonl", "hindsight.jsonl"):
        conversations = data.conversations(tmp_path / name)
        assert conversations == [row["messages"] for row in rows(tmp_path / name)]
    prompts = data.prompts(tmp_path / "rl.jsonl")
    assert len(prompts) == 4

    def recorded_score(completion: str, row: dict[str, Any]) -> float:
        """A reward from the row's fields: the evaluator's score of a recorded reply, 0 for anything else."""
        return next((reply["score"] or 0.0 for reply in row["replies"] if reply["completion"] == completion), 0.0)

    validate_reward(recorded_score, prompts)  # the reference answer scores above an empty completion


def test_the_documented_command_runs(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (command,) = [line for line in DOCS.read_text().splitlines() if line.startswith("tinkerer data from-runs")]
    argv = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)
    shutil.copytree(runs["A"], "runs/demo-1")
    shutil.copytree(runs["C"], "runs/demo-2")
    Path("held_out.txt").write_text(OTHER_GOAL + "\n")
    assert main(argv) == 0
    assert "runs: 1 read, 1 skipped\n  1 goal excluded: runs/demo-2" in capsys.readouterr().out
    assert rows(Path("data/experience/sft.jsonl")) == from_runs([runs["A"]]).sft


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")
def test_the_files_train_unchanged(runs: dict[str, Path], tmp_path: Path) -> None:
    pytest.importorskip("tinkerer_plugin_tinker_local", reason="local training needs tinkerer-plugin-tinker-local")
    assert from_runs_cli(*runs.values(), "--out", tmp_path / "data") == 0
    reward = tmp_path / "rewards.py"
    reward.write_text(
        "def recorded(completion, row):\n"
        "    return next((r['score'] or 0.0 for r in row['replies'] if r['completion'] == completion), 0.0)\n"
    )
    common: dict[str, Any] = {"base_model": "tinkerer/tiny-chat", "lora_rank": 4, "batch_size": 2}
    sft = Tinkerer().train(
        "tinker_sft", run_dir=str(tmp_path / "sft"), data=str(tmp_path / "data/sft.jsonl"), max_steps=1, **common
    )
    assert sft.metrics["train_mean_nll"] > 0
    grpo = Tinkerer().train(
        "tinker_grpo",
        run_dir=str(tmp_path / "grpo"),
        prompts=str(tmp_path / "data/rl.jsonl"),
        reward=f"{reward}:recorded",
        steps=1,
        group_size=2,
        max_tokens=8,
        **common,
    )
    assert "reward_mean" in grpo.metrics
