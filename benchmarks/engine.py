"""The evolve engine's own overhead per experiment, and throughput with 1 and 2 workers.

Overhead = wall time of the run / experiments - the solution's own run time - the agent's time,
with a trivial solution and a scripted agent (no LLM). Throughput uses a CPU-bound solution.
Progress displays are off (TINKERER_QUIET=1): this measures the engine.

    python benchmarks/engine.py [--experiments 30] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import chz

from tinkerer_core.components import AgentRequest, AgentResult, CodingAgent
from tinkerer_core.config import make_config
from tinkerer_core.engine.config import EvolveConfig
from tinkerer_core.engine.run import EvolveRun
from tinkerer_core.engine.store import RunStore
from tinkerer_core.hookspecs import hookimpl
from tinkerer_core.plugins import get_manager

os.environ["TINKERER_QUIET"] = "1"

TRIVIAL = "print('SCORE: 1')"
CPU_BOUND = "total = sum(i * i for i in range({n}))\nprint('SCORE:', total % 7)"


@chz.chz
class FixedCodeAgent(CodingAgent):
    """Writes the same code every time (the benchmark measures the engine, not an agent)."""

    code: str

    def implement(self, request: AgentRequest) -> AgentResult:
        (request.workspace / "main.py").write_text(f"# experiment {request.iteration}\n{self.code}\n")
        return AgentResult(changed_files=("main.py",))


class BenchmarkPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("fixed_code", FixedCodeAgent)


def run(root: Path, name: str, code: str, experiments: int, workers: int) -> tuple[float, RunStore]:
    config = make_config(
        EvolveConfig,
        [
            {
                "goal": "benchmark",
                "run_dir": str(root / name),
                "max_iterations": experiments,
                "workers": workers,
                "agent": chz.Castable("fixed_code"),
                "agent.code": code,
                "evaluator": chz.Castable("regex_pattern"),
                "search": chz.Castable("linear_search"),
                # scripted idea replies: the benchmark measures the engine, not a model
                "llm.model": "openai/gpt-4o-mini",
                "llm.mock_responses": ('{"ideas": ["a scripted idea"]}',),
            }
        ],
    )
    started = time.perf_counter()
    EvolveRun.start(config).run()
    return time.perf_counter() - started, RunStore(root / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 experiments, a light solution")
    args = parser.parse_args()
    experiments = 4 if args.quick else args.experiments
    cpu_bound = CPU_BOUND.format(n=300_000 if args.quick else 15_000_000)
    get_manager().register(BenchmarkPlugin(), "benchmark")
    # litellm is imported once up front (the model's start-up is not the engine's overhead),
    # through the gateway, which keeps it from fetching a price map from the network
    from tinkerer_plugin_litellm.litellm_api import import_litellm

    import_litellm()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wall, store = run(root, "trivial", TRIVIAL, experiments, workers=1)
        finished = store.experiments()
        spans = [(e.finished_at or 0) - (e.started_at or 0) for e in finished]
        overheads = [
            span - (e.result.duration_s if e.result else 0) - e.agent_seconds
            for span, e in zip(spans, finished, strict=True)
        ]
        per_experiment_total = wall / len(finished)
        solution_time = statistics.mean(e.result.duration_s for e in finished if e.result)
        print(f"engine overhead, trivial solution, {len(finished)} experiments, workers=1")
        print(f"  per experiment (inside):   median {statistics.median(overheads) * 1000:7.1f} ms")
        print(
            f"  per experiment (whole run): mean  {(per_experiment_total - solution_time) * 1000:7.1f} ms"
            f"  (wall {per_experiment_total * 1000:.1f} ms - solution {solution_time * 1000:.1f} ms)"
        )

        count = 2 if args.quick else max(8, args.experiments // 4)
        serial, _ = run(root, "cpu1", cpu_bound, count, workers=1)
        parallel, _ = run(root, "cpu2", cpu_bound, count, workers=2)
        print(f"throughput, CPU-bound solution, {count} experiments")
        print(f"  workers=1: {count / serial:5.2f} experiments/s")
        print(f"  workers=2: {count / parallel:5.2f} experiments/s  (speed-up {serial / parallel:.2f}x)")


if __name__ == "__main__":
    main()
