"""Generate the small house-prices data set used by ``examples/house_prices.py`` (run once; output committed).

Synthetic and reproducible: 400 houses with size, rooms, age, garage and neighbourhood; the log of the
price is linear in them plus noise (standard deviation 0.08), so a good model reaches an RMSE of about
0.08 on the log price and predicting the mean gives about 0.4.

    python examples/make_house_prices_data.py            # rewrites examples/house_prices_data/{train,valid}.csv
    python examples/make_house_prices_data.py OUT_DIR    # writes them elsewhere
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

OUT = Path(__file__).parent / "house_prices_data"
COLUMNS = ("id", "sqft", "bedrooms", "bathrooms", "age", "garage", "neighborhood", "price")
NEIGHBORHOOD_EFFECT = {"riverside": 0.25, "old_town": 0.1, "suburb": 0.0, "industrial": -0.2}
ROWS, VALID_ROWS, NOISE, SEED = 400, 100, 0.08, 7


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


def main(out: Path = OUT) -> None:
    """Write train.csv (300 rows) and valid.csv (100 rows) into ``out``."""
    rng = random.Random(SEED)
    houses = [house(rng, house_id) for house_id in range(1, ROWS + 1)]
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.csv", houses[:-VALID_ROWS]), ("valid.csv", houses[-VALID_ROWS:])):
        with open(out / name, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {len(rows)} rows to {out / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
