"""Chat with a model Tinkerer trained: a Tinker sampler checkpoint answering chat messages.

A checkpoint is named by a training run's directory (its newest sampler checkpoint in ``checkpoints.jsonl``) or
by its ``tinker://RUN/sampler_weights/NAME`` path. A run trained on a local server of its own is sampled on such a
server, started in this process over the run's ``tinker-local`` folder; any other checkpoint is sampled where
``TINKER_BASE_URL`` or ``TINKER_API_KEY`` point (a ``tinkerer tinker-local serve``, the Tinker service).
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core import ConfigError
from tinkerer_plugin_tinker.endpoint import LOCAL_DATA_DIR, local_endpoint, renderer_for, tinker_endpoint

if TYPE_CHECKING:
    from tinker_cookbook.renderers import Message

SAMPLER_MARK = "/sampler_weights/"


@dataclass(frozen=True)
class CheckpointRef:
    """Which sampler checkpoint to chat with, and the training run directory it came from (if named by one)."""

    sampler_path: str
    run_dir: Path | None = None

    @property
    def local_data(self) -> Path | None:
        """The run's own local server data, when it was trained on one."""
        data = self.run_dir / LOCAL_DATA_DIR if self.run_dir else None
        return data if data and data.is_dir() else None


def resolve(name: str) -> CheckpointRef:
    """``tinker://...`` as given, or the newest sampler checkpoint of the training run in directory ``name``."""
    if name.startswith("tinker://"):
        if SAMPLER_MARK not in name:
            raise ConfigError(
                f"llm.model=tinker/{name} is not a sampler checkpoint: name one like "
                f"tinker://RUN{SAMPLER_MARK}NAME (a training state, .../weights/NAME, cannot be sampled)"
            )
        return _served(name, CheckpointRef(name))
    run_dir = Path(name).expanduser()
    log = run_dir / "checkpoints.jsonl"
    try:
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.is_file() else []
    except (OSError, ValueError) as error:
        raise ConfigError(f"llm.model=tinker/{name}: {log} cannot be read as JSON lines ({error})") from None
    samplers = [record["sampler_path"] for record in records if record.get("sampler_path")]
    if not samplers:
        raise ConfigError(
            f"llm.model=tinker/{name}: {run_dir} holds no training run with a sampler checkpoint "
            f"({'its checkpoints.jsonl lists none' if log.is_file() else 'no checkpoints.jsonl'}); allowed: the "
            "directory of a `tinkerer train` run, or tinker://RUN/sampler_weights/NAME"
        )
    return _served(name, CheckpointRef(samplers[-1], run_dir))


def _served(name: str, ref: CheckpointRef) -> CheckpointRef:
    """``ref``, once it is known where it can be sampled: its run's own local server, or a configured Tinker API."""
    if ref.local_data is None and not (os.environ.get("TINKER_BASE_URL") or os.environ.get("TINKER_API_KEY")):
        raise ConfigError(
            f"llm.model=tinker/{name}: {ref.sampler_path} lives on the Tinker server that trained it: set "
            "TINKER_BASE_URL to it (a `tinkerer tinker-local serve`) or TINKER_API_KEY for the Tinker service"
        )
    return ref


class CheckpointModel:
    """A sampler checkpoint on its endpoint, speaking through the chat renderer of its base model.

    The endpoint (and a local server started for it) lasts until ``resources`` is closed.
    """

    def __init__(self, ref: CheckpointRef, resources: ExitStack) -> None:
        import tinker
        from tinker_cookbook import renderers
        from tinker_cookbook.tokenizer_utils import get_tokenizer

        endpoint = resources.enter_context(_endpoint_for(ref))
        service = tinker.ServiceClient(base_url=endpoint.base_url, api_key=endpoint.api_key)
        run = service.create_rest_client().get_training_run_by_tinker_path(ref.sampler_path).result()
        self.sampler = service.create_sampling_client(model_path=ref.sampler_path).result()
        renderer_name = renderer_for(run.base_model, (run.user_metadata or {}).get("renderer_name"))
        self.renderer = renderers.get_renderer(renderer_name, get_tokenizer(run.base_model))

    def chat(
        self, messages: list[dict[str, Any]], max_tokens: int, temperature: float, seed: int | None = None
    ) -> tuple[str, int, int]:
        """The reply to ``messages`` (OpenAI chat format), with the prompt's and the reply's token counts."""
        import tinker
        from tinker_cookbook.renderers import get_text_content

        prompt = self.renderer.build_generation_prompt([_message(message) for message in messages])
        params = tinker.SamplingParams(
            max_tokens=max_tokens, temperature=temperature, seed=seed, stop=self.renderer.get_stop_sequences()
        )
        sequence = self.sampler.sample(prompt, num_samples=1, sampling_params=params).result().sequences[0]
        reply, _ = self.renderer.parse_response(list(sequence.tokens))
        return get_text_content(reply), prompt.length, len(sequence.tokens)


def _endpoint_for(ref: CheckpointRef) -> Any:
    """The context that serves ``ref``: the run's own local server, else the configured Tinker API."""
    if ref.local_data is not None:
        return local_endpoint(ref.local_data, key_in_environment=False)  # the key stays with this client
    return tinker_endpoint(None, Path.cwd() / LOCAL_DATA_DIR)  # TINKER_BASE_URL or the service: no server started


def _message(message: dict[str, Any]) -> Message:
    """An OpenAI chat message as the renderer's: its role and its text (the text parts of a multi-part content)."""
    content = message.get("content") or ""
    if not isinstance(content, str):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return {"role": message.get("role", "user"), "content": content}
