"""Speed and memory of the embedded local model, in-process and through its HTTP server.

Prints load time, prompt-processing and generation tokens/s (greedy, a fixed prompt, 128 new
tokens, median of 3) and peak RSS. Run: ``.venv/bin/python benchmarks/local_llm.py [--threads N] [--quick]``
(``--quick``: 16 new tokens, one run each).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from tinkerer_plugin_local_llm import DEFAULT_MODEL, MODELS, LocalModelError, LocalModelServer, model_path
from tinkerer_plugin_local_llm.engine import Engine, EngineSettings

PROMPT = (
    "You are reviewing a Python function that computes the running median of a stream of integers. "
    "Explain step by step how a pair of heaps keeps the lower and upper halves balanced, what happens "
    "when a new number arrives, and how the median is read after each insertion."
)


def request(new_tokens: int) -> dict[str, Any]:
    """A greedy request that always generates ``new_tokens`` and never reuses a cached prompt."""
    return {
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": new_tokens,
        "temperature": 0,
        "ignore_eos": True,
        "cache_prompt": False,
    }


def peak_rss_mb(who: int) -> float:
    """Peak resident memory of this process (RUSAGE_SELF) or of its largest waited child (RUSAGE_CHILDREN)."""
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def measure(
    label: str, load_s: float, chat: Callable[[dict[str, Any]], dict[str, Any]], new_tokens: int, runs: int
) -> None:
    """Run the request ``runs`` times and print the medians of llama.cpp's own timings and of wall time."""
    chat(request(8))  # warm-up
    prompt_tps, generate_tps, wall_s = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        reply = chat(request(new_tokens))
        wall_s.append(time.perf_counter() - start)
        timings = reply["timings"]
        assert timings["predicted_n"] == new_tokens, timings
        prompt_tps.append(timings["prompt_per_second"])
        generate_tps.append(timings["predicted_per_second"])
    print(
        f"{label:<12} load {load_s:5.2f} s | prompt {timings['prompt_n']} tok at {statistics.median(prompt_tps):6.1f} tok/s"
        f" | generate {new_tokens} tok at {statistics.median(generate_tps):5.1f} tok/s"
        f" | wall {statistics.median(wall_s):5.2f} s / request"
    )


def in_process(settings: EngineSettings, new_tokens: int, runs: int) -> None:
    """The engine in this process."""
    rss_before = peak_rss_mb(resource.RUSAGE_SELF)
    start = time.perf_counter()
    engine = Engine(settings)
    measure("in-process", time.perf_counter() - start, engine.chat, new_tokens, runs)
    print(f"{'':<12} peak RSS {peak_rss_mb(resource.RUSAGE_SELF):.0f} MB (before loading: {rss_before:.0f} MB)")


def through_server(settings: EngineSettings, new_tokens: int, runs: int) -> None:
    """The same model in a child process, over HTTP."""

    start = time.perf_counter()
    with LocalModelServer(settings.model, threads=settings.threads, ctx_size=settings.ctx_size) as server:
        load_s = time.perf_counter() - start

        def chat(body: dict[str, Any]) -> dict[str, Any]:
            post = urllib.request.Request(
                server.url + "/chat/completions",
                json.dumps(body).encode(),
                {"Content-Type": "application/json", "Authorization": f"Bearer {server.api_key}"},
            )
            with urllib.request.urlopen(post) as response:
                return json.load(response)

        measure("HTTP server", load_s, chat, new_tokens, runs)
    print(
        f"{'':<12} server peak RSS {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB (load time includes spawn + /health)"
    )


def main() -> None:
    """Benchmark one local model in-process, then through the server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 16 new tokens, one run each")
    args = parser.parse_args()
    new_tokens, runs = (16, 1) if args.quick else (args.new_tokens, 3)
    try:
        model_path(args.model)
    except LocalModelError:
        print(f"SKIPPED: the weights of {args.model} are not installed: {MODELS[args.model].install}")
        return
    settings = EngineSettings(args.model, args.threads)
    print(f"{args.model}, {args.threads} thread(s), context {settings.ctx_size}, greedy, median of {runs}")
    in_process(settings, new_tokens, runs)
    through_server(settings, new_tokens, runs)


if __name__ == "__main__":
    main()
