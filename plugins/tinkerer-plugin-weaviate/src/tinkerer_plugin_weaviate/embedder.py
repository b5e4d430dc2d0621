"""Client-side vectors that need no model: hashed word and word-pair features, L2-normalised."""

from __future__ import annotations

import hashlib
import itertools
import math
import re


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
