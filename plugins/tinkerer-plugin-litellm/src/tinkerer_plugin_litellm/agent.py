"""The ``llm_edit`` coding agent: one model call (two with the whole-file fallback) edits the workspace."""

from __future__ import annotations

from collections.abc import Sequence

import chz

from tinkerer_core import (
    LLM,
    AgentRequest,
    AgentResult,
    CodingAgent,
    Completion,
    MissingPluginError,
    models_of,
    uses_small_model,
)
from tinkerer_core.prompts import estimate_tokens, latest_output
from tinkerer_core.validation import at_least, between, not_empty, one_of, warn_above
from tinkerer_plugin_litellm import prompts
from tinkerer_plugin_litellm.budget import prompt_budget
from tinkerer_plugin_litellm.edit_applying import EditError, read_text, write_files
from tinkerer_plugin_litellm.edit_parsing import code_blocks, prose
from tinkerer_plugin_litellm.focus import Focus, choose_focus, method_versions
from tinkerer_plugin_litellm.landing import IDENTICAL, FileContents, land_reply, other_versions
from tinkerer_plugin_litellm.prompts import COMPACT, FULL, PROMPT_STYLES, SEARCH_REPLACE, UDIFF, WHOLE
from tinkerer_plugin_litellm.sampling import MAX_TEMPERATURE, call_rng, call_sampling

AUTO = "auto"
EDIT_FORMATS = (AUTO, WHOLE, SEARCH_REPLACE, UDIFF)
FOCUSES = (AUTO, "function", "file")
UDIFF_MODELS = ("gpt-4-turbo", "gpt-4-1106", "gpt-4-0125")  # models that follow unified diffs best (aider's table)
PURPOSE = "agent:llm_edit"

__all__ = ["EDIT_FORMATS", "LLMEditAgent"]


