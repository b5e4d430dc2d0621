"""kg_sqlite on a generated corpus: ingest time, hybrid query and 2-hop expansion latency.

    .venv/bin/python benchmarks/knowledge.py [--pages 10000] [--queries 300] [--quick]

Targets on a 2-core machine: ingest under 5 s without embedding, hybrid query p99 under 5 ms,
2-hop expansion p99 under 1 ms. The static embedder must be built (it is on first use, ~40 s);
``--quick`` (500 pages, 30 queries) leaves it out.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time

from tinkerer_core import PAGE_TYPES, KnowledgePage, create_component

TOPICS = ("lora", "learning", "rate", "tokenizer", "batch", "size", "gradient", "boosting", "features", "validation")
TOPICS += ("docker", "deploy", "latency", "cache")
WORDS = tuple(
    re.findall(
        r"\w+",
        "model data training loss metric adapter rank alpha layer optimizer schedule warmup tree split leaf depth "
        "column pandas numpy query index vector graph edge node page workflow principle heuristic environment "
        "python install version container image service request response timeout retry memory cpu gpu",
    )
)


def corpus(count: int, seed: int = 0) -> list[KnowledgePage]:
    """Pages with topical titles, wordy bodies and 2-4 typed edges each (a connected graph)."""
    rng = random.Random(seed)
    pages = []
    for i in range(count):
        topic = rng.choice(TOPICS)
        body = " ".join(rng.choices(WORDS, k=120))
        edges = tuple(("related", f"Page/{rng.randrange(count)}") for _ in range(rng.randint(2, 4)))
        pages.append(
            KnowledgePage(
                f"Page/{i}",
                f"{topic} note {i}",
                PAGE_TYPES[i % len(PAGE_TYPES)],
                f"How {topic} affects {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                f"{topic} {body}",
                (rng.choice(("llm", "tabular", "infra")),),
                edges,
            )
        )
    return pages


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.3f} ms  p99 {p99:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 500 pages, 30 queries, no embedder")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.queries = 500, 30
    pages = corpus(args.pages)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as scratch:
        for embedder in ("none",) if args.quick else ("none", "static"):
            kg = create_component(
                "knowledge_backend", "kg_sqlite", {"path": f"{scratch}/{embedder}.sqlite", "embedder": embedder}
            )
            if embedder == "static":
                kg.search("warm up the embedder", top_k=1)  # loads (or builds) the model outside the timing
            started = time.perf_counter()
            kg.index(pages)
            print(f"ingest {args.pages} pages, embedder={embedder}: {time.perf_counter() - started:.2f} s")
        queries = [f"{rng.choice(TOPICS)} {rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(args.queries)]
        kg.search(queries[0], top_k=10)  # loads the vector matrix
        hybrid = []
        for query in queries:
            started = time.perf_counter()
            kg.search(query, top_k=10)
            hybrid.append((time.perf_counter() - started) * 1000)
        print(f"hybrid query (top 10, with 1-hop connected pages): {percentiles(hybrid)}")
        index = kg._state.index()
        hops = []
        for _ in range(args.queries):
            page_id = f"Page/{rng.randrange(args.pages)}"
            started = time.perf_counter()
            index.reachable(page_id, depth=2)
            hops.append((time.perf_counter() - started) * 1000)
        print(f"2-hop expansion (page ids): {percentiles(hops)}")


if __name__ == "__main__":
    main()
