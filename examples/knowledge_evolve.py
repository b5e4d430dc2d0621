"""Knowledge-augmented evolve: learn notes into a wiki, index it, and evolve with the index loaded.

    python examples/knowledge_evolve.py                                    # the embedded local model
    TINKERER_MODEL=openai/gpt-4o-mini python examples/knowledge_evolve.py  # any litellm model

Every experiment's coding agent gets the pages most relevant to the goal and its idea (the
``# Knowledge`` section of its prompt). ``--scripted-reply FILE`` replays FILE as every model reply
(litellm's offline mock), which is how the tests run it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tinkerer_core import Source, Tinkerer

HERE = Path(__file__).resolve().parent
GOAL = """\
Predict house prices. Write main.py: train a regression model on data/train.csv and evaluate it on
data/valid.csv (columns: id, sqft, bedrooms, bathrooms, age, garage, neighborhood, price). Print one
line `RMSE: <value>`: the RMSE between the natural logs of predicted and true prices on data/valid.csv.
Use the Python standard library."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("TINKERER_MODEL", "local/smollm2-135m"))
    parser.add_argument("--max-iterations", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("runs/knowledge_example"))
    parser.add_argument("--scripted-reply", type=Path, default=None, help="replay this file as every model reply")
    args = parser.parse_args()
    wiki, index = args.workdir / "wiki", args.workdir / "house_prices.index"

    tinkerer = Tinkerer()
    notes = [Source.File(str(path)) for path in sorted((HERE / "knowledge_notes").glob("*.md"))]
    learned = tinkerer.learn(*notes, wiki_dir=str(wiki), skip_merge=True)
    print(f"learned {learned.total_pages_extracted} pages into {wiki}")
    tinkerer.index_kg(
        wiki_dir=str(wiki), save_to=str(index), force=True, backend_params={"path": str(args.workdir / "kg.sqlite")}
    )
    informed = Tinkerer(kg_index=str(index))
    print("knowledge for the goal:", ", ".join(hit.page.title for hit in informed.knowledge.search(GOAL, top_k=2)))

    llm_params: dict[str, object] = {"model": args.model}
    if args.scripted_reply is not None:
        llm_params["mock_responses"] = (args.scripted_reply.read_text(),)
    solution = informed.evolve(
        goal=GOAL,
        max_iterations=args.max_iterations,
        data_dir=str(HERE / "house_prices_data"),
        direction="minimize",
        evaluator="regex_pattern",
        evaluator_params={"pattern": r"RMSE: ([\d.]+)"},
        stop_condition="threshold",
        stop_condition_params={"threshold": 0.12},
        llm_params=llm_params,
        run_dir=str(args.workdir / "run"),
        timeout_s=120,
    )
    print(f"score: {solution.score}; stopped: {solution.stop_reason}; run directory: {solution.run_dir}")


if __name__ == "__main__":
    main()
