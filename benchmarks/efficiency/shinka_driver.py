"""Runs ShinkaEvolve on one task, inside its own venv: ``python shinka_driver.py SPEC.json``.

ShinkaEvolve's async runner with its defaults, except: the model (``local/<model>@<proxy>``, its
OpenAI-compatible local backend), one generation per LLM call of the budget, sampling temperature and
``max_tokens``, one proposal and one evaluation at a time (the machine has 2 cores), and no side calls
that need a service this machine has not (text embeddings, meta summaries, novelty judges). Every program
is scored by the benchmark's harness through ``evaluate.py``. Prints one JSON line: the best score.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

EVALUATE = """
import argparse, json, sys
from pathlib import Path

sys.path.insert(0, {here!r})
from scoring import score_program, signed

SPEC = json.loads({spec!r})

parser = argparse.ArgumentParser()
parser.add_argument("--program_path")
parser.add_argument("--results_dir")
args = parser.parse_args()
results = Path(args.results_dir)
results.mkdir(parents=True, exist_ok=True)
score, output = score_program(SPEC, args.program_path)
correct = score is not None
metrics = {{
    "combined_score": signed(SPEC, score) if correct else 0.0,
    "public": {{"score": score}},
    "private": {{}},
    "text_feedback": output[-1500:],
}}
(results / "metrics.json").write_text(json.dumps(metrics))
(results / "correct.json").write_text(json.dumps({{"correct": correct, "error": None if correct else output[-500:]}}))
"""


def main(spec_path: str) -> int:
    """Run one ShinkaEvolve evolution as the spec says and print its summary as JSON."""
    spec = json.loads(Path(spec_path).read_text())
    from shinka.core import EvolutionConfig, ShinkaEvolveRunner
    from shinka.database import DatabaseConfig
    from shinka.launch import LocalJobConfig

    work = Path(spec["work_dir"])
    evaluate = work / "evaluate.py"
    evaluate.write_text(EVALUATE.format(here=str(Path(__file__).parent), spec=json.dumps(spec)))
    model = f"local/{spec['model']}@{spec['api_base']}"
    evo = EvolutionConfig(
        task_sys_msg=f"{spec['goal']}",
        num_generations=spec["budget"],
        llm_models=[model],
        llm_dynamic_selection=None,
        llm_kwargs={"temperatures": [spec["temperature"]], "max_tokens": spec["max_tokens"]},
        meta_rec_interval=None,
        embedding_model=None,
        init_program_path=spec["initial_program"],
        results_dir=str(work / "results"),
        use_text_feedback=True,
    )
    job = LocalJobConfig(eval_program_path=str(evaluate), python_executable=spec["harness_python"])
    database = DatabaseConfig(db_path=str(work / "results" / "evolution.sqlite"))
    logging.disable(logging.WARNING)
    runner = ShinkaEvolveRunner(
        evo, job, database, verbose=False, max_evaluation_jobs=1, max_proposal_jobs=1, max_db_workers=1
    )
    runner.run()
    print(json.dumps({"done": True}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
