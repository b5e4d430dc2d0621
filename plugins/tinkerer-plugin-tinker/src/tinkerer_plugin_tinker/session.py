"""One LoRA training session on a Tinker API, step by step: SFT steps, GRPO steps, sampling, checkpoints.

The GRPO trainer, the evaluation-driven loop and the MCP tools all drive training through this class, so a
step means the same thing everywhere. Shape suffixes: ``_G`` per completion in a group, ``_P`` per prompt.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from tinkerer_core import ConfigError
from tinkerer_plugin_tinker.rewards import Reward, score

if TYPE_CHECKING:
    from tinker.types import LossFnInputs
    from tinker_cookbook.renderers import Message


# the policy-gradient losses of the Tinker docs, computed by the service and by the local server alike
POLICY_LOSSES = ("importance_sampling", "ppo", "cispo", "dro")


@dataclass(frozen=True)
class GRPOSettings:
    """How a GRPO step samples and learns."""

    group_size: int = 4
    max_tokens: int = 128
    temperature: float = 1.0
    learning_rate: float = 4e-5
    loss_fn: str = "importance_sampling"
    system_prompt: str | None = None
    seed: int | None = None  # makes sampling reproducible (each step and prompt gets its own seed)


class TrainingSession:
    """A training client on ``base_model`` (fresh LoRA, or restored from a checkpoint) and its renderer."""

    def __init__(
        self,
        base_url: str | None,
        base_model: str,
        renderer: str,
        lora_rank: int = 16,
        checkpoint: str | None = None,
        seed: int | None = None,
    ) -> None:
        import tinker
        from tinker_cookbook import renderers
        from tinker_cookbook.tokenizer_utils import get_tokenizer

        self.service = tinker.ServiceClient(base_url=base_url)
        if checkpoint:
            self.training = self.service.create_training_client_from_state_with_optimizer(checkpoint).result()
        else:
            self.training = self.service.create_lora_training_client(
                base_model=base_model, rank=lora_rank, seed=seed
            ).result()
        self.base_model = base_model
        self.tokenizer = get_tokenizer(base_model)
        self.renderer = renderers.get_renderer(renderer, self.tokenizer)
        self.steps = 0

    # --- training steps ---------------------------------------------------------------------

    def sft_step(
        self, conversations: list[list[dict[str, str]]], learning_rate: float, max_length: int = 1024
    ) -> dict[str, float]:
        """One supervised step on ``conversations``: weighted NLL of the assistant turns."""
        import tinker
        from tinker_cookbook.supervised.data import conversation_to_datum

        started = time.monotonic()
        # text turns {role, content: str} are Messages; a TypedDict's content type is invariant, hence the cast
        data_D = [
            conversation_to_datum(messages, self.renderer, max_length)
            for messages in cast("list[list[Message]]", conversations)
        ]
        result = self.training.forward_backward(data_D, "cross_entropy").result()
        self.training.optim_step(tinker.AdamParams(learning_rate=learning_rate)).result()
        self.steps += 1
        weights = sum(float(datum.loss_fn_inputs["weights"].to_torch().sum()) for datum in data_D)
        nll = -sum(
            float((output["logprobs"].to_torch() * datum.loss_fn_inputs["weights"].to_torch()).sum())
            for output, datum in zip(result.loss_fn_outputs, data_D, strict=True)
        )
        tokens = sum(datum.model_input.length for datum in data_D)
        elapsed = time.monotonic() - started
        return {"loss": nll / max(weights, 1.0), "tokens": tokens, "tokens_per_s": tokens / elapsed, "time_s": elapsed}

    def grpo_step(
        self, rows: list[dict[str, Any]], reward: Reward, settings: GRPOSettings
    ) -> tuple[dict[str, float], list[dict[str, Any]]]:
        """Sample a group per prompt, score it, and learn from group-relative advantages.

        Groups whose completions all score the same carry no signal and are skipped (counted in
        ``groups_no_variance``). Returns the step's metrics and one sample row per completion.
        """
        import tinker

        started = time.monotonic()
        sampler = self.training.save_weights_and_get_sampling_client()
        prompts_P = [self.prompt(row["prompt"], settings.system_prompt) for row in rows]
        futures_P = [
            sampler.sample(prompt, num_samples=settings.group_size, sampling_params=self._params(settings, index))
            for index, prompt in enumerate(prompts_P)
        ]
        data_D: list[tinker.Datum] = []
        rewards_all: list[float] = []
        samples: list[dict[str, Any]] = []
        flat_groups = 0
        completion_tokens = 0
        for row, prompt, future in zip(rows, prompts_P, futures_P, strict=True):
            sequences_G = future.result().sequences
            texts_G = [self.text(sequence.tokens) for sequence in sequences_G]
            rewards_G = [score(reward, text, row) for text in texts_G]
            rewards_all += rewards_G
            samples += [
                {"prompt": row["prompt"], "completion": t, "reward": r} for t, r in zip(texts_G, rewards_G, strict=True)
            ]
            completion_tokens += sum(len(sequence.tokens) for sequence in sequences_G)
            mean = statistics.fmean(rewards_G)
            if all(value == rewards_G[0] for value in rewards_G):
                flat_groups += 1
                continue
            for sequence, value in zip(sequences_G, rewards_G, strict=True):
                data_D.append(_policy_datum(prompt.to_ints(), sequence.tokens, sequence.logprobs, value - mean))
        loss = 0.0
        if data_D:
            # loss_fn is one of POLICY_LOSSES (the trainer's config checks it); the SDK types it as a Literal
            result = self.training.forward_backward(data_D, settings.loss_fn).result()  # type: ignore[arg-type]
            self.training.optim_step(tinker.AdamParams(learning_rate=settings.learning_rate)).result()
            loss = result.metrics.get("loss:sum", 0.0)
        self.steps += 1
        elapsed = time.monotonic() - started
        metrics = {
            "reward_mean": statistics.fmean(rewards_all),
            "reward_std": statistics.pstdev(rewards_all),
            "reward_max": max(rewards_all),
            "groups_no_variance": flat_groups / len(rows),
            "loss": loss,
            "trained_completions": len(data_D),
            "completion_tokens_mean": completion_tokens / len(rewards_all),
            "tokens_per_s": (completion_tokens + sum(p.length for p in prompts_P) * settings.group_size) / elapsed,
            "time_s": elapsed,
        }
        return metrics, samples

    def _params(self, settings: GRPOSettings, prompt_index: int) -> Any:
        import tinker

        seed = None if settings.seed is None else (settings.seed * 100_003 + self.steps) * 1_009 + prompt_index
        return tinker.SamplingParams(
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            stop=self.renderer.get_stop_sequences(),
            seed=seed,
        )

    # --- sampling ---------------------------------------------------------------------------

    def prompt(self, text: str, system_prompt: str | None = None) -> Any:
        """The model input that asks ``text`` as a user turn."""
        messages: list[Message] = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages.append({"role": "user", "content": text})
        return self.renderer.build_generation_prompt(messages)

    def text(self, tokens: list[int]) -> str:
        """An assistant reply's text from its tokens."""
        from tinker_cookbook.renderers import get_text_content

        message, _ = self.renderer.parse_response(list(tokens))
        return get_text_content(message)

    def sample(
        self,
        prompts: list[str],
        max_tokens: int = 128,
        temperature: float = 0.0,
        num_samples: int = 1,
        system_prompt: str | None = None,
    ) -> list[list[str]]:
        """Replies of the current weights to each prompt (greedy by default)."""
        import tinker

        sampler = self.training.save_weights_and_get_sampling_client()
        params = tinker.SamplingParams(
            max_tokens=max_tokens, temperature=temperature, stop=self.renderer.get_stop_sequences()
        )
        futures = [
            sampler.sample(self.prompt(text, system_prompt), num_samples=num_samples, sampling_params=params)
            for text in prompts
        ]
        return [[self.text(sequence.tokens) for sequence in future.result().sequences] for future in futures]

    # --- checkpoints ------------------------------------------------------------------------

    def save(self, name: str) -> dict[str, str]:
        """Save training state and sampler weights under ``name``; returns both Tinker paths."""
        state = self.training.save_state(name).result().path
        sampler = self.training.save_weights_for_sampler(name).result().path
        return {"state_path": state, "sampler_path": sampler}

    def load(self, path: str) -> None:
        """Restore weights and optimizer state from a training checkpoint of the same model."""
        if "/weights/" not in path:
            raise ConfigError(f"{path!r} is not a training checkpoint; load a tinker://.../weights/<name> path")
        self.training.load_state_with_optimizer(path).result()


def _policy_datum(prompt: list[int], completion: list[int], logprobs: list[float] | None, advantage: float) -> Any:
    """A policy-gradient datum: next-token targets, sampler logprobs and the advantage on completion tokens."""
    import tinker

    if logprobs is None:
        raise ConfigError("the sampler returned no logprobs; policy-gradient training needs them")
    tokens = prompt + list(completion)
    prompt_targets = len(prompt) - 1
    return tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1]),
        # Datum converts lists to TensorData (dtype by key) in __post_init__; its field type names only the result
        loss_fn_inputs=cast(
            "LossFnInputs",
            {
                "target_tokens": tokens[1:],
                "logprobs": [0.0] * prompt_targets + list(logprobs),
                "advantages": [0.0] * prompt_targets + [advantage] * len(completion),
            },
        ),
    )
