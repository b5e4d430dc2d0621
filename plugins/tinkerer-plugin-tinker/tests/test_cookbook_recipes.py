"""tinker-cookbook's own recipes, unchanged, on the local server's tiny model; only their datasets are local files.

Each recipe runs as a user runs it, ``tinkerer tinker-local run -m <recipe> key=value ...`` in a directory that
holds the datasets it names (``HuggingFaceH4/no_robots``, ``openai/gsm8k``) as local files, which
``datasets.load_dataset`` reads instead of the hub. Then a trained model leaves as users expect:
``tinker_cookbook.weights.download`` and ``build_hf_model``, loaded by transformers; and top-k distillation
trains on the teacher's soft targets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tinker_cookbook")
pytest.importorskip("tinkerer_plugin_tinker_local")

from tinkerer_plugin_tinker_local.catalog import TINY_MODEL
from tinkerer_plugin_tinker_local.server import TinkerLocalServer

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")]
SMALL = [f"model_name={TINY_MODEL}", "lora_rank=4"]
RECIPE_TIMEOUT_S = 300


ROWS = 128  # sl_basic and rl_basic fix their batch size at 128 (their dataset builder takes no overrides)


def write_datasets(root: Path) -> Path:
    """No Robots (chat) and GSM8K (its main config) splits of ``ROWS`` rows, in the layout load_dataset reads."""
    chats, maths = root / "HuggingFaceH4" / "no_robots", root / "openai" / "gsm8k"
    (maths / "main").mkdir(parents=True)
    chats.mkdir(parents=True)
    for split in ("train", "test"):
        rows = [
            {"messages": [{"role": "user", "content": f"{n} + 1"}, {"role": "assistant", "content": str(n + 1)}]}
            for n in range(ROWS)
        ]
        (chats / f"{split}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        problems = [
            {"question": f"What is {n} + 1?", "answer": f"{n} + 1 = {n + 1}\n#### {n + 1}"} for n in range(ROWS)
        ]
        (maths / "main" / f"{split}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in problems))
    (maths / "README.md").write_text(
        "---\nconfigs:\n- config_name: main\n  data_files:\n  - split: train\n    path: main/train.jsonl\n"
        "  - split: test\n    path: main/test.jsonl\n---\n"
    )
    return root


def run_recipe(module: str, cwd: Path, data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``tinkerer tinker-local run -m module arguments...`` with a fresh local server over ``data_dir``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TINKER_")}
    command = [sys.executable, "-m", "tinkerer_core.cli", "tinker-local", "run", "--data-dir", str(data_dir)]
    return subprocess.run(
        [*command, "-m", module, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RECIPE_TIMEOUT_S,
        check=False,
    )


def metrics(log_path: Path) -> list[dict]:
    return [json.loads(line) for line in (log_path / "metrics.jsonl").read_text().splitlines()]


RECIPES = {
    "sl_loop": ("tinker_cookbook.recipes.sl_loop", ["batch_size=4", "max_length=64", "save_every=1", "max_steps=2"]),
    "rl_loop": ("tinker_cookbook.recipes.rl_loop", ["batch_size=2", "group_size=2", "max_tokens=4", "max_steps=1"]),
    "sl_basic": ("tinker_cookbook.recipes.sl_basic", ["max_steps=1", "eval_every=0"]),
    "rl_basic": ("tinker_cookbook.recipes.rl_basic", ["max_tokens=2", "max_steps=1"]),
}


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_a_recipe_runs_unchanged_on_the_local_models(recipe: str, tmp_path: Path) -> None:
    module, arguments = RECIPES[recipe]
    log_path = tmp_path / "log"
    done = run_recipe(module, write_datasets(tmp_path), tmp_path / "server", *SMALL, f"log_path={log_path}", *arguments)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [row["step"] for row in metrics(log_path) if "progress/done_frac" in row or "train_mean_nll" in row]


def test_chat_sl_resumes_from_its_checkpoint_with_the_renderer_it_kept(tmp_path: Path) -> None:
    """chat_sl reads the renderer back from the run's user metadata when it resumes."""
    log_path = tmp_path / "log"
    arguments = [
        *SMALL,
        "dataset=no_robots",
        "batch_size=4",
        "max_length=64",
        "save_every=1",
        "eval_every=0",
        "infrequent_eval_every=0",
        f"log_path={log_path}",
        "behavior_if_log_dir_exists=resume",
    ]
    cwd, data_dir = write_datasets(tmp_path), tmp_path / "server"
    first = run_recipe("tinker_cookbook.recipes.chat_sl.train", cwd, data_dir, *arguments, "max_steps=1")
    assert first.returncode == 0, first.stderr[-3000:]
    again = run_recipe("tinker_cookbook.recipes.chat_sl.train", cwd, data_dir, *arguments, "max_steps=2")
    assert again.returncode == 0, again.stderr[-3000:]
    state = json.loads((log_path / "checkpoints.jsonl").read_text().splitlines()[-1])["state_path"]
    output = again.stderr + again.stdout
    assert f"Resumed training from {state}" in output
    assert f"Renderer metadata matches for checkpoint {state}: qwen3_instruct" in output


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tinkerer_plugin_tinker_local.cookbook import use_local_models

    with TinkerLocalServer(tmp_path / "server") as running:
        monkeypatch.setenv("TINKER_API_KEY", running.api_key)
        monkeypatch.setenv("TINKER_BASE_URL", running.base_url)
        use_local_models()
        yield running


