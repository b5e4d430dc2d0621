"""The gateway through the plugin manager, with real litellm: scripted replies, a local server, files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tinkerer_core import LLM, ConfigError, LLMError, LLMUnavailableError, MissingPluginError, TinkererError
from tinkerer_core.isolation import silent_server
from tinkerer_plugin_litellm.errors import LLMCallError
from tinkerer_plugin_litellm.gateway import LiteLLMGateway
from tinkerer_plugin_litellm.litellm_api import import_litellm

if TYPE_CHECKING:
    from conftest import MakeLLM, OpenAIServer

HELLO = [{"role": "user", "content": "hello"}]
SECRET = "sk-test-9f8e7d6c5b4a39281706"


def test_the_installed_gateway_is_this_plugins(make_llm: MakeLLM) -> None:
    llm, _ = make_llm(mock_responses=("hi",))
    assert isinstance(llm, LiteLLMGateway)


def test_a_reply_arrives_with_tokens_and_cost_in_the_ledger(make_llm: MakeLLM) -> None:
    llm, ledger = make_llm(mock_responses=("hi there",))
    completion = llm.complete(HELLO, purpose="greet")
    assert completion.text == "hi there"
    assert completion.model == "openai/gpt-4o-mini"
    assert (completion.prompt_tokens, completion.completion_tokens) == (10, 20)  # litellm's mock usage
    assert completion.cost > 0 and completion.cost_known
    assert ledger.calls == [("greet", completion)]


def test_an_unpriced_model_costs_zero_flagged_unknown(make_llm: MakeLLM) -> None:
    completion = make_llm(model="openai/my-finetune", mock_responses=("ok",))[0].complete(HELLO)
    assert (completion.cost, completion.cost_known) == (0.0, False)


def test_transient_errors_are_retried_until_a_reply(make_llm: MakeLLM) -> None:
    llm, ledger = make_llm(mock_responses=("litellm.RateLimitError", "litellm.InternalServerError", "done"))
    assert llm.complete(HELLO).text == "done"
    assert llm.calls == 3
    assert len(ledger.calls) == 1


def test_the_last_failed_retry_raises_a_clear_error(make_llm: MakeLLM) -> None:
    llm, ledger = make_llm(mock_responses=("litellm.RateLimitError",), retries=2)
    with pytest.raises(LLMUnavailableError, match=r"gave up after 3 attempts: model 'openai/gpt-4o-mini'.*RateLimit"):
        llm.complete(HELLO)
    assert llm.calls == 3
    assert ledger.calls == []


def test_a_non_retryable_error_raises_at_once(make_llm: MakeLLM) -> None:
    llm, _ = make_llm(mock_responses=("litellm.ContextWindowExceededError", "never reached"))
    with pytest.raises(LLMCallError, match="ContextWindowExceeded") as raised:
        llm.complete(HELLO)
    assert not isinstance(raised.value, LLMUnavailableError)
    assert isinstance(raised.value, LLMError) and isinstance(raised.value, TinkererError)
    assert llm.calls == 1


def test_an_auth_failure_names_the_model_but_never_the_key(
    make_llm: MakeLLM, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    error = {"message": f"Incorrect API key provided: {SECRET}.", "type": "invalid_request_error"}
    openai_server.replies = [(401, {"error": {**error, "code": "invalid_api_key"}})]
    llm, _ = make_llm(api_base=openai_server.url)
    with pytest.raises(LLMCallError) as raised:
        llm.complete(HELLO)
    message = str(raised.value)
    assert "openai/gpt-4o-mini" in message and "Authentication" in message
    assert SECRET not in message and SECRET[:12] not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert openai_server.requests[0]["authorization"] == f"Bearer {SECRET}"  # the key came from the environment
    assert len(openai_server.requests) == 1


def test_server_errors_over_http_are_retried_and_options_are_sent(
    make_llm: MakeLLM, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    openai_server.replies = [(503, {"error": {"message": "overloaded"}}), openai_server.answer("recovered")]
    llm, _ = make_llm(api_base=openai_server.url, temperature=0.3, max_tokens=50)
    completion = llm.complete(HELLO, seed=7)
    assert completion.text == "recovered"
    assert (completion.prompt_tokens, completion.completion_tokens) == (7, 3)
    assert len(openai_server.requests) == 2
    body = openai_server.requests[-1]["body"]
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.3, 50, 7)
    llm.complete(HELLO, temperature=0.9)
    assert "seed" not in openai_server.requests[-1]["body"]
    assert openai_server.requests[-1]["body"]["temperature"] == 0.9


def test_reasoning_effort_is_sent_only_when_given(
    make_llm: MakeLLM, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    openai_server.replies = [openai_server.answer("thought")]
    llm, _ = make_llm(model="openai/o3-mini", api_base=openai_server.url)
    assert llm.complete(HELLO, reasoning_effort="high").text == "thought"
    assert openai_server.requests[-1]["body"]["reasoning_effort"] == "high"
    llm.complete(HELLO)
    assert "reasoning_effort" not in openai_server.requests[-1]["body"]
    plain, _ = make_llm(api_base=openai_server.url)  # gpt-4o-mini does not reason: litellm drops the option
    plain.complete(HELLO, reasoning_effort="high")
    assert "reasoning_effort" not in openai_server.requests[-1]["body"]


def test_a_timeout_is_retried(make_llm: MakeLLM, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    openai_server.stall_first_s = 1.0
    openai_server.replies = [openai_server.answer("in time")]
    llm, _ = make_llm(api_base=openai_server.url, timeout_s=0.3)
    assert llm.complete(HELLO).text == "in time"
    assert llm.calls == 2


def test_a_missing_key_fails_at_once_saying_what_to_set(
    make_llm: MakeLLM, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    llm, _ = make_llm(api_base=openai_server.url)
    with pytest.raises(LLMCallError, match=r"set OPENAI_API_KEY in the environment or in a \.env file"):
        llm.complete(HELLO)
    assert llm.calls == 1
    assert openai_server.requests == []


def test_an_unreachable_server_fails_after_the_retries(make_llm: MakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm, _ = make_llm(api_base=f"http://127.0.0.1:{port}/v1", retries=1)
    with pytest.raises(LLMUnavailableError, match="after 2 attempts"):
        llm.complete(HELLO)


@pytest.mark.parametrize(
    ("accepting", "limit"), [(True, "llm.timeout_s=0.5 s"), (False, "llm.connect_timeout_s=0.2 s")],
    ids=["accepts and never answers", "never accepts the connection"],
)  # fmt: skip
def test_a_silent_server_times_out_naming_the_model_the_url_and_the_limit(
    make_llm: MakeLLM, monkeypatch: pytest.MonkeyPatch, accepting: bool, limit: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    import_litellm()  # its first import is not the call's time
    with silent_server(accepting=accepting) as port:
        url = f"http://127.0.0.1:{port}/v1"
        llm, _ = make_llm(api_base=url, timeout_s=0.5, connect_timeout_s=0.2, retries=0)
        started = time.monotonic()
        with pytest.raises(LLMUnavailableError) as caught:
            llm.complete(HELLO)
        waited = time.monotonic() - started
    message = str(caught.value)
    assert "model 'openai/gpt-4o-mini'" in message and f"{url} did not answer within" in message
    assert limit in message and "Check that the server runs and serves this model" in message
    assert SECRET not in message
    assert waited < 10  # the limits, not litellm's 600 s default


def test_a_cached_reply_costs_nothing_and_calls_no_model(make_llm: MakeLLM, tmp_path: Path) -> None:
    llm, ledger = make_llm(cache_dir=str(tmp_path), mock_responses=("first", "second"))
    fresh = llm.complete(HELLO, purpose="a")
    again = llm.complete(HELLO, purpose="b")
    assert (fresh.text, fresh.cached) == ("first", False)
    assert (again.text, again.cached, again.cost) == ("first", True, 0.0)
    assert again.prompt_tokens == fresh.prompt_tokens
    assert [purpose for purpose, _ in ledger.calls] == ["a", "b"]
    assert llm.calls == 1
    rerun, _ = make_llm(cache_dir=str(tmp_path), mock_responses=("third",))
    assert rerun.complete(HELLO).text == "first"  # a re-run of the same job
    assert llm.complete(HELLO, seed=1).text == "second"  # another seed is another request
    assert llm.complete(HELLO, reasoning_effort="low").text == "first"  # so is another reasoning effort
    assert len(list(tmp_path.rglob("*.json"))) == 3


def test_the_cache_survives_concurrent_writers(make_llm: MakeLLM, tmp_path: Path) -> None:
    llm, ledger = make_llm(cache_dir=str(tmp_path), mock_responses=("same",))
    threads = [threading.Thread(target=llm.complete, args=(HELLO,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (entry,) = tmp_path.rglob("*.json")
    assert json.loads(entry.read_text())["text"] == "same"
    assert not [path for path in tmp_path.rglob("*") if path.name.endswith(".tmp")]
    assert len(ledger.calls) == 8


def test_an_ensemble_samples_models_by_weight(make_llm: MakeLLM) -> None:
    ensemble = (("openai/gpt-4o-mini", 3.0), ("openai/gpt-4o", 1.0))
    llm, _ = make_llm(ensemble=ensemble, mock_responses=("ok",))
    picks = Counter(llm.complete(HELLO).model for _ in range(200))
    assert set(picks) == {"openai/gpt-4o-mini", "openai/gpt-4o"}
    assert 120 <= picks["openai/gpt-4o-mini"] <= 180
    seeded = {llm.complete(HELLO, seed=11).model for _ in range(5)}
    assert len(seeded) == 1  # the call's seed decides the model


def test_an_ensemble_weight_must_be_positive(make_llm: MakeLLM) -> None:
    with pytest.raises(ConfigError, match=r"^ensemble must be .* a weight greater than 0, got .*'openai/gpt-4o', 0\.0"):
        make_llm(ensemble=(("openai/gpt-4o-mini", 1.0), ("openai/gpt-4o", 0.0)))


def test_with_model_keeps_the_settings_and_the_ledger(make_llm: MakeLLM) -> None:
    llm, ledger = make_llm(mock_responses=("ok",), temperature=0.2)
    other = llm.with_model("openai/gpt-4o")
    assert isinstance(other, LLM) and other.ledger is ledger
    assert (other.config.model, other.config.temperature) == ("openai/gpt-4o", 0.2)
    assert (other.complete(HELLO, purpose="judge").model, llm.complete(HELLO).model) == (
        "openai/gpt-4o",
        llm.config.model,
    )
    both = llm.with_model(ensemble=("openai/gpt-4o", "openai/gpt-4o-mini"))
    assert both.config.ensemble == (("openai/gpt-4o", 1.0), ("openai/gpt-4o-mini", 1.0))
    assert {both.complete(HELLO).model for _ in range(40)} == {"openai/gpt-4o", "openai/gpt-4o-mini"}
    assert len(ledger.calls) == 42 and ledger.calls[0][0] == "judge"


def test_keys_load_from_a_dotenv_file_without_overriding(
    make_llm: MakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("TINKERER_TEST_NEW_KEY=from-dotenv\nTINKERER_TEST_SET_KEY=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TINKERER_TEST_NEW_KEY", raising=False)
    monkeypatch.setenv("TINKERER_TEST_SET_KEY", "from-environment")
    make_llm(mock_responses=("ok",))
    assert os.environ["TINKERER_TEST_NEW_KEY"] == "from-dotenv"
    assert os.environ["TINKERER_TEST_SET_KEY"] == "from-environment"


def test_a_local_model_without_its_plugin_says_what_to_install(
    make_llm: MakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm, _ = make_llm(model="local/smollm2-135m", mock_responses=("ok",))
    monkeypatch.setattr(import_litellm(), "custom_provider_map", [])  # as if tinkerer-plugin-local-llm were absent
    with pytest.raises(MissingPluginError, match=r"local/smollm2-135m needs .*pip install tinkerer-plugin-local-llm"):
        llm.complete(HELLO)


def test_complete_json_reasks_through_the_gateway(make_llm: MakeLLM) -> None:
    llm, ledger = make_llm(mock_responses=("Sure! Here it is: none", '```json\n{"score": 0.5}\n```'))
    assert llm.complete_json(HELLO, lambda value: value["score"], purpose="judge") == 0.5
    assert [purpose for purpose, _ in ledger.calls] == ["judge", "judge"]


def test_concurrent_calls_each_get_one_scripted_reply(make_llm: MakeLLM) -> None:
    llm, ledger = make_llm(mock_responses=("a", "b"))
    replies: list[str] = []
    threads = [threading.Thread(target=lambda: replies.append(llm.complete(HELLO).text)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(replies) == {"a": 5, "b": 5}
    assert llm.calls == len(ledger.calls) == 10


def test_listing_plugins_does_not_import_litellm() -> None:
    code = "import sys, tinkerer_plugin_litellm.plugin; print('litellm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
