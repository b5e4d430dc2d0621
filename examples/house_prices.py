"""House prices: evolve a regression model whose validation RMSE (on the log price) is below 0.12.

The data ships with the example (`house_prices_data/`, 300 training and 100 validation houses, made
by `make_house_prices_data.py`) and is available to every solution as `./data`. The solution prints
`RMSE: <value>`; the run minimizes it and stops once it is at or below 0.12.

    tinkerer evolve examples/house_prices.py llm.model=openai/gpt-4o-mini     # any litellm model
    tinkerer evolve examples/house_prices.py max_iterations=5 stop_condition.threshold=0.1 --help

The same task is a graded problem of the benchmark suite mle-lite (its data from the same generator, in
Kaggle's shape, the test answers hidden from the run, a leaderboard from reference models); this file can
be its config (its search, agent, stop condition and budget; the problem sets the goal and the data):

    tinkerer bench run mle-lite house-prices examples/house_prices.py llm.model=openai/gpt-4o-mini
"""

from pathlib import Path

from tinkerer_core import EvolveConfig, create_component

HERE = Path(__file__).resolve().parent

GOAL = """\
Predict house prices. Write main.py, a Python program that trains a regression model on
data/train.csv and evaluates it on data/valid.csv. Both files have the columns
id, sqft, bedrooms, bathrooms, age, garage (0 or 1), neighborhood (a category) and price.
The metric is the root mean squared error between the natural log of the predicted price and the
natural log of the true price over the rows of data/valid.csv. Never train on data/valid.csv.
At the end, print exactly one line `RMSE: <value>` with the validation RMSE, e.g. `RMSE: 0.1034`.
Only the Python standard library is sure to be installed; use numpy or scikit-learn only if
importing them works, else fall back to the standard library."""

config = EvolveConfig(
    goal=GOAL,
    direction="minimize",
    max_iterations=10,
    data_dir=str(HERE / "house_prices_data"),
    timeout_s=120,
    evaluator=create_component("evaluator", "regex_pattern", {"pattern": r"RMSE: ([\d.]+)"}),
    stop_condition=create_component("stop_condition", "threshold", {"threshold": 0.12, "direction": "minimize"}),
    search_strategy=create_component("search_strategy", "linear_search"),
    coding_agent=create_component("coding_agent", "llm_edit"),
)
