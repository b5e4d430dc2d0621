"""Runs OpenEvolve on one task, inside OpenEvolve's own venv: ``python openevolve_driver.py SPEC.json``.

The spec names the initial program, the harness, the OpenAI-compatible server (the benchmark's counting
proxy), the model, the number of iterations (one LLM call each), the seed and the mode (``diff`` or
``full``). Prints one JSON line: the best score, and the failed iterations by their error.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

EVALUATOR = """
import json, sys

sys.path.insert(0, {here!r})
from scoring import WORST, score_program, signed

SPEC = json.loads({spec!r})


def evaluate(program_path):
    from openevolve.evaluation_result import EvaluationResult

    score, output = score_program(SPEC, program_path)
    if score is None:
        return EvaluationResult(metrics={{"combined_score": WORST, "error": 1.0}}, artifacts={{"stderr": output}})
    return EvaluationResult(metrics={{"combined_score": signed(SPEC, score)}}, artifacts={{"checks": output}})
"""


def main(spec_path: str) -> int:
    """Run one OpenEvolve evolution as the spec says and print its summary as JSON."""
    spec = json.loads(Path(spec_path).read_text())
    from openevolve.api import run_evolution
    from openevolve.config import Config, LLMModelConfig

    work = Path(spec["work_dir"])
    evaluator = work / "evaluator.py"
    evaluator.write_text(EVALUATOR.format(here=str(Path(__file__).parent), spec=json.dumps(spec)))
    trace = work / "trace.jsonl"
    llm = {
        "api_base": spec["api_base"],
        "api_key": "none",
        "temperature": spec["temperature"],
        "max_tokens": spec["max_tokens"],
        "timeout": 300,
        "retries": 0,
    }
    config = Config.from_dict(
        {
            "max_iterations": spec["budget"],
            "random_seed": spec["seed"],
            "log_level": "WARNING",
            "checkpoint_interval": 10_000,
            "diff_based_evolution": spec["mode"] == "diff",
            "llm": llm,
            "evaluator": {"timeout": 90, "cascade_evaluation": False, "parallel_evaluations": 1, "max_retries": 0},
            "evolution_trace": {"enabled": True, "include_failures": True, "output_path": str(trace)},
        }
    )
    config.llm.models = [LLMModelConfig(name=spec["model"], weight=1.0)]
    config.llm.update_model_params({**llm, "random_seed": spec["seed"]}, overwrite=True)
    config.llm.update_model_params({"system_message": config.prompt.system_message})
    logging.disable(logging.WARNING)
    sign = 1.0 if spec["direction"] == "maximize" else -1.0
    result = run_evolution(  # it stops once solved, like Tinkerer's threshold stop condition
        spec["initial_program"],
        str(evaluator),
        config,
        iterations=spec["budget"],
        output_dir=str(work / "out"),
        target_score=sign * spec["target"],
    )
    failures: Counter[str] = Counter()
    for path in work.glob("*failures*.jsonl"):
        for line in path.read_text().splitlines():
            if line.strip():
                failures[json.loads(line).get("error", "unknown")[:80]] += 1
    best = result.best_score * sign if result.best_program is not None else None
    print(json.dumps({"best_score": best, "failures": dict(failures)}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory():
        sys.exit(main(sys.argv[1]))
