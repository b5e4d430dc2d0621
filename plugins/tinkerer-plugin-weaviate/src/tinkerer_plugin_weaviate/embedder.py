"""Client-side vectors: kg_sqlite's static MiniLM distillate, or hashed word features that need no model."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from typing import Any


def hashed_vector(text: str, dimensions: int) -> list[float]:
    """A deterministic ``dimensions``-long unit vector of ``text``'s words and adjacent word pairs."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    vector = [0.0] * dimensions
    for feature in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dimensions
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


def hashed_vectors(texts: list[str], dimensions: int) -> list[list[float]]:
    return [hashed_vector(text, dimensions) for text in texts]


class StaticVectors:
    """Embeds with kg_sqlite's static model, loaded (or built, once per machine) on the first call."""

    def __init__(self) -> None:
        self._model: Any = None

    def __call__(self, texts: list[str]) -> list[list[float]]:
        if self._model is None:
            from tinkerer_plugin_knowledge_sqlite.static_embedder import StaticEmbedder

            self._model = StaticEmbedder()
        return self._model.embed(texts).tolist()
