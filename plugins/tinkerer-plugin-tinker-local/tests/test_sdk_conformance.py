"""Every public method of the tinker SDK's clients, called through the real SDK against the real local server.

The methods are found by introspecting the SDK's client classes, so a method a new SDK version adds fails the
suite until it has a scenario here. Each call is bounded by a timeout (a hang fails), checked for what it
answered (an answer that ignored what was asked fails), and a refusal must come fast as a 4xx that the SDK does
not retry, with its reason, and be listed as refused in the protocol table of docs/training.md.

``python tests/test_sdk_conformance.py`` prints the table of outcomes and the counts.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

tinker = pytest.importorskip("tinker")
from tinker import types  # noqa: E402

from tinkerer_plugin_tinker_local.catalog import TINY_MODEL, model_dir  # noqa: E402
from tinkerer_plugin_tinker_local.server import TinkerLocalServer  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning", "ignore::DeprecationWarning")

CLIENTS = (tinker.ServiceClient, tinker.TrainingClient, tinker.SamplingClient, tinker.RestClient, tinker.AdminClient)
CALL_TIMEOUT_S = 30.0  # every local call on the tiny model answers in a few seconds; longer is a hang
REFUSAL_TIMEOUT_S = 5.0  # a refusal is immediate
DOCS = Path(__file__).resolve().parents[3] / "docs" / "training.md"


def sdk_methods() -> list[str]:
    """``Class.method`` for every public attribute the SDK's client classes define themselves (async twins too)."""
    return [f"{cls.__name__}.{name}" for cls in CLIENTS for name in vars(cls) if not name.startswith("_")]


class Refused(Exception):
    """The server refused a call with a 4xx the SDK does not retry (status and reason)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status, self.reason = status, reason


@dataclass
class Caller:
    """Calls ``method`` or its ``_async`` twin and resolves whatever future comes back."""

    use_async: bool = False

    def __call__(self, obj: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.use_async:
            result = asyncio.run(_await(getattr(obj, f"{method}_async")(*args, **kwargs)))
        else:
            result = getattr(obj, method)(*args, **kwargs)
        return resolve(result)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def resolve(result: Any) -> Any:
    """The value of an SDK future (an ``APIFuture`` or a back-compat future), or ``result`` itself."""
    while hasattr(result, "result") and callable(result.result) and not isinstance(result, types.SampleResponse):
        result = result.result(timeout=CALL_TIMEOUT_S)
    return result


def expect_refused(call: Callable[[], Any], reason: str) -> int:
    """``call`` must fail at once with a 4xx other than 408/409/429 (the SDK retries those) naming ``reason``;
    the status. Bad input a method refuses is checked this way; ``refused`` marks a whole call as refused."""
    started = time.monotonic()
    try:
        call()
    except tinker.APIStatusError as error:
        elapsed = time.monotonic() - started
        assert 400 <= error.status_code < 500 and error.status_code not in (408, 409, 429), error
        assert elapsed < REFUSAL_TIMEOUT_S, f"refused after {elapsed:.1f} s"
        assert reason.lower() in str(error).lower(), f"the refusal does not say why ({reason!r}): {error}"
        return error.status_code
    except tinker.RequestFailedError as error:  # a queued request the server refused as the user's error
        assert reason.lower() in str(error).lower(), f"the refusal does not say why ({reason!r}): {error}"
        return 400
    raise AssertionError(f"expected a refusal naming {reason!r}; the call was answered")


def refused(call: Callable[[], Any], reason: str) -> None:
    """The call is refused as a whole (what the local server does not do), fast and with ``reason``."""
    raise Refused(expect_refused(call, reason), reason)


# --- the clients and data the scenarios share --------------------------------------------------------


def _datum(tokens: list[int], **inputs: Any) -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]), loss_fn_inputs={"target_tokens": tokens[1:], **inputs}
    )


@dataclass
class Surface:
    """A local server's SDK clients: one session, a trained tiny model, its checkpoints and a sampler."""

    server: TinkerLocalServer
    names: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def client_kwargs(self) -> dict[str, str]:
        return {"base_url": self.server.base_url, "api_key": self.server.api_key}

    def name(self, prefix: str) -> str:
        return f"{prefix}-{next(self.names)}"

    @cached_property
    def service(self) -> Any:
        return tinker.ServiceClient(
            user_metadata={"suite": "conformance"}, display_name="conformance walk", **self.client_kwargs()
        )

    @cached_property
    def rest(self) -> Any:
        return tinker.RestClient(**self.client_kwargs())

    @cached_property
    def admin(self) -> Any:
        return tinker.AdminClient(**self.client_kwargs())

    @cached_property
    def training(self) -> Any:
        training = self.new_training()
        training.forward_backward([self.datum], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
        return training

    def new_training(self, **kwargs: Any) -> Any:
        return self.service.create_lora_training_client(base_model=TINY_MODEL, rank=4, seed=0, **kwargs).result()

    @cached_property
    def tokens(self) -> list[int]:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_dir(TINY_MODEL))
        return tokenizer.encode("the local server answers every call", add_special_tokens=False)

    @cached_property
    def datum(self) -> types.Datum:
        return _datum(self.tokens, weights=[1.0] * (len(self.tokens) - 1))

    @cached_property
    def run_id(self) -> str:
        return self.training.get_info().model_id

    @cached_property
    def state(self) -> str:
        return self.training.save_state("conformance-state").result().path

    @cached_property
    def state_loss(self) -> float:
        self.state  # noqa: B018  (saved first: the loss is that of the saved weights)
        return self.loss(self.training)

    def loss(self, training: Any) -> float:
        return training.forward([self.datum], "cross_entropy").result().metrics["loss:sum"]

    @cached_property
    def sampler_path(self) -> str:
        return self.training.save_weights_for_sampler("conformance-sampler").result().path

    @cached_property
    def sampler(self) -> Any:
        return self.training.save_weights_and_get_sampling_client().result()

    @cached_property
    def prompt(self) -> types.ModelInput:
        return types.ModelInput.from_ints(self.tokens[:6])

    def checkpoint(self, path: str) -> Any:
        run = path.removeprefix("tinker://").split("/")[0]
        found = [c for c in self.rest.list_checkpoints(run).result().checkpoints if c.tinker_path == path]
        assert found, f"{path} is not listed"
        return found[0]

    def warm(self) -> Surface:
        """Build the shared clients and checkpoints before the walk (model loading is not a call's time)."""
        for name in ("rest", "admin", "training", "state_loss", "sampler_path", "sampler", "prompt"):
            getattr(self, name)
        return self

    def throwaway(self) -> str:
        return self.training.save_weights_for_sampler(self.name("throwaway")).result().path


