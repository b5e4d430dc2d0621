"""Executors: per-experiment dispatch overhead on Ray vs local processes, and throughput with 2 workers.

Overhead per experiment = its span in the run store - the solution's run time - the agent's time,
with a trivial solution and a scripted agent (no LLM), one experiment at a time. On Ray it includes
shipping the workspace both ways, scheduling the task and unpacking on the worker. Throughput uses
a CPU-bound solution. The Ray cluster is a head with 2 CPUs on 127.0.0.1, started inside a private
network namespace (this script re-runs itself there; it needs root for `unshare`).

    python benchmarks/executor.py [--experiments 20] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tinkerer_core import EvolveConfig, RunStore, get_manager
from tinkerer_core.config import make_config
from tinkerer_core.isolation import PRIVATE_NETNS
from tinkerer_plugin_ray.testing import (
    StepsAgentPlugin,
    evolve_resuming_a_lost_session,
    isolation_unavailable,
    ray_head,
    run_isolated,
)

os.environ["TINKERER_QUIET"] = "1"

TRIVIAL = "print('SCORE: 1')"
CPU_BOUND = "total = sum(i * i for i in range({n}))\nprint('SCORE:', total % 7)"


def run(root: Path, name: str, code: str, experiments: int, **values: Any) -> tuple[float, RunStore]:
    layer = {
        "goal": "benchmark",
        "run_dir": str(root / name),
        "max_iterations": experiments,
        "coding_agent": "steps",
        "coding_agent.steps": (code,),
        "evaluator": "regex_pattern",
        "search_strategy": "linear_search",
        # scripted idea replies: the benchmark measures the executors, not a model
        "llm.model": "openai/gpt-4o-mini",
        "llm.mock_responses": ('{"ideas": ["a scripted idea"]}',),
        **values,
    }
    config = make_config(EvolveConfig, [layer])
    started = time.perf_counter()
    evolve_resuming_a_lost_session(config)
    return time.perf_counter() - started, RunStore(root / name)


def overhead_ms(store: RunStore) -> tuple[float, float, float]:
    """Medians (ms) of the experiments' spans, of their solutions' run time, and of what is neither run nor agent."""
    experiments = store.experiments()
    spans = [(e.finished_at or 0) - (e.started_at or 0) for e in experiments]
    runs = [e.result.duration_s if e.result else 0.0 for e in experiments]
    rest = [span - run - e.agent_seconds for span, run, e in zip(spans, runs, experiments, strict=True)]
    return statistics.median(spans) * 1000, statistics.median(runs) * 1000, statistics.median(rest) * 1000


def throughput(store: RunStore) -> float:
    """Experiments per second from the first start to the last finish (connecting to the cluster excluded)."""
    experiments = store.experiments()
    first = min(e.started_at or 0 for e in experiments)
    last = max(e.finished_at or 0 for e in experiments)
    return len(experiments) / (last - first)


def session_times(root: Path, address: str) -> tuple[float, float]:
    """Seconds to open a Ray executor session (connect, check resources) and to close it."""
    from tinkerer_core import ExecutorContext

    config = make_config(EvolveConfig, [{"goal": "benchmark", "executor": "ray", "executor.address": address}])
    started = time.perf_counter()
    session = config.executor.start(ExecutorContext(root))
    opened = time.perf_counter()
    session.close()
    return opened - started, time.perf_counter() - opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=20)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2 experiments per figure, a light solution, 3 of the 5 executors",
    )
    args = parser.parse_args()
    if os.environ.get(PRIVATE_NETNS) != "1":
        reason = isolation_unavailable()
        if reason:
            print(f"SKIPPED: {reason}")
            return
        result = run_isolated([sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], timeout_s=1800)
        print(result.stdout, end="")
        if result.returncode:
            print(result.stderr[-3000:], end="", file=sys.stderr)
        sys.exit(result.returncode)

    get_manager().register(StepsAgentPlugin(), "benchmark-steps")
    from tinkerer_plugin_litellm.litellm_api import import_litellm

    import_litellm()  # once up front: its import is not an executor's overhead
    n, count = (2, 2) if args.quick else (args.experiments, max(8, args.experiments // 2))
    cpu_bound = CPU_BOUND.format(n=300_000 if args.quick else 6_000_000)
    with tempfile.TemporaryDirectory() as tmp, ray_head(num_cpus=2) as cluster:
        root = Path(tmp)
        variants: list[tuple[str, dict[str, Any]]] = [("local processes", {"executor": "local"})]
        for how, address in (("client", cluster.client), ("driver", cluster.gcs)):
            ray = {"executor": "ray", "executor.address": address, "memory_mb": 1024}
            for where, portable in (("here", False), ("on worker", True)):
                if not args.quick or portable == (how == "driver"):  # --quick: one of each kind
                    variants.append((f"ray {how}, agent {where}", {**ray, "coding_agent.portable": portable}))
        # local runs first: pool processes are forked before this process holds Ray's connections
        rows = [(label, measure(root, label, values, n, count, cpu_bound)) for label, values in variants]
        for how, address in (("client", cluster.client), ("driver", cluster.gcs)):
            connect, close = session_times(root, address)
            print(f"ray {how} session ({address}): connect {connect:.2f} s, close {close:.2f} s (once per run)")
        print(f"dispatch overhead per experiment, trivial solution, {n} experiments, one at a time (medians)")
        local_ms = rows[0][1]["overhead"]
        for label, row in rows:
            extra = f" (+{row['overhead'] - local_ms:5.1f} ms vs local)" if label.startswith("ray") else " " * 21
            print(
                f"  {label:28s} overhead {row['overhead']:6.1f} ms{extra}   experiment {row['span']:6.1f} ms"
                f" (solution {row['solution']:5.1f} ms)"
            )
        print(f"throughput, CPU-bound solution, {count} experiments (first start to last finish)")
        for label, row in rows:
            print(
                f"  {label:28s} 1 worker {row['one']:5.2f}/s   2 workers {row['two']:5.2f}/s"
                f"  (speed-up {row['two'] / row['one']:.2f}x)"
            )


def measure(root: Path, label: str, values: dict[str, Any], n: int, count: int, cpu_bound: str) -> dict[str, float]:
    """One executor's figures: trivial experiments one at a time, CPU-bound ones with 1 and 2 workers."""
    local = values["executor"] == "local"
    one = {"workers": 1} if local else {"executor.max_concurrent": 1}
    two = {"workers": 2} if local else {"executor.max_concurrent": 2}
    _, store = run(root, f"trivial-{label}", TRIVIAL, n, **values, **one)
    span, solution, overhead = overhead_ms(store)
    _, serial = run(root, f"cpu1-{label}", cpu_bound, count, **values, **one)
    _, parallel = run(root, f"cpu2-{label}", cpu_bound, count, **values, **two)
    return {
        "span": span,
        "solution": solution,
        "overhead": overhead,
        "one": throughput(serial),
        "two": throughput(parallel),
    }


if __name__ == "__main__":
    main()
