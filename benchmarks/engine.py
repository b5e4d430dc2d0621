"""The evolve engine's own overhead per experiment, and throughput with 1 and 2 workers.

Overhead = an experiment's span in the run store - the solution's own run time - the agent's time,
with a trivial solution and a scripted agent (no LLM). It is measured with ``linear_search`` (whose
idea comes from a scripted LLM reply, as in earlier measurements) and with ``fan_out``, a search that
asks nothing (only the engine's own work is left). Throughput uses a CPU-bound solution and
``fan_out``, which proposes as many experiments as there are free workers: ``linear_search`` runs its
first draft alone, which caps 2 workers at N / (1 + (N - 1) / 2) for N experiments whatever the engine
does (printed too). Progress displays are off (TINKERER_QUIET=1): this measures the engine.
Beside the overhead: the git processes per experiment and their time (counted over the whole run,
which with workers=1 runs them all in this process), where most of the overhead goes.

    python benchmarks/engine.py [--experiments 30] [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import chz

from tinkerer_core import (
    AgentRequest,
    AgentResult,
    CodingAgent,
    EvolveConfig,
    Proposal,
    RunStore,
    SearchState,
    SearchStrategy,
    get_manager,
    hookimpl,
)
from tinkerer_core.config import make_config
from tinkerer_core.engine.run import EvolveRun
from tinkerer_core.engine.workspace import GIT_USAGE, GitUsage

os.environ["TINKERER_QUIET"] = "1"

OVERHEAD_TARGET_MS = 25.0
SPEED_UP_TARGET = 1.8
TRIVIAL = "print('SCORE: 1')"
CPU_BOUND = "total = sum(i * i for i in range({n}))\nprint('SCORE:', total % 7)"


@chz.chz
class FixedCodeAgent(CodingAgent):
    """Writes the same code every time (the benchmark measures the engine, not an agent)."""

    code: str

    def implement(self, request: AgentRequest) -> AgentResult:
        (request.workspace / "main.py").write_text(f"# experiment {request.iteration}\n{self.code}\n")
        return AgentResult(changed_files=("main.py",))


@chz.chz
class FanOutSearch(SearchStrategy):
    """Proposes as many new drafts as it is asked for, asking no LLM (the benchmark measures the engine)."""

    def propose(self, state: SearchState, count: int) -> list[Proposal]:
        return [Proposal(None, f"draft {state.iteration + n + 1}", "draft") for n in range(count)]


class BenchmarkPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("fixed_code", FixedCodeAgent)

    @hookimpl
    def tinkerer_register_search_strategies(self, register):
        register("fan_out", FanOutSearch)


def run(
    root: Path, name: str, code: str, experiments: int, workers: int, search: str = "fan_out"
) -> tuple[float, RunStore, GitUsage]:
    """Run one evolve run; its wall time, its store and the git processes this process ran for it."""
    config = make_config(
        EvolveConfig,
        [
            {
                "goal": "benchmark",
                "run_dir": str(root / name),
                "max_iterations": experiments,
                "workers": workers,
                "coding_agent": chz.Castable("fixed_code"),
                "coding_agent.code": code,
                "evaluator": chz.Castable("regex_pattern"),
                "search_strategy": chz.Castable(search),
                # scripted idea replies: the benchmark measures the engine, not a model
                "llm.model": "openai/gpt-4o-mini",
                "llm.mock_responses": ('{"ideas": ["a scripted idea"]}',),
            }
        ],
    )
    git_before = GitUsage(GIT_USAGE.processes, GIT_USAGE.seconds)
    started = time.perf_counter()
    EvolveRun.start(config).run()
    wall = time.perf_counter() - started
    git_used = GitUsage(GIT_USAGE.processes - git_before.processes, GIT_USAGE.seconds - git_before.seconds)
    return wall, RunStore(root / name), git_used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is printed")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 experiments, a light solution, once")
    args = parser.parse_args()
    experiments = 4 if args.quick else args.experiments
    cpu_bound = CPU_BOUND.format(n=300_000 if args.quick else 15_000_000)
    get_manager().register(BenchmarkPlugin(), "benchmark")
    # litellm is imported once up front (the model's start-up is not the engine's overhead),
    # through the gateway, which keeps it from fetching a price map from the network
    from tinkerer_plugin_litellm.litellm_api import import_litellm

    import_litellm()
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"engine overhead per experiment, trivial solution, {experiments} experiments, workers=1")
        for search in ("linear_search", "fan_out"):
            runs = [
                overheads(*run(root, f"trivial-{search}-{n}", TRIVIAL, experiments, workers=1, search=search))
                for n in range(repeats)
            ]
            inside = statistics.median(each[0] for each in runs)
            whole = statistics.median(each[1] for each in runs)
            processes = statistics.median(each[2] for each in runs)
            git_seconds = statistics.median(each[3] for each in runs)
            print(
                f"  {search:<14} inside: median {inside * 1000:5.1f} ms   whole run: mean {whole * 1000:5.1f} ms"
                f"   git per experiment: {processes:.1f} processes, {git_seconds * 1000:4.1f} ms"
                f"   (target < {OVERHEAD_TARGET_MS:g} ms inside; runs: "
                + ", ".join(f"{each[0] * 1000:.1f}" for each in runs)
                + ")"
            )

        count = 4 if args.quick else max(12, args.experiments // 2)
        speed_ups = []
        for n in range(repeats):  # serial and parallel side by side, so drifting load hits both alike
            serial = run(root, f"cpu1-{n}", cpu_bound, count, workers=1)[0]
            parallel = run(root, f"cpu2-{n}", cpu_bound, count, workers=2)[0]
            speed_ups.append(serial / parallel)
        linear_serial = run(root, "linear1", cpu_bound, count, workers=1, search="linear_search")[0]
        linear_parallel = run(root, "linear2", cpu_bound, count, workers=2, search="linear_search")[0]
        print(f"throughput, CPU-bound solution, {count} experiments, workers=2 against workers=1")
        print(
            f"  fan_out:       speed-up {statistics.median(speed_ups):.2f}x (target >= {SPEED_UP_TARGET:g}x; runs: "
            + ", ".join(f"{value:.2f}" for value in speed_ups)
            + ")"
        )
        cap = count / (1 + (count - 1) / 2)
        print(
            f"  linear_search: speed-up {linear_serial / linear_parallel:.2f}x "
            f"(its lone first draft caps it at {cap:.2f}x)"
        )


def overheads(wall: float, store: RunStore, git_used: GitUsage) -> tuple[float, float, float, float]:
    """The median overhead inside an experiment's span, the mean over the whole run (seconds), and the git
    processes and seconds per experiment."""
    finished = store.experiments()
    inside = [
        (e.finished_at or 0) - (e.started_at or 0) - (e.result.duration_s if e.result else 0) - e.agent_seconds
        for e in finished
    ]
    solution_time = statistics.mean(e.result.duration_s for e in finished if e.result)
    per_experiment = len(finished)
    return (
        statistics.median(inside),
        wall / per_experiment - solution_time,
        git_used.processes / per_experiment,
        git_used.seconds / per_experiment,
    )


if __name__ == "__main__":
    main()
