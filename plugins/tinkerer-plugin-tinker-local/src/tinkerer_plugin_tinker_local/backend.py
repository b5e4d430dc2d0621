"""The model work behind the protocol: LoRA adapters on shared base models, their optimizers and samplers.

One ``Backend`` serves every session. Each base model is loaded once and wrapped by peft; each training
model is a named adapter on it with its own optimizer (AdamW or Dimuon, chosen at creation); each sampling
session is a frozen copy of some adapter's weights (or none, for the base model). All calls come from one
worker thread, in order.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinkerer_core import TinkererError
from tinkerer_plugin_tinker_local import catalog, exports, losses, optimizers, wire
from tinkerer_plugin_tinker_local.checkpoints import CheckpointStore, check_ttl
from tinkerer_plugin_tinker_local.sampling import SamplingRequest, Stops, sample

LORA_ALPHA = 32
MICROBATCH_TOKENS = 1024  # padded tokens per forward: bounds the logits (tokens x vocabulary floats)
MAX_SAMPLER_ADAPTERS = 8  # sampler snapshots kept in memory; older ones reload from disk when used again
_ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
_MLP = ("gate_proj", "up_proj", "down_proj")


class BackendError(TinkererError):
    """A request the backend cannot serve (unknown model, bad input)."""


@dataclass
class _Host:
    """A loaded base model and its tokenizer; adapters are added to ``model`` by name."""

    name: str
    directory: Path
    model: Any
    tokenizer: Any
    adapters: set[str] = field(default_factory=set)


@dataclass
class _TrainingModel:
    model_id: str
    base_model: str
    adapter: str
    lora: dict[str, Any]
    optimizer_family: str = "adamw"
    optimizer: Any = None
    steps: int = 0
    tokens_since_step: int = 0


@dataclass
class _SamplingSession:
    base_model: str
    weights: Path | None  # the frozen adapter weights (a safetensors file); None samples the base model
    lora: dict[str, Any] | None
    adapter: str | None = None  # the peft adapter holding ``weights`` while it is loaded


class Backend:
    """Training and sampling for every session of one server."""

    def __init__(self, store: CheckpointStore, snapshots: Path, device: str | None = None) -> None:
        import torch

        self.store = store
        self.snapshots = snapshots  # frozen weights of sampling sessions that have no checkpoint
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._hosts: dict[str, _Host] = {}
        self._models: dict[str, _TrainingModel] = {}
        self._samplers: dict[str, _SamplingSession] = {}
        self._loaded_samplers: OrderedDict[str, None] = OrderedDict()
        self._ids = itertools.count(1)

    # --- models -----------------------------------------------------------------------------

    def _host(self, base_model: str) -> _Host:
        name = catalog.get_model(base_model).name
        if name not in self._hosts:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            directory = catalog.model_dir(name)
            model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32)
            # transformers types PreTrainedModel.to with functools.wraps(nn.Module.to): the device is read as self
            model = model.to(self.device)  # type: ignore[arg-type]
            model.requires_grad_(False)
            self._hosts[name] = _Host(name, directory, model, AutoTokenizer.from_pretrained(directory))
        return self._hosts[name]

    def _add_adapter(self, host: _Host, adapter: str, lora: dict[str, Any]) -> None:
        import torch
        from peft import LoraConfig, get_peft_model

        targets = _targets(lora)
        if not targets:
            raise BackendError("a LoRA adapter must train something: enable train_attn, train_mlp or train_unembed")
        config = LoraConfig(r=lora["rank"], lora_alpha=LORA_ALPHA, lora_dropout=0.0, target_modules=targets)
        if lora.get("seed") is not None:
            torch.manual_seed(lora["seed"])
        if not host.adapters:
            host.model = get_peft_model(host.model, config, adapter_name=adapter)
        else:
            host.model.add_adapter(adapter, config)
        host.adapters.add(adapter)

    def create_model(
        self,
        session_id: str,
        model_seq_id: int,
        base_model: str,
        lora: dict[str, Any] | None,
        optimizer_config: dict[str, Any] | None = None,
        user_metadata: dict[str, str] | None = None,
    ) -> str:
        """A new LoRA training model on ``base_model``; its id (also its training run id) is the SDK's own."""
        lora = {"rank": 32, "seed": None, "train_unembed": True, "train_mlp": True, "train_attn": True, **(lora or {})}
        family = optimizers.family(optimizer_config)
        host = self._host(base_model)
        model_id = f"{session_id}:train:{model_seq_id}"
        if model_id in self._models:
            raise BackendError(f"model {model_id} already exists in this session")
        adapter = f"train{next(self._ids)}"
        self._add_adapter(host, adapter, lora)
        self._models[model_id] = _TrainingModel(model_id, host.name, adapter, lora, family)
        self.store.create_run(
            model_id,
            {
                "base_model": host.name,
                "lora_config": lora,
                "optimizer_config": {"type": family, **({"version": 1} if family == "dimuon" else {})},
                "session_id": session_id,
                "is_lora": True,
                "user_metadata": user_metadata,
            },
        )
        return model_id

    def model(self, model_id: str) -> _TrainingModel:
        """A live training model; unknown ids list the live ones."""
        try:
            return self._models[model_id]
        except KeyError:
            raise BackendError(
                f"no training model {model_id!r}; live models: {', '.join(self._models) or 'none'}"
            ) from None

    def info(self, model_id: str) -> dict[str, Any]:
        """``GetInfoResponse`` fields; ``tokenizer_id`` is a local directory, so the SDK never reaches a hub."""
        model = self.model(model_id)
        host = self._hosts[model.base_model]
        return {
            "model_id": model_id,
            "model_name": model.base_model,
            "is_lora": True,
            "lora_rank": model.lora["rank"],
            "optimizer_config": self.store.run(model_id)["optimizer_config"],
            "model_data": {
                "arch": host.model.config.model_type,
                "model_name": model.base_model,
                "tokenizer_id": str(host.directory),
            },
        }

    def unload(self, model_id: str) -> None:
        """Free a training model's adapter (its checkpoints stay on disk)."""
        model = self._models.pop(model_id, None)
        if model is not None:
            self._drop_adapter(self._hosts[model.base_model], model.adapter)

    def _drop_adapter(self, host: _Host, adapter: str) -> None:
        if len(host.adapters) > 1:
            host.model.delete_adapter(adapter)
            host.adapters.discard(adapter)

    # --- training ---------------------------------------------------------------------------

    def forward_backward(self, request: wire.ForwardBackward) -> bytes:
        """Per-token logprobs of each datum's targets, the loss summed over data, and gradients unless forward-only.

        Data run as right-padded micro-batches of at most ``MICROBATCH_TOKENS`` padded tokens; gradients
        accumulate across them, so the result is the same as one datum at a time.
        """
        import torch

        model = self.model(request.model_id)
        host = self._activate(model)
        loss_fn = losses.get_loss(request.loss_fn)
        for example in request.examples:
            _check_targets(example, request.loss_fn)
        outputs: list[dict[str, Any]] = []
        total = 0.0
        host.model.train(not request.forward_only)
        with torch.set_grad_enabled(not request.forward_only):
            for batch in _microbatches(request.examples):
                loss, logprobs = self._microbatch(host, batch, loss_fn, request.loss_config)
                if not request.forward_only:
                    loss.backward()
                total += float(loss.detach())
                outputs += [{"logprobs": row.detach().cpu().numpy()} for row in logprobs]
        if not request.forward_only:
            model.tokens_since_step += sum(len(example.tokens) for example in request.examples)
        return wire.encode_forward_backward_output(outputs, {"loss:sum": total})

    def _microbatch(
        self, host: _Host, batch: list[wire.Example], loss_fn: losses.Loss, config: dict[str, Any]
    ) -> tuple[Any, list[Any]]:
        """One padded forward: the batch's summed loss and each datum's target logprobs."""
        import torch

        width = max(len(example.tokens) for example in batch)
        per_position = max(_targets_per_position(example) for example in batch)  # K of 2-D targets, else 1
        ids = torch.zeros(len(batch), width, dtype=torch.long, device=self.device)
        targets = torch.zeros(len(batch), width, per_position, dtype=torch.long, device=self.device)
        mask = torch.zeros(len(batch), width, dtype=torch.long, device=self.device)
        for row, example in enumerate(batch):
            length, given = len(example.tokens), torch.tensor(example.inputs["target_tokens"])
            ids[row, :length] = torch.tensor(example.tokens)
            targets[row, :length, : _targets_per_position(example)] = given.reshape(length, -1)
            mask[row, :length] = 1
        padded = any(len(example.tokens) < width for example in batch)
        logits = host.model(input_ids=ids, attention_mask=mask if padded else None).logits.float()  # None: fast path
        # one gather and logsumexp over the whole batch: slicing the logits per datum would make backward
        # allocate a batch-sized gradient per datum
        scored_all = logits.gather(-1, targets) - torch.logsumexp(logits, dim=-1, keepdim=True)
        loss = torch.zeros((), device=self.device)
        logprobs = []
        for row, example in enumerate(batch):
            inputs = {name: torch.tensor(array, device=self.device) for name, array in example.inputs.items()}
            scored = scored_all[row, : len(example.tokens), : _targets_per_position(example)]
            if example.inputs["target_tokens"].ndim == 1:
                scored = scored.squeeze(-1)
            loss = loss + loss_fn(scored, inputs, config)
            logprobs.append(scored)
        return loss, logprobs

    def optim_step(self, model_id: str, params: dict[str, Any]) -> dict[str, float]:
        """One step of the model's optimizer with the request's hyperparameters; gradients are then cleared."""
        import torch

        model = self.model(model_id)
        self._activate(model)
        trainable = self._trainable(model)
        if model.optimizer is None:
            model.optimizer = optimizers.build(model.optimizer_family, trainable)
        optimizers.configure(model.optimizer, model.optimizer_family, params)
        clip = params.get("grad_clip_norm") or 0.0
        norm = torch.nn.utils.clip_grad_norm_(trainable, clip if clip > 0 else float("inf"))
        model.optimizer.step()
        model.optimizer.zero_grad(set_to_none=True)
        model.steps += 1
        tokens, model.tokens_since_step = model.tokens_since_step, 0
        return {"grad_norm:mean": float(norm), "tokens:sum": float(tokens)}

    def _trainable(self, model: _TrainingModel) -> list[Any]:
        host = self._hosts[model.base_model]
        return [parameter for name, parameter in host.model.named_parameters() if f".{model.adapter}." in name]

    def _activate(self, model: _TrainingModel) -> _Host:
        host = self._hosts[model.base_model]
        host.model.set_adapter(model.adapter)
        return host

    # --- checkpoints ------------------------------------------------------------------------

    def save(
        self,
        model_id: str,
        name: str | None,
        kind: str,
        user_metadata: dict[str, str] | None,
        overwrite: bool = False,
        ttl_seconds: int | None = None,
    ) -> str:
        """Write the adapter (and, for training checkpoints, the optimizer) to disk; returns the Tinker path."""
        import torch
        from safetensors.torch import save_file

        model = self.model(model_id)
        check_ttl(ttl_seconds)
        path = self.store.new(model_id, kind, name or f"{kind}-{model.steps:06d}-{int(time.time() * 1000)}", overwrite)
        directory = self.store.directory(path)
        save_file(self._adapter_weights(model), directory / "adapter.safetensors")
        if kind == "training" and model.optimizer is not None:
            torch.save(model.optimizer.state_dict(), directory / "optimizer.pt")
        (directory / "steps").write_text(str(model.steps))
        self.store.finish(path, user_metadata, ttl_seconds)
        return str(path)

    def save_external(self, model_id: str, name: str, ttl_seconds: int | None, age_recipients: list[str] | None) -> str:
        """Export the adapter in the PEFT layout (what ``tinker_cookbook.weights`` merges), encrypted if asked."""
        model = self.model(model_id)
        check_ttl(ttl_seconds)
        path = self.store.new(model_id, "external", name, overwrite=True)
        config = exports.peft_config(
            model.lora, LORA_ALPHA, _targets(model.lora), str(catalog.model_dir(model.base_model))
        )
        exports.write(self.store.directory(path), self._adapter_weights(model), config, age_recipients)
        self.store.finish(path, None, ttl_seconds)
        return str(path)

    def load(self, model_id: str, tinker_path: str, with_optimizer: bool) -> None:
        """Load a checkpoint's adapter (and optimizer state if asked) into a live model of the same base."""
        import torch
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        model = self.model(model_id)
        path, directory = self.store.existing(tinker_path)
        source = self.store.run(path.run_id)
        if source["base_model"] != model.base_model or source["lora_config"]["rank"] != model.lora["rank"]:
            raise BackendError(
                f"{tinker_path} holds a rank-{source['lora_config']['rank']} adapter of {source['base_model']}; "
                f"model {model_id} is rank {model.lora['rank']} on {model.base_model}"
            )
        if path.kind == "external":
            raise BackendError(
                f"{tinker_path} is an export; load the weights/ or sampler_weights/ checkpoint it came from"
            )
        host = self._activate(model)
        set_peft_model_state_dict(host.model, load_file(directory / "adapter.safetensors"), adapter_name=model.adapter)
        model.steps = int((directory / "steps").read_text())
        optimizer_file = directory / "optimizer.pt"
        if with_optimizer and optimizer_file.exists():
            if optimizers.family(source.get("optimizer_config")) != model.optimizer_family:
                raise BackendError(
                    f"{tinker_path} holds {source['optimizer_config']['type']} optimizer state; model {model_id} "
                    f"uses {model.optimizer_family}: load it without the optimizer, or create the model from it"
                )
            model.optimizer = optimizers.build(model.optimizer_family, self._trainable(model))
            model.optimizer.load_state_dict(torch.load(optimizer_file, weights_only=True))

    def create_model_from_checkpoint(
        self,
        session_id: str,
        model_seq_id: int,
        tinker_path: str,
        with_optimizer: bool,
        optimizer_config: dict[str, Any] | None = None,
        user_metadata: dict[str, str] | None = None,
    ) -> str:
        """A new training model initialised from a checkpoint (its base model and rank come from the run).

        With the optimizer state the model keeps the checkpoint's optimizer; otherwise ``optimizer_config``'s.
        """
        path, _ = self.store.existing(tinker_path)
        source = self.store.run(path.run_id)
        optimizer = source.get("optimizer_config") if with_optimizer else optimizer_config
        model_id = self.create_model(
            session_id, model_seq_id, source["base_model"], source["lora_config"], optimizer, user_metadata
        )
        self.load(model_id, tinker_path, with_optimizer)
        return model_id

    def _adapter_weights(self, model: _TrainingModel) -> dict[str, Any]:
        from peft import get_peft_model_state_dict

        host = self._hosts[model.base_model]
        state = get_peft_model_state_dict(host.model, adapter_name=model.adapter)
        return {name: tensor.detach().cpu().clone().contiguous() for name, tensor in state.items()}

    # --- sampling ---------------------------------------------------------------------------

    def create_sampler(self, base_model: str | None, model_path: str | None) -> str:
        """A sampling session on a base model, or on a sampler/training checkpoint's frozen weights."""
        if model_path:
            path, directory = self.store.existing(model_path)
            base = self.store.run(path.run_id)["base_model"]
            lora = self.store.run(path.run_id)["lora_config"]
            weights = directory / ("adapter_model.safetensors" if path.kind == "external" else "adapter.safetensors")
            if not weights.exists():
                raise BackendError(f"{model_path} is encrypted; sample from the checkpoint it was exported from")
            return self._register_sampler(_SamplingSession(base, weights, lora))
        if base_model:
            return self._register_sampler(_SamplingSession(catalog.get_model(base_model).name, None, None))
        raise BackendError("a sampling session needs a base_model or a model_path")

    def sampler_from_model(self, model_id: str) -> str:
        """A sampling session frozen at a training model's current weights (``save_weights_and_get_sampling_client``)."""
        from safetensors.torch import save_file

        model = self.model(model_id)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        weights = self.snapshots / f"{uuid.uuid4().hex}.safetensors"
        save_file(self._adapter_weights(model), weights)
        return self._register_sampler(_SamplingSession(model.base_model, weights, model.lora))

    def _register_sampler(self, session: _SamplingSession) -> str:
        sampler_id = f"sampler-{uuid.uuid4().hex[:12]}"
        self._samplers[sampler_id] = session
        return sampler_id

    def sample(self, jobs: list[tuple[str, dict[str, Any]]]) -> list[bytes | TinkererError]:
        """Answer ``SampleRequest`` bodies, each on its session's frozen weights, batching those of one session.

        One answer per job, in order: the encoded response, or the error that request alone caused.
        """
        answers: list[bytes | TinkererError | None] = [None] * len(jobs)
        by_session: dict[str, list[int]] = {}
        for index, (sampler_id, _) in enumerate(jobs):
            by_session.setdefault(sampler_id, []).append(index)
        for sampler_id, indexes in by_session.items():
            try:
                host, adapter = self._sampling_model(sampler_id)
            except TinkererError as error:
                for index in indexes:
                    answers[index] = error
                continue
            requests: dict[int, SamplingRequest] = {}
            for index in indexes:
                try:
                    requests[index] = _sampling_request(jobs[index][1], host.tokenizer.eos_token_id)
                except TinkererError as error:
                    answers[index] = error
            for index, result in zip(requests, self._decode(host, adapter, list(requests.values())), strict=True):
                answers[index] = wire.encode_sample_response(*result)
        return answers  # type: ignore[return-value]  # every slot is filled: an answer or an error per job

    def _decode(self, host: _Host, adapter: str | None, requests: list[SamplingRequest]) -> list[Any]:
        if not requests:
            return []
        pad = host.tokenizer.pad_token_id or 0
        if adapter is not None:
            host.model.set_adapter(adapter)
            host.model.eval()
            return sample(host.model, host.tokenizer, requests, pad)
        if not host.adapters:
            return sample(host.model, host.tokenizer, requests, pad)
        with host.model.disable_adapter():
            return sample(host.model, host.tokenizer, requests, pad)

    def _sampler(self, sampler_id: str) -> _SamplingSession:
        try:
            return self._samplers[sampler_id]
        except KeyError:
            raise BackendError(f"no sampling session {sampler_id!r} on this server") from None

    def _sampling_model(self, sampler_id: str) -> tuple[_Host, str | None]:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        session = self._sampler(sampler_id)
        host = self._host(session.base_model)
        if session.weights is None:
            return host, None
        if session.adapter is None or session.adapter not in host.adapters:
            session.adapter = f"sampler{next(self._ids)}"
            assert session.lora is not None  # frozen weights come with the LoRA config they were trained with
            self._add_adapter(host, session.adapter, session.lora)
            set_peft_model_state_dict(host.model, load_file(session.weights), adapter_name=session.adapter)
            self._loaded_samplers[sampler_id] = None
            while len(self._loaded_samplers) > MAX_SAMPLER_ADAPTERS:
                evicted, _ = self._loaded_samplers.popitem(last=False)
                old = self._samplers[evicted]
                assert old.adapter is not None  # a loaded sampler holds its adapter until evicted here
                self._drop_adapter(host, old.adapter)
                old.adapter = None
        self._loaded_samplers.move_to_end(sampler_id)
        return host, session.adapter

    def samplers_for(self, sampler_id: str) -> dict[str, Any]:
        """``GetSamplerResponse`` fields of a sampling session."""
        session = self._sampler(sampler_id)
        return {"sampler_id": sampler_id, "base_model": session.base_model}


