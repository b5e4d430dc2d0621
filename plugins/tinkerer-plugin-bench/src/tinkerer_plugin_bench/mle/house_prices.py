"""Synthetic house prices, reproducible from a seed: the data of ``examples/house_prices.py`` and of mle-lite's
``house-prices`` problem.

The log of a price is linear in the size, rooms, age, garage and neighbourhood, plus noise (standard
deviation 0.08): a good model reaches an RMSE of about 0.08 on the log price, the mean about 0.4.
"""

from __future__ import annotations

import math
import random

COLUMNS = ("id", "sqft", "bedrooms", "bathrooms", "age", "garage", "neighborhood", "price")
NEIGHBORHOOD_EFFECT = {"riverside": 0.25, "old_town": 0.1, "suburb": 0.0, "industrial": -0.2}
NOISE = 0.08


def house(rng: random.Random, house_id: int) -> dict[str, object]:
    """One house with its price: log(price) is linear in the features, plus noise."""
    sqft = rng.randint(500, 3500)
    bedrooms = max(1, min(6, round(sqft / 700 + rng.gauss(0, 0.7))))
    bathrooms = max(1, min(4, round(bedrooms / 2 + rng.gauss(0, 0.5))))
    age = rng.randint(0, 90)
    garage = int(rng.random() < 0.6)
    neighborhood = rng.choice(sorted(NEIGHBORHOOD_EFFECT))
    log_price = (
        11.2
        + 0.00045 * sqft
        + 0.03 * bedrooms
        + 0.06 * bathrooms
        - 0.004 * age
        + 0.08 * garage
        + NEIGHBORHOOD_EFFECT[neighborhood]
        + rng.gauss(0, NOISE)
    )
    price = int(round(math.exp(log_price), -2))
    return dict(zip(COLUMNS, (house_id, sqft, bedrooms, bathrooms, age, garage, neighborhood, price), strict=True))


def houses(count: int, seed: int) -> list[dict[str, object]]:
    """``count`` houses with ids 1..count, drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return [house(rng, house_id) for house_id in range(1, count + 1)]
