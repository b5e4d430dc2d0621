"""The LLM gateway an installed plugin provides (``tinkerer_open_llm``), opened when a model is first called."""

from __future__ import annotations

import threading
from typing import Any

from tinkerer_core.errors import MissingPluginError
from tinkerer_core.llm import LLM, Completion, LLMConfig, LLMLedger, Messages
from tinkerer_core.plugins import get_manager


def open_llm(config: LLMConfig, ledger: LLMLedger | None = None) -> LLM:
    """The LLM gateway that an installed plugin provides for ``config``."""
    llm = get_manager().hooks.hook.tinkerer_open_llm(config=config, ledger=ledger or LLMLedger())
    if llm is None:
        raise MissingPluginError(
            f"no LLM gateway is installed for model {config.model!r}: pip install tinkerer-plugin-litellm"
        )
    return llm


class LazyLLM(LLM):
    """Opens the gateway on first use, so runs that never call a model never import one."""

    def __init__(self, config: LLMConfig, ledger: LLMLedger) -> None:
        super().__init__(config, ledger)
        self._llm: LLM | None = None
        self._lock = threading.Lock()

    def complete(self, messages: Messages, **options: Any) -> Completion:
        with self._lock:
            if self._llm is None:
                self._llm = open_llm(self.config, self.ledger)
        return self._llm.complete(messages, **options)


def lazy_llm(config: LLMConfig, ledger: LLMLedger) -> LLM | None:
    """A lazily opened gateway, or None when no plugin provides one."""
    if not get_manager().hooks.hook.tinkerer_open_llm.get_hookimpls():
        return None
    return LazyLLM(config, ledger)