def _check_targets(example: wire.Example, loss_fn: str) -> None:
    targets = example.inputs.get("target_tokens")
    if targets is None:
        raise BackendError("every datum needs loss_fn_inputs['target_tokens']")
    if len(targets) != len(example.tokens):
        raise BackendError(
            f"target_tokens has {len(targets)} entries for {len(example.tokens)} input tokens; they must match"
        )
    if targets.ndim == 2 and loss_fn != "cross_entropy":
        raise BackendError(f"2-D target_tokens (several targets per position) take loss cross_entropy, not {loss_fn}")
    if targets.ndim > 2:
        raise BackendError(f"target_tokens must be 1-D [T] or 2-D [T, K]; got shape {list(targets.shape)}")
    weights = example.inputs.get("weights")
    if weights is not None and weights.shape != targets.shape:
        raise BackendError(
            f"weights has shape {list(weights.shape)}; target_tokens {list(targets.shape)}: they must match"
        )


def _targets_per_position(example: wire.Example) -> int:
    targets = example.inputs["target_tokens"]
    return int(targets.shape[1]) if targets.ndim == 2 else 1


def _targets(lora: dict[str, Any]) -> list[str]:
    """The modules a LoRA config adapts."""
    targets = [*(_ATTENTION if lora["train_attn"] else ()), *(_MLP if lora["train_mlp"] else ())]
    return [*targets, "lm_head"] if lora["train_unembed"] else targets


