"""The Python API: evolve a house-prices model with ``Tinkerer().evolve`` and read the solution.

The same task as ``house_prices.py`` (the data in ``house_prices_data/``), composed in Python: every
component is a name plus a dict of its parameters, as in ``tinkerer evolve`` overrides.

    python examples/evolve_api.py                                    # the embedded local model
    TINKERER_MODEL=openai/gpt-4o-mini python examples/evolve_api.py  # any litellm model (set its API key)
    python examples/evolve_api.py --max-iterations 3 --output submissions/house_prices_v1

``--scripted-reply FILE`` replays FILE as the model's every reply (litellm's offline mock), for a dry
run of the plumbing without a model; the tests use it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tinkerer_core import Tinkerer
from tinkerer_core.formatting import format_cost

HERE = Path(__file__).resolve().parent
DEFAULT_MODEL = "local/smollm2-135m"

GOAL = """\
Predict house prices. Write main.py: train a regression model on data/train.csv and evaluate it on
data/valid.csv (columns: id, sqft, bedrooms, bathrooms, age, garage, neighborhood, price). The metric
is the RMSE between the natural logs of the predicted and the true prices over data/valid.csv.
Print one line `RMSE: <value>` at the end. Use the Python standard library (numpy only if installed)."""


def main() -> None:
    """Parse the options, run ``evolve`` and print what it found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("TINKERER_MODEL", DEFAULT_MODEL), help="a litellm model")
    parser.add_argument("--max-iterations", type=int, default=10)
    parser.add_argument("--output", default=None, help="where the best solution is checked out")
    parser.add_argument("--run-dir", default=None, help="the run directory (default: runs/<time>-<goal>)")
    parser.add_argument("--scripted-reply", type=Path, default=None, help="replay this file as every model reply")
    args = parser.parse_args()

    llm_params: dict[str, object] = {"model": args.model}
    if args.scripted_reply is not None:
        llm_params["mock_responses"] = (args.scripted_reply.read_text(),)

    solution = Tinkerer().evolve(
        goal=GOAL,
        output_path=args.output,
        max_iterations=args.max_iterations,
        data_dir=str(HERE / "house_prices_data"),
        direction="minimize",
        evaluator="regex_pattern",
        evaluator_params={"pattern": r"RMSE: ([\d.]+)"},
        stop_condition="composite",
        stop_condition_params={
            "conditions": [("threshold", {"threshold": 0.12}), ("plateau", {"patience": 4})],
            "mode": "any",
        },
        search_strategy="llm_tree_search",
        search_strategy_params={"preset": "PRODUCTION"},
        coding_agent="llm_edit",
        llm_params=llm_params,
        run_dir=args.run_dir,
        timeout_s=120,
    )
    print(f"score: {solution.score}")
    print(f"solution: {solution.path}")
    print(f"lineage: {' -> '.join(f'#{i}' for i in solution.lineage)}")
    print(f"stopped: {solution.stop_reason}")
    print(f"cost: {format_cost(solution.cost)}; run directory: {solution.run_dir}")


if __name__ == "__main__":
    main()
