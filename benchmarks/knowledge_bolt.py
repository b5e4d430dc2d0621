"""kg_llm_navigation on falkordb's Bolt endpoint: ingest time, keyword search and 2-hop expansion latencies.

Run: ``python benchmarks/knowledge_bolt.py [pages] [--quick]``; it re-runs itself inside a
private network namespace (root or user namespaces, ``unshare`` and ``ip`` needed; without them it says why and
skips). With NEO4J_URI set it measures that server instead (namespace ``bench``, cleared afterwards).
``--quick``: 100 pages, 5 searches.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from tinkerer_core import PAGE_TYPES, KnowledgePage
from tinkerer_core.isolation import in_private_namespace
from tinkerer_plugin_neo4j.navigation import LLMNavigation
from tinkerer_plugin_neo4j.testing import PRIVATE_NETNS, falkordb_bolt, netns_unavailable

WORDS = [
    "train",
    "model",
    "data",
    "feature",
    "cache",
    "pipeline",
    "tune",
    "search",
    "graph",
    "vector",
    "index",
    "query",
    "batch",
    "loss",
]


def corpus(n: int, rng: random.Random) -> list[KnowledgePage]:
    def pid(i: int) -> str:
        return f"{PAGE_TYPES[i % len(PAGE_TYPES)]}/page_{i}"

    return [
        KnowledgePage(
            id=pid(i), title=" ".join(rng.sample(WORDS, 3)), page_type=PAGE_TYPES[i % len(PAGE_TYPES)],
            overview=" ".join(rng.sample(WORDS, 6)), content=" ".join(rng.choices(WORDS, k=60)),
            edges=tuple(("related", pid(rng.randrange(n))) for _ in range(2)),
        )
        for i in range(n)
    ]  # fmt: skip


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def measure(n: int, queries: int) -> None:
    rng = random.Random(0)
    pages = corpus(n, rng)
    uri = os.environ.get("NEO4J_URI")
    with nullcontext(uri) if uri else falkordb_bolt() as server:
        kg = LLMNavigation(uri=server, dialect="neo4j" if uri else "falkordb", namespace="bench", max_steps=2)
        try:
            start = time.perf_counter()
            kg.index(pages)
            print(
                f"{'neo4j' if uri else 'falkordb'}: ingest {n} pages + {2 * n} edges: {time.perf_counter() - start:.2f} s"
            )
            searches, hops = [], []
            for _ in range(queries):
                start = time.perf_counter()
                kg.search(" ".join(rng.sample(WORDS, 2)), top_k=5)
                searches.append(time.perf_counter() - start)
                start = time.perf_counter()
                kg.neighbors(pages[rng.randrange(n)].id, depth=2)
                hops.append(time.perf_counter() - start)
            print(f"search (3 entry points, 2 keyword steps, no model): {percentiles(searches)}")
            print(f"2-hop neighbours: {percentiles(hops)}")
        finally:
            kg.clear()
            kg.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=int, nargs="?", default=1000)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 pages, 5 searches")
    args = parser.parse_args()
    pages, queries = (100, 5) if args.quick else (args.pages, 30)
    if os.environ.get("NEO4J_URI") or os.environ.get(PRIVATE_NETNS) == "1":
        measure(pages, queries)
        return
    reason = netns_unavailable()
    if reason:
        print(f"SKIPPED: {reason}")
        return
    env = {**os.environ, PRIVATE_NETNS: "1"}
    command = in_private_namespace([sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(subprocess.run(command, env=env).returncode)


if __name__ == "__main__":
    main()
