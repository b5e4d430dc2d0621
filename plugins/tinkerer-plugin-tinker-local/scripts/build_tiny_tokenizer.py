"""Build the bundled tokenizer of the tiny test model: a 1,024-token byte-level BPE with ChatML specials.

Run once by hand (`python scripts/build_tiny_tokenizer.py`); its output is committed under
src/tinkerer_plugin_tinker_local/tiny_tokenizer/. Trained on this repository's own docs and code, so it is
reproducible offline.
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).resolve().parents[1] / "src" / "tinkerer_plugin_tinker_local" / "tiny_tokenizer"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def corpus() -> list[str]:
    """The repository's markdown and Python files, plus digits and arithmetic."""
    texts = [path.read_text(errors="ignore") for pattern in ("*.md", "*.py") for path in sorted(ROOT.rglob(pattern))]
    texts.append(" ".join(f"{a} + {b} = {a + b}" for a in range(100) for b in range(0, 100, 7)))
    return texts


def main() -> None:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1024, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    OUT.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(OUT / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|im_start|>",
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "model_max_length": 2048,
        "chat_template": CHAT_TEMPLATE,
    }
    (OUT / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(f"wrote {OUT} ({tokenizer.get_vocab_size()} tokens)")


if __name__ == "__main__":
    main()
