"""Seeded randomness: every choice derives from the run's seed and where in the run it is made."""

from __future__ import annotations

import random


def rng_at(seed: int, iteration: int, *salt: object) -> random.Random:
    """A generator seeded from ``(seed, iteration, *salt)``, identical in every process."""
    return random.Random(":".join(str(part) for part in (seed, iteration, *salt)))


def llm_seed(seed: int, iteration: int, *salt: object) -> int:
    """A seed for an LLM call made at ``iteration``, so a re-run asks the same question the same way."""
    return rng_at(seed, iteration, "llm", *salt).randrange(2**31)
