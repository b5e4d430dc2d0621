"""Evolve with a model Tinkerer trained: ``llm.model=tinker/<run dir>`` or ``tinker/tinker://...`` samples it.

The checkpoints are real ones, trained here with ``tinker_sft`` on the tiny model (random weights: its replies
are noise, so the tests check the plumbing: the calls, their tokens, the ledger, greedy replies repeating).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, LLMConfig, RunStore, Tinkerer, open_llm
from tinkerer_plugin_tinker_local.server import TinkerLocalServer

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")
TINY = "tinkerer/tiny-chat"
QUESTION = [{"role": "user", "content": "3 + 1 ="}]


def _train(chats: Path, run_dir: Path, **where: str) -> list[str]:
    """SFT of the tiny model; the sampler paths it saved."""
    Tinkerer().train(
        "tinker_sft", run_dir=str(run_dir), data=str(chats), base_model=TINY, batch_size=4, lora_rank=4, **where
    )
    records = [json.loads(line) for line in (run_dir / "checkpoints.jsonl").read_text().splitlines()]
    return [record["sampler_path"] for record in records if "sampler_path" in record]


@pytest.mark.slow
def test_an_evolve_run_writes_with_a_model_trained_in_a_run_directory(chats: Path, tmp_path: Path) -> None:
    assert _train(chats, tmp_path / "sft")
    llm = open_llm(LLMConfig(model=f"tinker/{tmp_path / 'sft'}", max_tokens=12, temperature=0.0))
    first, again = llm.complete(QUESTION), llm.complete(QUESTION)
    assert first.text == again.text  # greedy
    assert first.prompt_tokens > 3 and 0 < first.completion_tokens <= 12

    config = tmp_path / "evolve.py"
    config.write_text(
        "config = {'goal': 'Print SCORE: 1', 'main_file': 'main.py', 'command': 'python main.py',\n"
        "  'max_iterations': 2, 'search_strategy': 'linear_search', 'evaluator': 'regex_pattern',\n"
        "  'llm.model': 'tinker/sft', 'llm.max_tokens': 24, 'run_dir': 'run'}\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", "evolve", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TINKERER_QUIET": "1"},
    )
    assert run.returncode == 0, run.stderr
    store = RunStore(tmp_path / "run")
    try:
        calls = store.llm_calls()
        experiments = store.experiments()
    finally:
        store.close()
    assert len(experiments) == 2
    assert {call["model"] for call in calls} == {"tinker/sft"}
    assert any(call["purpose"].startswith("agent:") for call in calls)
    assert all(call["prompt_tokens"] > 0 and 0 < call["completion_tokens"] <= 24 for call in calls)


@pytest.mark.slow
def test_a_tinker_path_is_sampled_on_the_server_in_tinker_base_url(
    chats: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TinkerLocalServer(tmp_path / "served") as server:
        monkeypatch.setenv("TINKER_BASE_URL", server.base_url)
        monkeypatch.setenv("TINKER_API_KEY", server.api_key)
        sampler_path = _train(chats, tmp_path / "sft")[-1]
        assert not (tmp_path / "sft" / "tinker-local").exists()  # trained on the served server
        # in a process of its own, as an evolve run would: the SDK's session ends with it, not with the server
        ask = (
            "from tinkerer_core import LLMConfig, open_llm\n"
            f"reply = open_llm(LLMConfig(model={'tinker/' + sampler_path!r}, max_tokens=8)).complete({QUESTION!r})\n"
            "print(reply.model, reply.completion_tokens)\n"
        )
        done = subprocess.run([sys.executable, "-c", ask], capture_output=True, text=True, timeout=300, check=True)
        model, tokens = done.stdout.split()[-2:]
        assert model == f"tinker/{sampler_path}" and 0 < int(tokens) <= 8


@pytest.mark.parametrize(
    ("model", "says"),
    [
        ("tinker/nowhere", "nowhere holds no training run with a sampler checkpoint"),
        ("tinker/tinker://run-1/weights/final", "is not a sampler checkpoint"),
        ("tinker/tinker://run-1/sampler_weights/final", "set TINKER_BASE_URL"),
    ],
)
def test_a_model_that_names_no_checkpoint_is_refused_naming_llm_model(model: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as refused:
        open_llm(LLMConfig(model=model))
    assert f"llm.model={model}" in str(refused.value)


def test_a_damaged_checkpoint_log_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "checkpoints.jsonl").write_text('{"name": "final", "sampler_path": \n')
    with pytest.raises(ConfigError, match="cannot be read as JSON lines"):
        open_llm(LLMConfig(model=f"tinker/{tmp_path}"))