def _microbatches(examples: list[wire.Example]) -> list[list[wire.Example]]:
    """Consecutive data grouped so each group's padded size stays within ``MICROBATCH_TOKENS``."""
    groups: list[list[wire.Example]] = []
    for example in examples:
        group = groups[-1] if groups else None
        if group is not None and max(len(e.tokens) for e in [*group, example]) * (len(group) + 1) <= MICROBATCH_TOKENS:
            group.append(example)
        else:
            groups.append([example])
    return groups


MAX_TOPK = 100  # top-k widths and draws per position at most: each costs a [prompt, k] answer


def _sampling_request(body: dict[str, Any], eos_token_id: int | None) -> SamplingRequest:
    """A ``SampleRequest``'s prompt, sampling params and what it asks of the prompt, checked."""
    params = body.get("sampling_params") or {}
    prompt = [token for chunk in body["prompt"]["chunks"] for token in _chunk_tokens(chunk)]
    if not prompt:
        raise BackendError("the prompt is empty")
    if body.get("record_stability_info"):
        raise BackendError(f"record_stability_info: {losses.REFUSED['stable_reinforce']}")
    counts = {
        name: int(body.get(name) or 0)
        for name in ("topk_prompt_logprobs", "topk_sample_logprobs", "prompt_alt_tokens_k")
    }
    for name, count in counts.items():
        if not 0 <= count <= MAX_TOPK:
            raise BackendError(f"{name}={count}; it must be between 0 and {MAX_TOPK}")
    last_n = body.get("prompt_logprobs_last_n")
    if last_n is not None and not (body.get("prompt_logprobs") and 1 <= int(last_n) <= len(prompt) - 1):
        raise BackendError(
            f"prompt_logprobs_last_n={last_n} needs prompt_logprobs and must be between 1 and {len(prompt) - 1} "
            "(the prompt's length minus one)"
        )
    target_ids = None
    if body.get("target_prompt_logprobs") is not None:
        target_ids = wire.dense_tensor(body["target_prompt_logprobs"]).astype("int64")
        if target_ids.ndim != 2 or target_ids.shape[0] != len(prompt) - 1 or not (target_ids >= 0).any():
            raise BackendError(
                f"target_prompt_logprobs must be [len(prompt) - 1, K] = [{len(prompt) - 1}, K] token ids with at "
                f"least one id (-1 for none); got shape {list(target_ids.shape)}"
            )
    return SamplingRequest(
        prompt=prompt,
        num_samples=int(body.get("num_samples", 1)),
        max_tokens=int(params.get("max_tokens") or 256),
        temperature=float(params.get("temperature", 1.0)),
        top_k=int(params.get("top_k", -1)),
        top_p=float(params.get("top_p", 1.0)),
        seed=params.get("seed"),
        stops=Stops.parse(params.get("stop"), eos_token_id),
        prompt_logprobs=bool(body.get("prompt_logprobs")),
        topk_prompt=counts["topk_prompt_logprobs"],
        topk_sample=counts["topk_sample_logprobs"],
        last_n=None if last_n is None else int(last_n),
        target_ids=target_ids,
        alternatives=counts["prompt_alt_tokens_k"],
    )


def _chunk_tokens(chunk: dict[str, Any]) -> list[int]:
    if chunk.get("type", "encoded_text") != "encoded_text":
        raise BackendError(f"prompt chunks of type {chunk.get('type')!r} are not supported locally; send encoded_text")
    return [int(token) for token in chunk["tokens"]]
