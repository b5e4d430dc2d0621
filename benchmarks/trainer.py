"""What the Tinker protocol costs: a LoRA step through the SDK and the local server vs the same step in bare torch+peft.

Same model, LoRA (rank 16, alpha 32, attention + MLP + unembedding), batch (4 x 128 random tokens) and AdamW.
Also sampling: tokens/s of greedy decoding through the SDK vs the server's sampler called directly.

    .venv/bin/python benchmarks/trainer.py [--model tinkerer/tiny-chat] [--steps 5] [--quick]

``--quick``: the tiny test model, 1 step, 8 sampled tokens (a smoke run: its figures say nothing about SmolLM2).

Run it on a quiet machine: another busy process on a 2-core box slows torch's threads unevenly.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("TINKERER_QUIET", "1")
os.environ.setdefault("TINKER_TELEMETRY", "0")  # the SDK would post telemetry to the local server


def batch_tokens(vocab: int, rows: int = 4, length: int = 128) -> list[list[int]]:
    import random

    rng = random.Random(0)
    return [[rng.randrange(3, vocab) for _ in range(length)] for _ in range(rows)]


def bare_steps(model_name: str, batch: list[list[int]], steps: int) -> list[float]:
    """Seconds per step of forward, backward and AdamW in plain torch + peft."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from tinkerer_plugin_tinker_local.backend import _ATTENTION, _MLP, LORA_ALPHA
    from tinkerer_plugin_tinker_local.catalog import model_dir

    model = AutoModelForCausalLM.from_pretrained(model_dir(model_name), dtype=torch.float32)
    model.requires_grad_(False)
    config = LoraConfig(r=16, lora_alpha=LORA_ALPHA, target_modules=[*_ATTENTION, *_MLP, "lm_head"])
    model = get_peft_model(model, config)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    times = []
    for _ in range(steps + 1):
        started = time.perf_counter()
        ids = torch.tensor(batch)  # the batch in one forward, as the server runs it
        logits = model(input_ids=ids[:, :-1]).logits.float()
        targets = ids[:, 1:].unsqueeze(-1)
        loss = -(logits.gather(-1, targets) - torch.logsumexp(logits, -1, keepdim=True)).sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - started)
    return times[1:]


def protocol_steps(server, model_name: str, batch: list[list[int]], steps: int) -> list[float]:
    """Seconds per forward_backward + optim_step through the tinker SDK."""
    import tinker

    service = tinker.ServiceClient(base_url=server.base_url, api_key=server.api_key)
    training = service.create_lora_training_client(base_model=model_name, rank=16).result()
    data = [
        tinker.Datum(model_input=tinker.ModelInput.from_ints(t[:-1]), loss_fn_inputs={"target_tokens": t[1:]})
        for t in batch
    ]
    times = []
    for _ in range(steps + 1):
        started = time.perf_counter()
        training.forward_backward(data, "cross_entropy").result()
        training.optim_step(tinker.AdamParams(learning_rate=1e-4)).result()
        times.append(time.perf_counter() - started)
    return times[1:]


def sampling_rates(server, model_name: str, prompt: list[int], tokens: int) -> tuple[float, float]:
    """Greedy decoding tokens/s: through the SDK, and the server's sampler called in-process."""
    import tinker

    from tinkerer_plugin_tinker_local.sampling import SamplingRequest, Stops, sample

    service = tinker.ServiceClient(base_url=server.base_url, api_key=server.api_key)
    sampler = service.create_sampling_client(base_model=model_name)
    params = tinker.SamplingParams(max_tokens=tokens, temperature=0.0, stop=[])
    sampler.sample(tinker.ModelInput.from_ints(prompt), 1, params).result()  # warm-up
    started = time.perf_counter()
    produced = len(sampler.sample(tinker.ModelInput.from_ints(prompt), 1, params).result().sequences[0].tokens)
    through_sdk = produced / (time.perf_counter() - started)
    host = server.backend._host(model_name)
    request = SamplingRequest(prompt, 1, tokens, 0.0, -1, 1.0, None, Stops(frozenset(), ()), False)
    started = time.perf_counter()
    sample(host.model, host.tokenizer, [request])
    direct = tokens / (time.perf_counter() - started)
    return through_sdk, direct


def main() -> None:
    from tinkerer_plugin_tinker_local.catalog import SMOLLM2, TINY_MODEL, model_dir
    from tinkerer_plugin_tinker_local.server import TinkerLocalServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=SMOLLM2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--sample-tokens", type=int, default=48)
    parser.add_argument("--quick", action="store_true", help="a smoke run: the tiny test model, 1 step, 8 tokens")
    args = parser.parse_args()
    if args.quick:
        args.model, args.steps, args.sample_tokens = TINY_MODEL, 1, 8

    from transformers import AutoConfig

    vocab = AutoConfig.from_pretrained(model_dir(args.model)).vocab_size
    batch = batch_tokens(vocab)
    tokens_per_step = sum(len(t) - 1 for t in batch)
    bare = statistics.median(bare_steps(args.model, batch, args.steps))
    with tempfile.TemporaryDirectory() as scratch, TinkerLocalServer(Path(scratch)) as server:
        protocol = statistics.median(protocol_steps(server, args.model, batch, args.steps))
        through_sdk, direct = sampling_rates(server, args.model, batch[0][:32], args.sample_tokens)
    print(f"model {args.model}, LoRA rank 16, batch 4 x 128 tokens, median of {args.steps} steps")
    print(f"LoRA step, bare torch+peft:   {bare:7.3f} s  {tokens_per_step / bare:8.1f} tokens/s")
    print(f"LoRA step, SDK + local server: {protocol:7.3f} s  {tokens_per_step / protocol:8.1f} tokens/s")
    print(f"protocol overhead:             {(protocol - bare) / bare:+7.1%}  (target: under 15%)")
    print(f"sampling, SDK + server:        {through_sdk:8.1f} tokens/s")
    print(f"sampling, sampler in-process:  {direct:8.1f} tokens/s  (greedy, {args.sample_tokens} tokens)")


if __name__ == "__main__":
    main()
