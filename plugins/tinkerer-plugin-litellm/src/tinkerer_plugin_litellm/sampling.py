"""Sampling that explores: every call gets its own seed and a temperature near the configured one.

A fixed seed makes llama.cpp (and other seeded servers) return the same completion for the same prompt,
so repeated calls on one parent would be wasted; a seed per call, derived from the request, keeps runs
reproducible and every call different.
"""

from __future__ import annotations

import random

MAX_TEMPERATURE = 2.0


def call_rng(seed: int, salt: tuple[object, ...]) -> random.Random:
    """A generator for one call's choices, seeded by ``(seed, *salt)``: reproducible, and different per call."""
    return random.Random(":".join(str(part) for part in (seed, *salt)))


def call_sampling(seed: int, salt: tuple[object, ...], temperature: float, spread: float) -> tuple[int, float]:
    """The seed and temperature of one call: drawn from ``(seed, *salt)``, the temperature within ``spread``."""
    rng = call_rng(seed, salt)
    call_seed = rng.randrange(2**31)
    jitter = rng.uniform(-spread, spread) if spread > 0 else 0.0
    return call_seed, round(min(max(temperature + jitter, 0.0), MAX_TEMPERATURE), 3)
