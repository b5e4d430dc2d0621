"""The unmodified tinker SDK and tinker-cookbook loops against the local server, on the tiny test model."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

tinker = pytest.importorskip("tinker")
from tinker import types  # noqa: E402

from tinkerer_plugin_tinker_local.catalog import TINY_MODEL  # noqa: E402
from tinkerer_plugin_tinker_local.cookbook import use_local_models  # noqa: E402
from tinkerer_plugin_tinker_local.server import TinkerLocalServer  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with TinkerLocalServer(tmp_path_factory.mktemp("tinker-local")) as running:
        yield running


@pytest.fixture(scope="module")
def service(server: TinkerLocalServer):
    return tinker.ServiceClient(base_url=server.base_url, api_key=server.api_key)


def _datum(tokens: list[int], **inputs: list[float]) -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]), loss_fn_inputs={"target_tokens": tokens[1:], **inputs}
    )


def _tokens(training: tinker.TrainingClient, text: str) -> list[int]:
    return training.get_tokenizer().encode(text, add_special_tokens=False)


def test_capabilities_list_the_local_models(service) -> None:
    names = [model.model_name for model in service.get_server_capabilities().supported_models]
    assert TINY_MODEL in names and "HuggingFaceTB/SmolLM2-135M-Instruct" in names


def test_sft_steps_lower_the_loss_and_return_per_token_logprobs(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=8, seed=1).result()
    tokens = _tokens(training, "the answer is 42 and the answer is 42")
    datum = _datum(tokens, weights=[1.0] * (len(tokens) - 1))
    losses = []
    for _ in range(6):
        result = training.forward_backward([datum], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
        losses.append(result.metrics["loss:sum"])
        assert len(result.loss_fn_outputs[0]["logprobs"].tolist()) == len(tokens) - 1
    assert losses[-1] < losses[0] * 0.8, losses
    logprobs = result.loss_fn_outputs[0]["logprobs"].tolist()
    assert math.isclose(-sum(logprobs), losses[-1], rel_tol=1e-4)


def test_forward_only_leaves_the_weights_alone(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4).result()
    datum = _datum(_tokens(training, "unchanged weights"))
    first = training.forward([datum], "cross_entropy").result().metrics["loss:sum"]
    training.optim_step(types.AdamParams(learning_rate=1e-1)).result()  # no gradients: nothing moves
    assert training.forward([datum], "cross_entropy").result().metrics["loss:sum"] == pytest.approx(first)


@pytest.mark.parametrize("loss_fn", ["importance_sampling", "ppo", "cispo", "dro"])
def test_policy_losses_follow_the_advantage(service, loss_fn: str) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=8, seed=2).result()
    tokens = _tokens(training, "reward this completion")
    before = training.forward([_datum(tokens)], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
    datum = _datum(tokens, logprobs=before, advantages=[1.0] * len(before))
    for _ in range(3):
        training.forward_backward([datum], loss_fn).result()
        training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
    after = training.forward([_datum(tokens)], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
    assert sum(after) > sum(before), f"{loss_fn} with positive advantages should make the completion likelier"


def test_unknown_loss_fails_with_the_available_ones(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4).result()
    with pytest.raises(tinker.RequestFailedError, match="choose one of: cross_entropy"):
        training.forward_backward([_datum(_tokens(training, "x y z"))], "hinge").result()  # type: ignore[arg-type]


def test_unknown_base_model_lists_the_served_ones(service) -> None:
    with pytest.raises(Exception, match="tinkerer/tiny-chat"):
        service.create_lora_training_client(base_model="meta-llama/Llama-3.1-8B", rank=4).result()


def test_sampling_stops_seeds_and_logprobs(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4).result()
    sampler = training.save_weights_and_get_sampling_client().result()
    prompt = types.ModelInput.from_ints(_tokens(training, "count: 1 2 3"))
    params = types.SamplingParams(max_tokens=6, temperature=1.0, seed=7, stop=[])
    first = sampler.sample(prompt, num_samples=3, sampling_params=params).result()
    again = sampler.sample(prompt, num_samples=3, sampling_params=params).result()
    assert [s.tokens for s in first.sequences] == [s.tokens for s in again.sequences]
    assert all(len(s.tokens) == 6 and s.stop_reason == "length" for s in first.sequences)
    assert all(len(s.logprobs) == 6 and all(lp <= 0 for lp in s.logprobs) for s in first.sequences)
    stop_token = first.sequences[0].tokens[2]
    stopped = sampler.sample(prompt, 3, types.SamplingParams(max_tokens=6, seed=7, stop=[stop_token])).result()
    assert stopped.sequences[0].stop_reason == "stop" and stopped.sequences[0].tokens == first.sequences[0].tokens[:3]
    text = training.get_tokenizer().decode(first.sequences[0].tokens[:3])
    by_string = sampler.sample(prompt, 3, types.SamplingParams(max_tokens=6, seed=7, stop=[text[-2:]])).result()
    assert by_string.sequences[0].stop_reason == "stop" and len(by_string.sequences[0].tokens) <= 3
    scored = sampler.sample(prompt, 1, types.SamplingParams(max_tokens=1), include_prompt_logprobs=True).result()
    assert scored.prompt_logprobs[0] is None and len(scored.prompt_logprobs) == prompt.length


def test_sampler_logprobs_match_the_training_forward(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4).result()
    sampler = training.save_weights_and_get_sampling_client().result()
    prompt = _tokens(training, "match the forward pass")
    sequence = (
        sampler.sample(types.ModelInput.from_ints(prompt), 1, types.SamplingParams(max_tokens=5, seed=3, stop=[]))
        .result()
        .sequences[0]
    )
    forward = training.forward([_datum(prompt + sequence.tokens)], "cross_entropy").result()
    scored = forward.loss_fn_outputs[0]["logprobs"].tolist()[len(prompt) - 1 :]
    assert scored == pytest.approx(sequence.logprobs, abs=1e-4)


def test_a_sampling_session_is_a_snapshot_of_its_weights(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=8, seed=3).result()
    tokens = _tokens(training, "snapshot of the weights")
    greedy = types.SamplingParams(max_tokens=8, temperature=0.0, stop=[])
    prompt = types.ModelInput.from_ints(tokens[:3])
    snapshot = training.save_weights_and_get_sampling_client().result()
    before = snapshot.sample(prompt, 1, greedy).result().sequences[0].tokens
    for _ in range(5):
        training.forward_backward([_datum(tokens)], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=5e-2)).result()
    assert snapshot.sample(prompt, 1, greedy).result().sequences[0].tokens == before
    assert (
        training.save_weights_and_get_sampling_client().result().sample(prompt, 1, greedy).result().sequences[0].tokens
        != before
    )


def test_checkpoints_save_list_load_and_resume(service, server: TinkerLocalServer) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=8, seed=4).result()
    datum = _datum(_tokens(training, "resume from here"))
    for _ in range(2):
        training.forward_backward([datum], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
    state = training.save_state("step-2").result().path
    sampler_path = training.save_weights_for_sampler("step-2").result().path
    expected = training.forward([datum], "cross_entropy").result().metrics["loss:sum"]

    restored = service.create_training_client_from_state_with_optimizer(state).result()
    assert restored.forward([datum], "cross_entropy").result().metrics["loss:sum"] == pytest.approx(expected, rel=1e-5)
    from_sampler = service.create_sampling_client(model_path=sampler_path)
    assert from_sampler.sample(types.ModelInput.from_ints([1, 5]), 1, types.SamplingParams(max_tokens=2)).result()

    rest = service.create_rest_client()
    run_id = state.split("/")[2]
    listed = [c.tinker_path for c in rest.list_checkpoints(run_id).result().checkpoints]
    assert listed == [state, sampler_path]
    assert run_id in [run.training_run_id for run in rest.list_training_runs().result().training_runs]
    assert rest.get_weights_info_by_tinker_path(state).result().lora_rank == 8
    with pytest.raises(Exception, match="already exists"):
        training.save_state("step-2").result()


def test_cookbook_supervised_loop_runs_unmodified(server: TinkerLocalServer, tmp_path: Path, monkeypatch) -> None:
    from tinker_cookbook.supervised import train
    from tinker_cookbook.supervised.data import FromConversationFileBuilder
    from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

    monkeypatch.setenv("TINKER_API_KEY", server.api_key)
    use_local_models()
    data = tmp_path / "chat.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {"messages": [{"role": "user", "content": f"{n} + 1"}, {"role": "assistant", "content": str(n + 1)}]}
            )
            + "\n"
            for n in range(8)
        )
    )
    common = ChatDatasetBuilderCommonConfig(
        model_name_for_tokenizer=TINY_MODEL, renderer_name="qwen3_instruct", max_length=64, batch_size=4
    )
    config = train.Config(
        log_path=str(tmp_path / "log"),
        model_name=TINY_MODEL,
        recipe_name="contract_sft",
        renderer_name="qwen3_instruct",
        dataset_builder=FromConversationFileBuilder(file_path=str(data), common_config=common),
        learning_rate=1e-3,
        lora_rank=4,
        base_url=server.base_url,
        save_every=1,
    )
    asyncio.run(train.main(config))
    metrics = [json.loads(line) for line in (tmp_path / "log" / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in metrics if "train_mean_nll" in row] == [0, 1]
    checkpoints = (tmp_path / "log" / "checkpoints.jsonl").read_text()
    assert "weights/final" in checkpoints and "sampler_weights/final" in checkpoints


@pytest.mark.slow
def test_cookbook_rl_loop_runs_unmodified(server: TinkerLocalServer, tmp_path: Path, monkeypatch) -> None:
    from tinker_cookbook.recipes.math_rl.arithmetic_env import ArithmeticDatasetBuilder
    from tinker_cookbook.rl import train

    monkeypatch.setenv("TINKER_API_KEY", server.api_key)
    use_local_models()
    config = train.Config(
        learning_rate=1e-3,
        dataset_builder=ArithmeticDatasetBuilder(
            batch_size=2, model_name_for_tokenizer=TINY_MODEL, renderer_name="qwen3_instruct", n_batches=2, group_size=3
        ),
        model_name=TINY_MODEL,
        recipe_name="contract_rl",
        renderer_name="qwen3_instruct",
        max_tokens=4,
        log_path=str(tmp_path / "log"),
        base_url=server.base_url,
        lora_rank=4,
        eval_every=0,
        save_every=1,
    )
    asyncio.run(train.main(config))
    rows = [json.loads(line) for line in (tmp_path / "log" / "metrics.jsonl").read_text().splitlines()]
    assert {row["step"] for row in rows} >= {0, 1}
    # the sampler's logprobs are the trainer's: importance weights start at 1
    assert all(abs(row["optim/kl_sample_train_v1"]) < 1e-3 for row in rows if "optim/kl_sample_train_v1" in row)


def test_serve_command_prints_and_stores_its_key(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tinkerer_core.cli",
            "tinker-local",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        url = line.split("Tinker API on ")[1].split()[0]
        key = line.split("TINKER_API_KEY=")[1].split()[0]
        assert (tmp_path / "api-key").read_text().strip() == key and (
            tmp_path / "api-key"
        ).stat().st_mode & 0o777 == 0o600
        request = urllib.request.Request(f"{url}/api/v1/healthz", headers={"X-API-Key": key})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response) == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0 and not (tmp_path / "api-key").exists()  # SIGTERM stops it cleanly


def test_concurrent_samples_match_serial_ones(service) -> None:
    """Queued sample requests decode as one left-padded batch; each request's answer is what it gets alone."""
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4, seed=5).result()
    sampler = training.save_weights_and_get_sampling_client().result()
    prompts = [types.ModelInput.from_ints(_tokens(training, text)) for text in ("a", "a longer prompt to pad against")]
    params = [types.SamplingParams(max_tokens=n, temperature=1.0, seed=n, stop=[]) for n in (3, 6)]
    alone = [
        sampler.sample(p, 2, s, include_prompt_logprobs=True).result() for p, s in zip(prompts, params, strict=True)
    ]
    busy = training.forward_backward([_datum(_tokens(training, "keep the worker busy"))], "cross_entropy")
    queued = [sampler.sample(p, 2, s, include_prompt_logprobs=True) for p, s in zip(prompts, params, strict=True)]
    busy.result()
    for single, batched in zip(alone, [future.result() for future in queued], strict=True):
        assert [s.tokens for s in batched.sequences] == [s.tokens for s in single.sequences]
        for one, other in zip(batched.sequences, single.sequences, strict=True):
            assert one.logprobs == pytest.approx(other.logprobs, abs=1e-4)
        assert batched.prompt_logprobs[1:] == pytest.approx(single.prompt_logprobs[1:], abs=1e-4)


def test_data_of_different_lengths_score_as_they_would_alone(service) -> None:
    training = service.create_lora_training_client(base_model=TINY_MODEL, rank=4, seed=6).result()
    data = [_datum(_tokens(training, text)) for text in ("short one", "a much longer datum than the first", "mid size")]
    together = training.forward(data, "cross_entropy").result()
    for datum, output in zip(data, together.loss_fn_outputs, strict=True):
        alone = training.forward([datum], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
        assert output["logprobs"].tolist() == pytest.approx(alone, abs=1e-4)