@chz.chz
class LLMEditAgent(CodingAgent):
    """Asks the run's LLM for whole files, SEARCH/REPLACE edits or a unified diff and applies them in the workspace."""

    edit_format: str = chz.field(
        default=AUTO,
        validator=one_of(*EDIT_FORMATS),
        doc="whole | search_replace | udiff | auto (whole for local and tiny models or a first draft, udiff for "
        "models that prefer it, search_replace otherwise, falling back to whole files once when an edit does not apply)",
    )
    main_file: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="the program's main file, where an unlabelled code block goes; None: the first focus file, else main.py",
    )
    max_code_chars: int = chz.field(
        default=40_000, validator=at_least(1), doc="how many characters of the current files the prompt shows"
    )
    max_prompt_tokens: int | None = chz.field(
        default=None,
        validator=at_least(1),
        doc="the request's token budget; None: the model's context window minus the reply's max_tokens",
    )
    focus: str = chz.field(
        default=AUTO,
        validator=one_of(*FOCUSES),
        doc="function (each call rewrites one function of the main file, the one the last run's failures name when "
        "any do, shown whole or as its signature and docstring only) | file | auto (function for local and tiny "
        "models, file otherwise)",
    )
    prompt_style: str = chz.field(
        default="auto",
        validator=one_of(*PROMPT_STYLES),
        doc="full (every section, headed) | compact (goal, code, last output, idea) | compact_no_idea | "
        "auto (compact for local and tiny models, else full)",
    )
    temperature: float | None = chz.field(
        default=None,
        validator=[at_least(0), warn_above(MAX_TEMPERATURE, "each call samples at 2 at most")],
        doc="sampling temperature; None: the LLM config's",
    )
    max_variants: int = chz.field(
        default=3,
        validator=at_least(0),
        doc="other versions of the code one whole-file reply holds (small models often repeat a block, changed) that "
        "run as sibling experiments, with no further call",
    )
    temperature_spread: float = chz.field(
        default=0.15,
        validator=between(0, MAX_TEMPERATURE),
        doc="each call samples at the temperature plus a seeded offset within +- this",
    )

    def implement(self, request: AgentRequest) -> AgentResult:
        """Ask for an edit, apply it to ``request.workspace`` and report the files it changed."""
        llm = request.llm
        if llm is None:
            raise MissingPluginError(
                "coding agent 'llm_edit' needs a language model, but no LLM gateway is installed: "
                "pip install tinkerer-plugin-litellm"
            )
        main_file = self.main_file or next(iter(request.focus_files), "main.py")
        files = self._current_files(request, main_file)
        small = uses_small_model(llm)
        focus = self._focus(request, files, main_file, small)
        target = focus.path if focus else main_file  # where an unlabelled block goes
        edit_format = WHOLE if focus else self._edit_format(llm, files, small)
        system = prompts.system_prompt(edit_format, main_file, small)
        budget = self.max_prompt_tokens or prompt_budget(llm, llm.config.max_tokens, estimate_tokens(system))
        if focus:
            history = prompts.focused_messages(request, focus, latest_output(request)[0], budget)
        else:
            style = self.prompt_style if self.prompt_style != "auto" else (COMPACT if small else FULL)
            history = prompts.messages(
                request,
                files,
                main_file,
                edit_format,
                self.max_code_chars,
                small=small,
                max_prompt_tokens=budget,
                style=style,
            )
        careful = small or focus is not None  # a focused answer is merged into the file by definition
        completions: list[Completion] = []
        while True:
            completion = self._complete(llm, request, history, len(completions))
            completions.append(completion)
            try:
                if focus is not None and focus.owner:
                    contents, variants = _method_edit(completion.text, focus, files)
                else:
                    contents = land_reply(completion.text, edit_format, target, files, self._reader(request), careful)
                    variants = self._variants(completion.text, edit_format, target, files, request, careful, contents)
                changed = write_files(request.workspace, contents)
                if not changed:
                    raise EditError(IDENTICAL, "identical")
                variants = variants[: self.max_variants]
                return self._result(history, completions, changed, summary=prose(completion.text), variants=variants)
            except EditError as problem:
                _note_failure(llm, problem, edit_format, completion)
                if self.edit_format != AUTO or edit_format == WHOLE:
                    return self._result(history, completions, (), error=str(problem))
                history = prompts.whole_file_retry(history, completion.text, str(problem))
                edit_format = WHOLE

    def _variants(
        self,
        reply: str,
        edit_format: str,
        main_file: str,
        files: dict[str, str],
        request: AgentRequest,
        careful: bool,
        landed: dict[str, str],
    ) -> list[dict[str, str]]:
        """Up to ``max_variants`` other versions a whole-file reply holds, merged like the one that landed."""
        if edit_format != WHOLE or not self.max_variants:
            return []

        def before(path: str) -> str:  # the files as they were before the landed edit was written
            return files.get(path) or request.parent_code.get(path, "")

        return other_versions(reply, main_file, before, careful, landed)

    def _focus(self, request: AgentRequest, files: dict[str, str], main_file: str, small: bool) -> Focus | None:
        """The function this call rewrites, or None for a whole-file or multi-file edit."""
        if not (self.focus == "function" or (self.focus == AUTO and small)):
            return None
        if not any(path.endswith(".py") for path in files):
            return None
        rng = call_rng(request.seed, (*_salt(request, 0), "focus"))
        evidence = "\n".join(text for text in (latest_output(request)[1], request.parent_feedback) if text)
        return choose_focus(files, main_file, evidence, rng)

    def _complete(self, llm: LLM, request: AgentRequest, history: list[dict[str, str]], call: int) -> Completion:
        """One call, with its own seed and temperature (a fixed seed repeats the same answer to the same prompt)."""
        base = llm.config.temperature if self.temperature is None else self.temperature
        seed, temperature = call_sampling(request.seed, _salt(request, call), base, self.temperature_spread)
        return llm.complete(history, purpose=PURPOSE, temperature=temperature, seed=seed)

    @staticmethod
    def _reader(request: AgentRequest) -> FileContents:
        return lambda path: read_text(request.workspace, path) or request.parent_code.get(path, "")

    def _current_files(self, request: AgentRequest, main_file: str) -> dict[str, str]:
        """The files to show: focus files first, then the parent's; the workspace's copy wins."""
        names = dict.fromkeys([main_file, *request.focus_files, *request.parent_code])
        files = {name: read_text(request.workspace, name) or request.parent_code.get(name) for name in names}
        return {name: text for name, text in files.items() if text is not None}

    def _edit_format(self, llm: LLM, files: dict[str, str], small: bool) -> str:
        """The configured format; ``auto``: whole for small models and drafts, udiff for models that prefer it."""
        if self.edit_format != AUTO:
            return self.edit_format
        if not files or small:
            return WHOLE
        if all(any(name in model.lower() for name in UDIFF_MODELS) for model in models_of(llm)):
            return UDIFF
        return SEARCH_REPLACE

    @staticmethod
    def _result(
        history: list[dict[str, str]],
        completions: Sequence[Completion],
        changed: Sequence[str],
        *,
        summary: str = "",
        error: str = "",
        variants: Sequence[dict[str, str]] = (),
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
            variants=tuple(variants),
        )


def _method_edit(reply: str, focus: Focus, files: dict[str, str]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The file with the focused method rewritten by the reply, and the other versions the reply held."""
    blocks = [block.content for block in code_blocks(reply, unclosed=True)] or [reply]
    versions, repeated = method_versions(blocks, focus, files[focus.path])
    if not versions:
        if repeated:
            raise EditError(IDENTICAL, "identical")
        if not code_blocks(reply, unclosed=True):
            raise EditError("no code in reply", "no_code")
        raise EditError(f"no method {focus.name} that parses in reply", "no_edit_block")
    return {focus.path: versions[0]}, [{focus.path: version} for version in versions[1:]]


def _salt(request: AgentRequest, call: int) -> tuple[object, ...]:
    """What makes one call's random draws its own: the request's kind, iteration, errors so far, the call."""
    return (request.kind, request.iteration, len(request.errors), call)


def _note_failure(llm: LLM, problem: EditError, edit_format: str, completion: Completion) -> None:
    """Count a reply that did not land, by cause, in the ledger (the engine stores it as a ``failure`` event)."""
    ledger = getattr(llm, "ledger", None)
    if ledger is not None:
        detail = str(problem)[:300]
        ledger.log_event(
            "failure", stage="edit", cause=problem.cause, edit_format=edit_format, model=completion.model, detail=detail
        )
