"""Fixtures for the real embedded model; tests that need weights skip when they are not installed."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tinkerer_plugin_local_llm import MODELS, LocalModelError, model_path


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The default model's GGUF file, or a skip saying how to install it."""
    try:
        return model_path("smollm2-135m")
    except LocalModelError:
        pytest.skip(f"weights not installed: {MODELS['smollm2-135m'].install}")


@pytest.fixture(scope="session")
def litellm_local(smollm2_path: Path) -> ModuleType:
    """litellm, routing ``local/<model>`` to the embedded engine (loaded once per session)."""
    from tinkerer_plugin_local_llm import register_local_provider

    register_local_provider()
    import litellm

    return litellm