Scenario = Callable[[Surface, Caller], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(*names: str) -> Callable[[Scenario], Scenario]:
    """Register a check for ``Class.method`` (and its async twin), or ``Class.method[variant]``."""

    def register(check: Scenario) -> Scenario:
        for name in names:
            SCENARIOS[name] = check
        return check

    return register


# --- ServiceClient -----------------------------------------------------------------------------------


@scenario("ServiceClient.holder")
def _holder(s: Surface, call: Caller) -> None:
    assert s.service.holder.get_session_id() in s.rest.list_sessions(limit=1000).result().sessions


@scenario("ServiceClient.get_console_url", "TrainingClient.get_console_url")
def _console_url(s: Surface, call: Caller) -> None:
    # built by the SDK alone: a link into the Tinker service's console, which a local session has not
    assert s.service.get_console_url().startswith("https://") and s.training.get_console_url().startswith("https://")


@scenario("ServiceClient.get_server_capabilities", "RestClient.get_server_capabilities")
def _capabilities(s: Surface, call: Caller) -> None:
    for client in (s.service, s.rest):
        if not call.use_async or hasattr(client, "get_server_capabilities_async"):
            assert TINY_MODEL in [m.model_name for m in call(client, "get_server_capabilities").supported_models]


@scenario("ServiceClient.create_lora_training_client")
def _create_lora(s: Surface, call: Caller) -> None:
    metadata = {"owner": "conformance", "renderer_name": "qwen3_instruct"}
    training = call(s.service, "create_lora_training_client", TINY_MODEL, rank=2, user_metadata=metadata)
    info = training.get_info()
    assert info.lora_rank == 2 and info.model_data.model_name == TINY_MODEL
    assert s.rest.get_training_run(info.model_id).result().user_metadata == metadata


@scenario("ServiceClient.create_lora_training_client[dimuon]", "TrainingClient.optim_step[dimuon]")
def _dimuon(s: Surface, call: Caller) -> None:
    training = s.new_training(optimizer=types.DimuonOptimizerConfig())
    path = training.save_state(s.name("dimuon")).result().path
    assert s.rest.get_weights_info_by_tinker_path(path).result().optimizer_config.type == "dimuon"
    before = s.loss(training)
    for _ in range(3):
        training.forward_backward([s.datum], "cross_entropy").result()
        training.optim_step(types.DimuonParams(learning_rate=2e-2)).result()
    assert s.loss(training) < before, "Dimuon steps did not lower the loss"
    expect_refused(lambda: training.optim_step(types.AdamParams()).result(), "dimuon")


@scenario("ServiceClient.copy_weights")
def _service_copy_weights(s: Surface, call: Caller) -> None:
    archive = tinker.ServiceClient(project_id="conformance-archive", **s.client_kwargs())
    _check_copy(s, archive.copy_weights(s.state).result())


@scenario("RestClient.copy_weights")
def _rest_copy_weights(s: Surface, call: Caller) -> None:
    _check_copy(s, call(s.rest, "copy_weights", s.state, "conformance-archive"))


def _check_copy(s: Surface, copied: str) -> None:
    assert copied != s.state and copied.endswith("/weights/conformance-state"), copied
    assert s.rest.get_weights_info_by_tinker_path(copied).result().lora_rank == 4
    restored = s.service.create_training_client_from_state(copied).result()
    assert s.loss(restored) == pytest.approx(s.state_loss, rel=1e-5)


@scenario("ServiceClient.create_training_client_from_state")
def _from_state(s: Surface, call: Caller) -> None:
    metadata = {"renderer_name": "qwen3_instruct"}
    restored = call(s.service, "create_training_client_from_state", s.state, user_metadata=metadata)
    assert s.loss(restored) == pytest.approx(s.state_loss, rel=1e-5)
    assert s.rest.get_training_run(restored.get_info().model_id).result().user_metadata == metadata


@scenario("ServiceClient.create_training_client_from_state_with_optimizer")
def _from_state_with_optimizer(s: Surface, call: Caller) -> None:
    restored = call(s.service, "create_training_client_from_state_with_optimizer", s.state)
    assert s.loss(restored) == pytest.approx(s.state_loss, rel=1e-5)


@scenario("ServiceClient.create_sampling_client")
def _service_sampling_client(s: Surface, call: Caller) -> None:
    sampler = call(s.service, "create_sampling_client", model_path=s.sampler_path)
    assert sampler.sample(s.prompt, 1, types.SamplingParams(max_tokens=2)).result().sequences[0].tokens
    base = call(s.service, "create_sampling_client", base_model=TINY_MODEL)
    assert base.get_base_model() == TINY_MODEL


@scenario("ServiceClient.create_sampling_client[record_stability_info]")
def _stability_info(s: Surface, call: Caller) -> None:
    sampler = s.service.create_sampling_client(model_path=s.sampler_path, record_stability_info=True).result()
    refused(lambda: sampler.sample(s.prompt, 1, types.SamplingParams(max_tokens=2)).result(), "stability")


@scenario("ServiceClient.create_custom_loss")
def _custom_loss(s: Surface, call: Caller) -> None:
    import torch

    def weighted_nll(logprobs: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        loss = -(logprobs * weights).sum()
        return loss, {"custom/nll:sum": loss}

    handle = s.service.create_custom_loss(weighted_nll, {"logprobs": 1, "weights": 1}).result()
    result = s.training.forward_backward_custom([s.datum], handle).result()
    assert result.metrics["custom/nll:sum"] == pytest.approx(s.loss(s.training), rel=1e-4)


@scenario("ServiceClient.create_rest_client")
def _create_rest_client(s: Surface, call: Caller) -> None:
    runs = s.service.create_rest_client().list_training_runs(limit=1000).result().training_runs
    assert s.run_id in [run.training_run_id for run in runs]


@scenario("ServiceClient.close")
def _close(s: Surface, call: Caller) -> None:
    service = tinker.ServiceClient(display_name="closing session", **s.client_kwargs())
    session_id = service.holder.get_session_id()
    service.close("success", detail="done").result()
    found = s.rest.search_sessions(types.SessionSearchRequest(session_id=session_id)).result().sessions
    assert found and found[0].status is not None and found[0].status.type == "client_finished", found


@scenario(*(f"{cls.__name__}.get_telemetry" for cls in CLIENTS))
def _telemetry(s: Surface, call: Caller) -> None:
    # the SDK's own reporter (TINKER_TELEMETRY=0 in these tests): nothing is asked of the server
    for client in (s.service, s.training, s.sampler, s.rest, s.admin):
        assert client.get_telemetry() is None


# --- TrainingClient ----------------------------------------------------------------------------------


@scenario("TrainingClient.forward")
def _forward(s: Surface, call: Caller) -> None:
    result = call(s.training, "forward", [s.datum], "cross_entropy")
    logprobs = result.loss_fn_outputs[0]["logprobs"].tolist()
    assert len(logprobs) == len(s.tokens) - 1 and result.metrics["loss:sum"] == pytest.approx(-sum(logprobs), 1e-4)


def _policy_datum(s: Surface, training: Any, advantage: float = 1.0) -> tuple[types.Datum, list[float], list[float]]:
    """A datum whose sampler logprobs are ``training``'s own and whose completion (all but 3 tokens) is rewarded."""
    logprobs = training.forward([_datum(s.tokens)], "cross_entropy").result().loss_fn_outputs[0]["logprobs"]
    old = logprobs.tolist()
    advantages = [0.0] * 3 + [advantage] * (len(old) - 3)
    return _datum(s.tokens, logprobs=old, advantages=advantages), old, advantages


# loss:sum when the sampler's logprobs are the trainer's (ratio 1): what each definition gives there
AT_RATIO_ONE = {
    "importance_sampling": lambda old, adv: -sum(adv),
    "ppo": lambda old, adv: -sum(adv),
    "gspo": lambda old, adv: -sum(adv),
    "cispo": lambda old, adv: -sum(a * lp for a, lp in zip(adv, old, strict=True)),
    "dro": lambda old, adv: -sum(a * lp for a, lp in zip(adv, old, strict=True)),
}


@scenario("TrainingClient.forward_backward")
def _forward_backward(s: Surface, call: Caller, loss: str = "cross_entropy") -> None:
    training = s.new_training()
    if loss == "cross_entropy":
        result = call(training, "forward_backward", [s.datum], "cross_entropy")
        assert result.metrics["loss:sum"] == pytest.approx(-sum(result.loss_fn_outputs[0]["logprobs"].tolist()), 1e-4)
        return
    datum, old, advantages = _policy_datum(s, training)
    result = call(training, "forward_backward", [datum], loss)
    assert result.metrics["loss:sum"] == pytest.approx(AT_RATIO_ONE[loss](old, advantages), rel=1e-3, abs=1e-4)
    training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
    after = training.forward([_datum(s.tokens)], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
    assert sum(after[3:]) > sum(old[3:]), f"{loss} with positive advantages did not make the completion likelier"


for _loss in AT_RATIO_ONE:
    SCENARIOS[f"TrainingClient.forward_backward[{_loss}]"] = lambda s, call, loss=_loss: _forward_backward(
        s, call, loss
    )


@scenario("TrainingClient.forward_backward[stable_reinforce]")
def _stable_reinforce(s: Surface, call: Caller) -> None:
    training = s.new_training()
    datum, _, _ = _policy_datum(s, training)
    refused(lambda: training.forward_backward([datum], "stable_reinforce").result(), "stable_reinforce")


@scenario("TrainingClient.forward_backward[2-D targets]")
def _soft_targets(s: Surface, call: Caller) -> None:
    import numpy as np

    targets = np.array([[t, (t + 7) % 1024] for t in s.tokens[1:]], dtype=np.int64)
    weights = np.array([[0.75, 0.25]] * len(targets), dtype=np.float32)
    datum = types.Datum(
        model_input=types.ModelInput.from_ints(s.tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(targets),
            "weights": types.TensorData.from_numpy(weights),
        },
    )
    result = s.new_training().forward_backward([datum], "cross_entropy").result()
    logprobs = result.loss_fn_outputs[0]["logprobs"].to_numpy()
    assert logprobs.shape == targets.shape
    assert result.metrics["loss:sum"] == pytest.approx(float(-(logprobs * weights).sum()), rel=1e-4)


@scenario("TrainingClient.forward_backward_custom")
def _forward_backward_custom(s: Surface, call: Caller) -> None:
    import torch

    def mean_nll(data: list[types.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        loss = -torch.cat(logprobs).mean()
        return loss, {"mean_nll": float(loss)}

    result = call(s.new_training(), "forward_backward_custom", [s.datum], mean_nll)
    assert result.metrics["mean_nll"] == pytest.approx(s.loss(s.new_training()) / (len(s.tokens) - 1), rel=1e-3)


@scenario("TrainingClient.optim_step")
def _optim_step(s: Surface, call: Caller) -> None:
    training = s.new_training()
    before = s.loss(training)
    training.forward_backward([s.datum], "cross_entropy").result()
    response = call(training, "optim_step", types.AdamParams(learning_rate=1e-2))
    assert response.metrics and s.loss(training) < before
    expect_refused(lambda: training.optim_step(types.DimuonParams(learning_rate=1e-2)).result(), "adamw")


@scenario("TrainingClient.save_state")
def _save_state(s: Surface, call: Caller) -> None:
    name = s.name("state")
    path = call(s.training, "save_state", name, ttl_seconds=7200, user_metadata={"step": "1"}).path
    checkpoint = s.checkpoint(path)
    assert checkpoint.user_metadata == {"step": "1"}
    assert checkpoint.expires_at is not None
    remaining = (checkpoint.expires_at - datetime.datetime.now(datetime.UTC)).total_seconds()
    assert 7000 < remaining <= 7200, remaining


@scenario("TrainingClient.load_state", "TrainingClient.load_state_with_optimizer")
def _load_state(s: Surface, call: Caller) -> None:
    for method in ("load_state", "load_state_with_optimizer"):
        fresh = s.new_training()
        call(fresh, method, s.state)
        assert s.loss(fresh) == pytest.approx(s.state_loss, rel=1e-5)


@scenario("TrainingClient.save_weights_for_sampler")
def _save_for_sampler(s: Surface, call: Caller) -> None:
    path = call(s.training, "save_weights_for_sampler", s.name("sampler"), ttl_seconds=3600).path
    assert s.checkpoint(path).expires_at is not None
    sampler = s.service.create_sampling_client(model_path=path).result()
    assert sampler.sample(s.prompt, 1, types.SamplingParams(max_tokens=2)).result().sequences


def _download(url: str, into: Path) -> Path:
    assert url.startswith("file://"), url
    source = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    target = into / source.name
    urllib.request.urlretrieve(url, target)
    return target


@scenario("TrainingClient.save_weights_external", "RestClient.get_external_weights_urls")
def _external(s: Surface, call: Caller) -> None:
    path = s.training.save_weights_external(s.name("external")).result().path
    assert "/external_weights/" in path
    urls = call(s.rest, "get_external_weights_urls", path).urls
    assert set(urls) == {"adapter_model.safetensors", "adapter_config.json"}, urls
    with tempfile.TemporaryDirectory() as scratch:
        config = json.loads(_download(urls["adapter_config.json"], Path(scratch)).read_text())
        assert config["r"] == 4 and config["lora_alpha"] > 0


@scenario("TrainingClient.save_weights_external[age]")
def _external_encrypted(s: Surface, call: Caller) -> None:
    pyrage = pytest.importorskip("pyrage")
    identity = pyrage.x25519.Identity.generate()
    path = s.training.save_weights_external(
        s.name("sealed"), ttl_seconds=3600, age_encryption_recipients=[str(identity.to_public())]
    ).result()
    urls = s.rest.get_external_weights_urls(path.path).result().urls
    assert set(urls) == {"adapter_model.safetensors.age", "adapter_config.json.age"}, urls
    with tempfile.TemporaryDirectory() as scratch:
        sealed = _download(urls["adapter_config.json.age"], Path(scratch))
        assert json.loads(pyrage.decrypt(sealed.read_bytes(), [identity]))["r"] == 4


@scenario("TrainingClient.get_info")
def _get_info(s: Surface, call: Caller) -> None:
    info = s.training.get_info() if not call.use_async else call(s.training, "get_info")
    assert info.model_data.model_name == TINY_MODEL and info.lora_rank == 4


@scenario("TrainingClient.get_tokenizer")
def _training_tokenizer(s: Surface, call: Caller) -> None:
    assert s.training.get_tokenizer().decode(s.tokens) == "the local server answers every call"


@scenario("TrainingClient.create_sampling_client")
def _training_sampling_client(s: Surface, call: Caller) -> None:
    sampler = call(s.training, "create_sampling_client", s.sampler_path)
    assert sampler.sample(s.prompt, 1, types.SamplingParams(max_tokens=2)).result().sequences[0].tokens


@scenario("TrainingClient.save_weights_and_get_sampling_client")
def _save_and_sample(s: Surface, call: Caller) -> None:
    sampler = call(s.training, "save_weights_and_get_sampling_client")
    assert len(sampler.sample(s.prompt, 2, types.SamplingParams(max_tokens=3)).result().sequences) == 2


# --- SamplingClient ----------------------------------------------------------------------------------


@scenario("SamplingClient.create")
def _sampling_create(s: Surface, call: Caller) -> None:
    sampler = tinker.SamplingClient.create(s.service.holder, base_model=TINY_MODEL).result()
    assert sampler.sample(s.prompt, 1, types.SamplingParams(max_tokens=2)).result().sequences


GREEDY = types.SamplingParams(max_tokens=3, temperature=0.0, stop=[])


def _full_prompt_logprobs(s: Surface) -> list[float | None]:
    return s.sampler.sample(s.prompt, 1, GREEDY, include_prompt_logprobs=True).result().prompt_logprobs


@scenario("SamplingClient.sample")
def _sample(s: Surface, call: Caller) -> None:
    response = call(s.sampler, "sample", s.prompt, 2, types.SamplingParams(max_tokens=4, seed=3, stop=[]))
    assert [len(sequence.tokens) for sequence in response.sequences] == [4, 4]
    assert all(sequence.sequence_id for sequence in response.sequences)


@scenario("SamplingClient.sample[prompt_logprobs]")
def _sample_prompt_logprobs(s: Surface, call: Caller) -> None:
    scored = _full_prompt_logprobs(s)
    assert scored[0] is None and len(scored) == s.prompt.length and all(lp is not None and lp < 0 for lp in scored[1:])


@scenario("SamplingClient.sample[topk_prompt_logprobs]")
def _sample_topk_prompt(s: Surface, call: Caller) -> None:
    response = s.sampler.sample(s.prompt, 1, GREEDY, include_prompt_logprobs=True, topk_prompt_logprobs=3).result()
    topk = response.topk_prompt_logprobs
    assert topk is not None and len(topk) == s.prompt.length and topk[0] is None
    for position, row in enumerate(topk[1:], start=1):
        assert row is not None and len(row) == 3
        values = [logprob for _, logprob in row]
        assert values == sorted(values, reverse=True)
        assert values[0] >= response.prompt_logprobs[position] - 1e-5
        actual = s.prompt.to_ints()[position]
        if actual in [token for token, _ in row]:
            assert dict(row)[actual] == pytest.approx(response.prompt_logprobs[position], abs=1e-4)


@scenario("SamplingClient.sample[topk_sample_logprobs]")
def _sample_topk_sample(s: Surface, call: Caller) -> None:
    sequence = s.sampler.sample(s.prompt, 1, GREEDY, topk_sample_logprobs=2).result().sequences[0]
    assert sequence.topk_logprobs is not None and len(sequence.topk_logprobs) == len(sequence.tokens)
    for token, logprob, row in zip(sequence.tokens, sequence.logprobs, sequence.topk_logprobs, strict=True):
        assert row is not None and row[0][0] == token and row[0][1] == pytest.approx(logprob, abs=1e-4)


@scenario("SamplingClient.sample[prompt_logprobs_last_n]")
def _sample_last_n(s: Surface, call: Caller) -> None:
    response = s.sampler.sample(
        s.prompt, 1, GREEDY, include_prompt_logprobs=True, topk_prompt_logprobs=2, prompt_logprobs_last_n=2
    ).result()
    full = _full_prompt_logprobs(s)
    assert response.prompt_logprobs[:-2] == [None] * (s.prompt.length - 2)
    assert response.prompt_logprobs[-2:] == pytest.approx(full[-2:], abs=1e-4)
    assert response.topk_prompt_logprobs[:-2] == [None] * (s.prompt.length - 2)


@scenario("SamplingClient.sample[target_prompt_logprobs]")
def _sample_targets(s: Surface, call: Caller) -> None:
    import numpy as np

    prompt = s.prompt.to_ints()
    ids = np.array([[token, -1] for token in prompt[1:]], dtype=np.int64)
    response = s.sampler.sample(
        s.prompt, 1, GREEDY, include_prompt_logprobs=True, target_prompt_logprobs=types.TensorData.from_numpy(ids)
    ).result()
    scored = response.target_prompt_logprobs.to_numpy()
    assert scored.shape == ids.shape and (scored[:, 1] == 0).all()
    assert scored[:, 0].tolist() == pytest.approx(response.prompt_logprobs[1:], abs=1e-4)


@scenario("SamplingClient.sample[prompt_alt_tokens_k]")
def _sample_alt_tokens(s: Surface, call: Caller) -> None:
    response = s.sampler.sample(s.prompt, 1, types.SamplingParams(max_tokens=1, seed=1), prompt_alt_tokens_k=2)
    alternatives = response.result().prompt_alt_tokens
    tokens, logprobs = alternatives.tokens.to_numpy(), alternatives.logprobs.to_numpy()
    assert tokens.shape == logprobs.shape == (s.prompt.length - 1, 2) and (logprobs < 0).all()


@scenario("SamplingClient.compute_logprobs")
def _compute_logprobs(s: Surface, call: Caller) -> None:
    full = call(s.sampler, "compute_logprobs", s.prompt)
    assert full == pytest.approx(_full_prompt_logprobs(s), abs=1e-4)
    last = call(s.sampler, "compute_logprobs", s.prompt, prompt_logprobs_last_n=1)
    assert last[:-1] == [None] * (s.prompt.length - 1) and last[-1] == pytest.approx(full[-1], abs=1e-4)


@scenario("SamplingClient.get_tokenizer")
def _sampling_tokenizer(s: Surface, call: Caller) -> None:
    started = time.monotonic()
    tokenizer = tinker.ServiceClient(**s.client_kwargs()).create_sampling_client(base_model=TINY_MODEL).get_tokenizer()
    assert time.monotonic() - started < 10, "the tokenizer was looked for on a hub"
    assert tokenizer.decode(s.tokens) == "the local server answers every call"


@scenario("SamplingClient.get_base_model")
def _base_model(s: Surface, call: Caller) -> None:
    assert (call(s.sampler, "get_base_model") if call.use_async else s.sampler.get_base_model()) == TINY_MODEL


@scenario("SamplingClient.get_sampler_handle", "SamplingClient.from_sampler_handle")
def _sampler_handle(s: Surface, call: Caller) -> None:
    again = tinker.SamplingClient.from_sampler_handle(s.sampler.get_sampler_handle(), api_key=s.server.api_key)
    params = types.SamplingParams(max_tokens=3, seed=5, stop=[])
    assert again.sample(s.prompt, 1, params).result().sequences[0].tokens == (
        s.sampler.sample(s.prompt, 1, params).result().sequences[0].tokens
    )


@scenario("SamplingClient.on_queue_state_change")
def _queue_state(s: Surface, call: Caller) -> None:
    from tinker.lib.api_future_impl import QueueState

    s.sampler.on_queue_state_change(QueueState.ACTIVE, None)  # the SDK's own callback: it logs


# --- RestClient and AdminClient ----------------------------------------------------------------------


@scenario("RestClient.get_training_run", "RestClient.get_training_run_by_tinker_path")
def _training_run(s: Surface, call: Caller) -> None:
    run = call(s.rest, "get_training_run", s.run_id)
    assert run.training_run_id == s.run_id and run.base_model == TINY_MODEL and run.lora_rank == 4
    assert call(s.rest, "get_training_run_by_tinker_path", s.state).training_run_id == s.run_id


@scenario("RestClient.get_weights_info_by_tinker_path")
def _weights_info(s: Surface, call: Caller) -> None:
    info = s.rest.get_weights_info_by_tinker_path(s.state).result()
    assert info.base_model == TINY_MODEL and info.lora_rank == 4 and info.optimizer_config.type == "adamw"


@scenario("RestClient.list_training_runs")
def _list_runs(s: Surface, call: Caller) -> None:
    s.run_id  # noqa: B018
    page = call(s.rest, "list_training_runs", limit=1000)
    assert s.run_id in [run.training_run_id for run in page.training_runs]


@scenario("RestClient.list_checkpoints")
def _list_checkpoints(s: Surface, call: Caller) -> None:
    listed = [c.tinker_path for c in call(s.rest, "list_checkpoints", s.run_id).checkpoints]
    assert s.state in listed and s.sampler_path in listed


@scenario("RestClient.list_user_checkpoints")
def _user_checkpoints(s: Surface, call: Caller) -> None:
    s.sampler_path  # noqa: B018
    listed = [c.tinker_path for c in call(s.rest, "list_user_checkpoints", limit=1000).checkpoints]
    assert s.state in listed and s.sampler_path in listed


@scenario("RestClient.delete_checkpoint", "RestClient.delete_checkpoint_from_tinker_path")
def _delete_checkpoint(s: Surface, call: Caller) -> None:
    first, second = s.throwaway(), s.throwaway()
    call(s.rest, "delete_checkpoint", s.run_id, first.split("/", 3)[3])
    call(s.rest, "delete_checkpoint_from_tinker_path", second)
    listed = [c.tinker_path for c in s.rest.list_checkpoints(s.run_id).result().checkpoints]
    assert first not in listed and second not in listed


@scenario("RestClient.publish_checkpoint_from_tinker_path", "RestClient.unpublish_checkpoint_from_tinker_path")
def _publish(s: Surface, call: Caller) -> None:
    path = s.throwaway()
    call(s.rest, "publish_checkpoint_from_tinker_path", path)
    assert s.checkpoint(path).public
    expect_refused(lambda: s.rest.publish_checkpoint_from_tinker_path(path).result(), "already public")
    call(s.rest, "unpublish_checkpoint_from_tinker_path", path)
    assert not s.checkpoint(path).public


@scenario("RestClient.set_checkpoint_ttl_from_tinker_path")
def _ttl(s: Surface, call: Caller) -> None:
    path = s.throwaway()
    call(s.rest, "set_checkpoint_ttl_from_tinker_path", path, 3600)
    expires = s.checkpoint(path).expires_at
    assert expires is not None and 3500 < (expires - datetime.datetime.now(datetime.UTC)).total_seconds() <= 3600
    call(s.rest, "set_checkpoint_ttl_from_tinker_path", path, None)
    assert s.checkpoint(path).expires_at is None
    expect_refused(lambda: s.rest.set_checkpoint_ttl_from_tinker_path(path, 5).result(), "3600")


@scenario("RestClient.get_session", "RestClient.list_sessions")
def _sessions(s: Surface, call: Caller) -> None:
    session_id = s.service.holder.get_session_id()
    s.run_id  # noqa: B018
    session = call(s.rest, "get_session", session_id)
    assert s.run_id in session.training_run_ids and session.user_metadata == {"suite": "conformance"}
    assert session.display_name == "conformance walk"
    assert session_id in call(s.rest, "list_sessions", limit=1000).sessions


@scenario("RestClient.assign_session_project", "RestClient.search_sessions")
def _projects_and_search(s: Surface, call: Caller) -> None:
    session_id = s.service.holder.get_session_id()
    project = s.name("project")
    call(s.rest, "assign_session_project", session_id, project)
    by_project = s.rest.search_sessions(types.SessionSearchRequest(project_ids=[project])).result().sessions
    assert [summary.session_id for summary in by_project] == [session_id]
    found = s.rest.search_sessions(
        types.SessionSearchRequest(display_name="Conformance", user_metadata={"suite": "conformance"})
    ).result()
    assert session_id in [summary.session_id for summary in found.sessions]
    assert found.sessions[0].project_id == project and found.sessions[0].checkpoints_count >= 1


@scenario("RestClient.export_session_trace")
def _trace(s: Surface, call: Caller) -> None:
    s.run_id  # noqa: B018
    url = call(s.rest, "export_session_trace", s.service.holder.get_session_id())
    with tempfile.TemporaryDirectory() as scratch:
        trace = json.loads(_download(url, Path(scratch)).read_text())
    names = {event["name"] for event in trace["traceEvents"]}
    assert {"create_model", "forward_backward", "optim_step"} <= names, names


@scenario("RestClient.whoami")
def _whoami(s: Surface, call: Caller) -> None:
    identity = s.rest.whoami().result()
    assert identity.user_urn.startswith("tml:user:") and identity.org_urn.startswith("tml:organization:")


@scenario("RestClient.get_sampler")
def _get_sampler(s: Surface, call: Caller) -> None:
    sampler_id = s.sampler._sampling_session_id  # the SDK keeps no public accessor for its own id
    assert call(s.rest, "get_sampler", sampler_id).base_model == TINY_MODEL


@scenario("RestClient.get_billing_usage", "AdminClient.get_billing_usage")
def _billing(s: Surface, call: Caller) -> None:
    for client in (s.rest, s.admin):
        status = expect_refused(
            lambda client=client: call(client, "get_billing_usage", "2026-01-01", "2026-01-02"), "billing"
        )
    raise Refused(status, "billing")


@scenario("RestClient.get_audit_log", "AdminClient.get_audit_log")
def _audit(s: Surface, call: Caller) -> None:
    for client in (s.rest, s.admin):
        status = expect_refused(lambda client=client: call(client, "get_audit_log"), "audit")
    raise Refused(status, "audit")


@scenario("RestClient.get_current_checkpoint_storage_usage", "AdminClient.get_current_checkpoint_storage_usage")
def _storage(s: Surface, call: Caller) -> None:
    s.sampler_path  # noqa: B018
    on_disk = sum(c.size_bytes or 0 for c in s.rest.list_user_checkpoints(limit=1000).result().checkpoints)
    for client in (s.rest, s.admin):
        usage = call(client, "get_current_checkpoint_storage_usage")
        assert sum(item.size_bytes for item in usage.data) == on_disk > 0
        assert sum(item.checkpoint_count for item in usage.data) >= 2


# --- the walk ----------------------------------------------------------------------------------------


def calls() -> list[tuple[str, str, bool]]:
    """(call id, scenario name, async) for every method, its async twin and its variants."""
    methods = sdk_methods()
    found = []
    for method in methods:
        base = method.removesuffix("_async")
        use_async = method.endswith("_async")
        if base in SCENARIOS:
            found.append((method, base, use_async))
        elif method in SCENARIOS:
            found.append((method, method, False))
        else:
            found.append((method, "", use_async))
    variants = [(name, name, False) for name in SCENARIOS if "[" in name]
    return found + variants


@dataclass
class Outcome:
    """How one call went: works, refused (4xx with its reason), wrong (answered but ignored the ask), error, hang."""

    call: str
    kind: str
    detail: str = ""
    seconds: float = 0.0


def run_call(surface: Surface, call_id: str, name: str, use_async: bool, timeout_s: float = CALL_TIMEOUT_S) -> Outcome:
    """Run one scenario in a thread, bounded by ``timeout_s``."""
    if not name:
        return Outcome(call_id, "missing", "no scenario: add one for this SDK method")
    box: list[Outcome] = []

    def target() -> None:
        started = time.monotonic()
        try:
            SCENARIOS[name](surface, Caller(use_async))
            box.append(Outcome(call_id, "works"))
        except Refused as refusal:
            box.append(Outcome(call_id, "refused", str(refusal)))
        except AssertionError as error:
            box.append(Outcome(call_id, "wrong", str(error).splitlines()[0][:200] if str(error) else "assertion"))
        except Exception as error:  # what the SDK raised: the call failed
            box.append(Outcome(call_id, "error", f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"))
        box[0].seconds = time.monotonic() - started

    worker = threading.Thread(target=target, name=f"conformance {call_id}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    return box[0] if box else Outcome(call_id, "hang", f"no answer within {timeout_s:g} s", timeout_s)


def documented_refusals() -> dict[str, str]:
    """``Class.method`` -> reason for every row of docs/training.md's protocol table marked refused."""
    refused = {}
    for line in DOCS.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[1].lower().startswith("refused"):
            for method in re.findall(r"`([A-Za-z]+\.[a-z_]+(?:\[[^\]]+\])?)`", cells[0]):
                refused[method] = cells[2]
    return refused


@pytest.fixture(scope="module")
def surface(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Surface]:
    with TinkerLocalServer(tmp_path_factory.mktemp("conformance")) as server:
        yield Surface(server).warm()


@pytest.mark.slow
def test_every_sdk_method_is_answered_or_refused_as_documented(surface: Surface) -> None:
    outcomes = [run_call(surface, *entry) for entry in calls()]
    refused_in_docs = documented_refusals()
    bad = [o for o in outcomes if o.kind not in ("works", "refused")]
    undocumented = [o for o in outcomes if o.kind == "refused" and o.call.removesuffix("_async") not in refused_in_docs]
    print("\n" + table(outcomes))
    assert not bad, "\n".join(f"{o.call}: {o.kind} ({o.detail})" for o in bad)
    assert not undocumented, f"refused but not marked refused in {DOCS.name}: {[o.call for o in undocumented]}"


def test_every_sdk_method_has_a_scenario() -> None:
    missing = [call for call, name, _ in calls() if not name]
    assert not missing, f"SDK methods with no conformance scenario: {missing}"


def table(outcomes: list[Outcome]) -> str:
    """The outcomes as a table, then the counts per kind (methods without their async twins, and all calls)."""
    lines = [f"{o.call:<62} {o.kind:<8} {o.seconds:5.1f}s  {o.detail}" for o in outcomes]
    methods = [o for o in outcomes if "[" not in o.call and not o.call.endswith("_async")]
    for label, group in (("methods", methods), ("calls (async twins and variants too)", outcomes)):
        counts = {kind: sum(o.kind == kind for o in group) for kind in ("works", "refused", "wrong", "error", "hang")}
        lines.append(f"{label}: {len(group)}  " + "  ".join(f"{k} {v}" for k, v in counts.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("TINKER_TELEMETRY", "0")
    with tempfile.TemporaryDirectory() as data_dir, TinkerLocalServer(Path(data_dir)) as running:
        walker, results = Surface(running).warm(), []
        for entry in calls():
            results.append(run_call(walker, *entry))
            print(table(results[-1:]).splitlines()[0], flush=True)
        print(table(results), flush=True)
    sys.stdout.flush()
    os._exit(0)  # calls that hang keep retrying in SDK threads; nothing more to wait for
