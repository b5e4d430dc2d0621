"""The ``llm_edit`` coding agent: one model call (two with the whole-file fallback) edits the workspace."""

from __future__ import annotations

from collections.abc import Sequence

import chz

from tinkerer_core.components import AgentRequest, AgentResult, CodingAgent
from tinkerer_core.errors import ConfigError, MissingPluginError
from tinkerer_core.llm import LLM, Completion
from tinkerer_plugin_litellm import prompts
from tinkerer_plugin_litellm.edit_applying import EditError, apply_search_replace, read_text, write_files
from tinkerer_plugin_litellm.edit_parsing import code_blocks, prose, search_replace_edits, whole_files
from tinkerer_plugin_litellm.prompts import SEARCH_REPLACE, WHOLE

AUTO = "auto"
EDIT_FORMATS = (AUTO, WHOLE, SEARCH_REPLACE)
SMALL_MODEL_MARKERS = ("135m", "270m")
NO_CODE = "no code in reply"
IDENTICAL = "reply identical to parent"
MISSING_EDITS = {
    WHOLE: "no file in reply (label each code block with its path)",
    SEARCH_REPLACE: "no SEARCH/REPLACE block in reply",
}


def is_small_model(model: str) -> bool:
    """Local and tiny models, which follow whole-file answers far better than SEARCH/REPLACE."""
    return model.startswith("local/") or any(marker in model.lower() for marker in SMALL_MODEL_MARKERS)


def models_of(llm: LLM) -> list[str]:
    """The models a gateway may call: its ensemble's, else its one model."""
    return [model for model, _ in llm.config.ensemble] or [llm.config.model]


@chz.chz
class LLMEditAgent(CodingAgent):
    """Asks the run's LLM for whole files or SEARCH/REPLACE edits and applies them inside the workspace."""

    edit_format: str = chz.field(
        default=AUTO,
        doc="whole | search_replace | auto (whole for local and tiny models or a first draft, "
        "search_replace otherwise, falling back to whole files once when an edit does not apply)",
    )
    main_file: str | None = chz.field(
        default=None,
        doc="the program's main file, where an unlabelled code block goes; None: the first focus file, else main.py",
    )
    max_code_chars: int = chz.field(default=40_000, doc="how many characters of the current files the prompt shows")
    temperature: float | None = chz.field(default=None, doc="sampling temperature; None: the LLM config's")

    @chz.validate
    def _known_edit_format(self) -> None:
        if self.edit_format not in EDIT_FORMATS:
            raise ConfigError(f"edit_format {self.edit_format!r} is unknown; choose one of {', '.join(EDIT_FORMATS)}")

    def implement(self, request: AgentRequest) -> AgentResult:
        """Ask for an edit, apply it to ``request.workspace`` and report the files it changed."""
        if request.llm is None:
            raise MissingPluginError(
                "coding agent 'llm_edit' needs a language model, but no LLM gateway is installed: "
                "pip install tinkerer-plugin-litellm"
            )
        main_file = self.main_file or next(iter(request.focus_files), "main.py")
        files = self._current_files(request, main_file)
        edit_format = self._edit_format(request.llm, files)
        history = prompts.messages(request, files, main_file, edit_format, self.max_code_chars)
        completions: list[Completion] = []
        while True:
            completion = request.llm.complete(
                history, purpose="agent:llm_edit", temperature=self.temperature, seed=request.seed
            )
            completions.append(completion)
            try:
                contents = self._contents(request, completion.text, edit_format, main_file)
                changed = write_files(request.workspace, contents)
                if not changed:
                    raise EditError(IDENTICAL)
                return self._result(history, completions, changed, summary=prose(completion.text))
            except EditError as problem:
                if self.edit_format != AUTO or edit_format == WHOLE:
                    return self._result(history, completions, (), error=str(problem))
                history = prompts.whole_file_retry(history, completion.text, str(problem))
                edit_format = WHOLE

    def _current_files(self, request: AgentRequest, main_file: str) -> dict[str, str]:
        """The files to show: focus files first, then the parent's; the workspace's copy wins."""
        names = dict.fromkeys([main_file, *request.focus_files, *request.parent_code])
        files = {name: read_text(request.workspace, name) or request.parent_code.get(name) for name in names}
        return {name: text for name, text in files.items() if text is not None}

    def _edit_format(self, llm: LLM, files: dict[str, str]) -> str:
        if self.edit_format != AUTO:
            return self.edit_format
        if not files or any(is_small_model(model) for model in models_of(llm)):
            return WHOLE
        return SEARCH_REPLACE

    def _contents(self, request: AgentRequest, reply: str, edit_format: str, main_file: str) -> dict[str, str]:
        """The new content of every file the reply edits."""
        if edit_format == WHOLE:
            contents = whole_files(reply, main_file)
        else:
            edits = search_replace_edits(reply, main_file)
            contents = apply_search_replace(
                edits, lambda path: read_text(request.workspace, path) or request.parent_code.get(path, "")
            )
        if not contents:
            raise EditError(NO_CODE if not code_blocks(reply) else MISSING_EDITS[edit_format])
        return contents

    @staticmethod
    def _result(
        history: list[dict[str, str]],
        completions: Sequence[Completion],
        changed: Sequence[str],
        *,
        summary: str = "",
        error: str = "",
    ) -> AgentResult:
        replies = [{"role": "assistant", "content": completions[-1].text}]
        transcript = "\n\n".join(f"## {message['role']}\n{message['content']}" for message in [*history, *replies])
        return AgentResult(
            changed_files=tuple(changed),
            summary=summary or (f"changed {', '.join(changed)}" if changed else ""),
            transcript=transcript,
            cost=sum(completion.cost for completion in completions),
            prompt_tokens=sum(completion.prompt_tokens for completion in completions),
            completion_tokens=sum(completion.completion_tokens for completion in completions),
            error=error,
        )
