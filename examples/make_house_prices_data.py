"""Generate the small house-prices data set used by ``examples/house_prices.py`` (run once; output committed).

Synthetic and reproducible: 400 houses with size, rooms, age, garage and neighbourhood; the log of the
price is linear in them plus noise (standard deviation 0.08), so a good model reaches an RMSE of about
0.08 on the log price and predicting the mean gives about 0.4. The generator is the one of the
benchmark problem `tinkerer bench run mle-lite house-prices` (tinkerer-plugin-bench), with other rows.

    python examples/make_house_prices_data.py            # rewrites examples/house_prices_data/{train,valid}.csv
    python examples/make_house_prices_data.py OUT_DIR    # writes them elsewhere
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from tinkerer_plugin_bench.mle.house_prices import COLUMNS, houses

OUT = Path(__file__).parent / "house_prices_data"
ROWS, VALID_ROWS, SEED = 400, 100, 7


def main(out: Path = OUT) -> None:
    """Write train.csv (300 rows) and valid.csv (100 rows) into ``out``."""
    rows = houses(ROWS, SEED)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train.csv", rows[:-VALID_ROWS]), ("valid.csv", rows[-VALID_ROWS:])):
        with open(out / name, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(part)
        print(f"wrote {len(part)} rows to {out / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
