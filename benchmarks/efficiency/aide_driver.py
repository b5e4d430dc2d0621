"""Runs AIDE (aideml) on one task, inside its own venv: ``python aide_driver.py SPEC.json``.

AIDE's agent loop with its defaults (drafts, then improve or debug by its search policy; each step asks
for a plan and the code, then asks the model to review the run's output through a ``submit_review``
function call), except: the model and server (``OPENAI_BASE_URL``, the benchmark's proxy), the steps (its
loop ends when the proxy refuses calls past the budget), sampling temperature, no data preview and no
k-fold instruction (there is no dataset to split). AIDE writes a whole script from a task description
and has no starting program: the description holds the task's goal and its starting ``main.py``.

Two adapters, both where AIDE's loop meets this harness: the "interpreter" runs the benchmark's harness
on the code (so AIDE reads the checks and ``SCORE:`` line as its run's output, and every program is
scored like the other systems'); a review that is not a function call (small models answer in prose,
which makes AIDE 0.2.2 index a string) counts as AIDE counts a review without a metric: buggy.
Prints one JSON line: the steps run and why the loop ended.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scoring import score_program

TASK = """{goal}

The program is main.py; it starts as:

```python
{program}
```

Answer with the complete new main.py in one python code block. A harness imports main.py, runs the checks
and prints a line per check and SCORE: <value> last ({direction})."""


def main(spec_path: str) -> int:
    """Run AIDE's loop as the spec says and print its summary as JSON."""
    spec = json.loads(Path(spec_path).read_text())
    work = Path(spec["work_dir"])
    os.environ["OPENAI_BASE_URL"] = spec["api_base"]
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-none")
    import aide.utils.config as aide_config
    from aide.agent import Agent
    from aide.interpreter import ExecutionResult
    from aide.journal import Journal
    from omegaconf import OmegaConf

    cfg = aide_config._load_cfg(use_cli_args=False)
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    better = "higher is better" if spec["direction"] == "maximize" else "lower is better"
    overrides = {
        "data_dir": str(data),
        "goal": TASK.format(goal=spec["goal"], program=spec["program"], direction=better),
        "eval": f"the SCORE line the harness prints ({better})",
        "log_dir": str(work / "logs"),
        "workspace_dir": str(work / "workspaces"),
        "generate_report": False,
        "agent": {
            "steps": spec["budget"],
            "k_fold_validation": 1,
            "data_preview": False,
            "code": {"model": spec["model"], "temp": spec["temperature"]},
            "feedback": {"model": spec["model"], "temp": spec["temperature"]},
        },
    }
    cfg = aide_config.prep_cfg(OmegaConf.merge(cfg, OmegaConf.create(overrides)))
    aide_config.prep_agent_workspace(cfg)  # as aide's own run does: its workspace, input/ and working/
    task_desc = aide_config.load_task_desc(cfg)
    journal = Journal()
    agent = Agent(task_desc=task_desc, cfg=cfg, journal=journal)
    programs = work / "programs"
    programs.mkdir(exist_ok=True)

    def run_harness(code: str, reset_session: bool = True) -> ExecutionResult:
        path = programs / f"main_{len(list(programs.iterdir()))}.py"
        path.write_text(code)
        started = time.monotonic()
        score, output = score_program(spec, str(path))
        failed = None if score is not None else "RuntimeError"
        return ExecutionResult(term_out=[output], exec_time=time.monotonic() - started, exc_type=failed)

    review = agent.parse_exec_result

    def tolerant_review(node, exec_result):  # type: ignore[no-untyped-def]
        try:
            review(node, exec_result)
        except (TypeError, KeyError) as error:  # the review was prose, not a submit_review call
            from aide.utils.metric import WorstMetricValue

            node.analysis, node.is_buggy, node.metric = f"review unusable: {error}", True, WorstMetricValue()
            reviews_unusable.append(node.id)

    reviews_unusable: list[str] = []
    agent.parse_exec_result = tolerant_review  # type: ignore[method-assign]
    ended = "steps done"
    steps = 0
    try:
        while steps < spec["budget"]:
            agent.step(exec_callback=run_harness)
            steps += 1
    except Exception as error:  # the proxy refuses calls past the budget: AIDE's query raises
        ended = f"{type(error).__name__}: {str(error)[:200]}"
    print(json.dumps({"steps": steps, "ended": ended, "unusable_reviews": len(reviews_unusable)}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