def _trained(server: TinkerLocalServer):
    import tinker

    service = tinker.ServiceClient()
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4, seed=3).result()
    tokens = training.get_tokenizer().encode("weights leave the local server", add_special_tokens=False)
    datum = tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1]), loss_fn_inputs={"target_tokens": tokens[1:]}
    )
    for _ in range(3):
        training.forward_backward([datum], "cross_entropy").result()
        training.optim_step(tinker.AdamParams(learning_rate=5e-2)).result()
    return training, tokens, datum


def test_a_trained_model_downloads_merges_and_loads_in_transformers(server: TinkerLocalServer, tmp_path: Path) -> None:
    import torch
    from tinker_cookbook import weights
    from transformers import AutoModelForCausalLM

    training, tokens, datum = _trained(server)
    expected = training.forward([datum], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
    state = training.save_state("final").result().path
    external = training.save_weights_external("final").result().path
    for path, into in ((state, tmp_path / "from-state"), (external, tmp_path / "from-export")):
        adapter = weights.download(tinker_path=path, output_dir=str(into))
        assert sorted(p.name for p in Path(adapter).iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    merged = tmp_path / "merged"
    weights.build_hf_model(
        base_model=TINY_MODEL, adapter_path=str(tmp_path / "from-state"), output_path=str(merged), dtype="float32"
    )
    model = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)
    with torch.no_grad():
        logits = model(torch.tensor([tokens[:-1]])).logits[0]
    scored = torch.log_softmax(logits, -1).gather(1, torch.tensor(tokens[1:]).unsqueeze(1)).squeeze(1).tolist()
    assert scored == pytest.approx(expected, abs=1e-4)
    checkpoints = [checkpoint["tinker_path"] for checkpoint in server.store.all_checkpoints()]
    assert not [path for path in checkpoints if "/external_weights/download" in path]  # the temporary export went


def test_top_k_distillation_trains_on_the_teachers_soft_targets(
    server: TinkerLocalServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tinker_cookbook.distillation import train_off_policy
    from tinker_cookbook.distillation.datasets import TeacherConfig
    from tinker_cookbook.supervised.data import FromConversationFileBuilder
    from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

    training, _, _ = _trained(server)
    teacher = training.save_weights_for_sampler("teacher").result().path
    conversations = write_datasets(tmp_path / "data") / "HuggingFaceH4" / "no_robots" / "train.jsonl"
    common = ChatDatasetBuilderCommonConfig(
        model_name_for_tokenizer=TINY_MODEL, renderer_name="qwen3_instruct", max_length=64, batch_size=4
    )
    config = train_off_policy.Config(
        learning_rate=1e-3,
        dataset_configs=[
            train_off_policy.DatasetWithTeacher(
                dataset_builder=FromConversationFileBuilder(file_path=str(conversations), common_config=common),
                teacher_config=TeacherConfig(base_model=TINY_MODEL, load_checkpoint_path=teacher),
            )
        ],
        model_name=TINY_MODEL,
        recipe_name="distillation_test",
        lora_rank=4,
        n_teacher_targets=4,
        batch_size=4,
        save_every=0,
        eval_every=0,
        max_steps=2,
        log_path=str(tmp_path / "log"),
    )
    with caplog.at_level(logging.WARNING):
        asyncio.run(train_off_policy.main(config))
    assert "falling back to hard targets" not in caplog.text
    rows = [row for row in metrics(tmp_path / "log") if "train/loss:sum" in row]
    assert [row["step"] for row in rows] == [0, 1] and all(row["train/loss:sum"] > 0 for row in rows)
