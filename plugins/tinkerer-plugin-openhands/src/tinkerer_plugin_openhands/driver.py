"""Runs one OpenHands conversation in a workspace and prints one JSON line on stdout.

Run with the python of OpenHands' own virtual environment, in the workspace, with the request as a JSON object
on stdin::

    {"workspace": "/abs/worktree", "message": "...", "tools": ["file_editor", "terminal"], "max_iterations": 30,
     "llm": {"model": "openai/gpt-4o-mini", "base_url": null, "api_key": null, "temperature": 0.7, ...},
     "hidden_env": ["OPENAI_API_KEY"], "observation_chars": 4000, "compact": false}

``llm`` holds keyword arguments of ``openhands.sdk.LLM`` (``native_tool_calling`` among them). ``"compact": true``
replaces OpenHands' system prompt (about 3,700 tokens) with a short one and the tools' manuals with their first
paragraphs, for models with a small context. It imports the OpenHands SDK and the standard library only (never
tinkerer). Whatever OpenHands prints goes to stderr; stdout carries exactly one JSON object::

    {"status": "finished", "error_code": "", "error": "", "reply": "...", "transcript": "...",
     "calls": [{"model": "...", "prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0, "latency_s": 0.1}],
     "cost_known": false, "sdk_version": "1.58.2", "confinement": "landlock 7"}

(``"missing_sdk": true`` when the SDK cannot be imported, ``"traceback"`` when the driver itself raised.)

The file editor works only on paths inside the workspace (relative ones are taken from it) and never under
``.git``; the terminal gets ``hidden_env``'s variables blanked. Nothing is persisted, nothing visualized.
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any

TRACEBACK_CHARS = 4000
COMPACT_SYSTEM_PROMPT = """You are a coding agent working in {root}. Use one tool per reply: file_editor views, \
creates and edits files (absolute paths inside {root}); terminal, when you have it, runs commands. When the task \
is done, call finish with a short summary."""
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # the terminal's colour and mode codes
CONFINEMENT_ENV = "TINKERER_CONFINEMENT"  # set by tinkerer_plugin_openhands.confine before it executed us
QUIET_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # litellm's bundled price list, never a download
    "OPENHANDS_SUPPRESS_BANNER": "1",
    "ANONYMIZED_TELEMETRY": "false",
    "LOG_LEVEL": "WARNING",
}


def tail(text: str, max_chars: int) -> str:
    """The last ``max_chars`` characters of ``text``."""
    return text if len(text) <= max_chars else "[...]\n" + text[-max_chars:]


def clip(text: str, max_chars: int) -> str:
    """``text`` cut to its first ``max_chars`` characters, saying how many were left out."""
    return text if len(text) <= max_chars else f"{text[:max_chars]}\n[... {len(text) - max_chars} more characters]"


def inside(root: Path, path: str) -> Path | None:
    """``path`` (relative ones from ``root``) resolved, when it lies in ``root`` and not under ``.git``; else None."""
    full = (root / path).resolve()  # an absolute path replaces root
    if full != root and not full.is_relative_to(root):
        return None
    return None if ".git" in full.relative_to(root).parts else full


def first_paragraph(text: str, max_chars: int = 300) -> str:
    """The first paragraph of a tool's manual, for the compact prompt: its whole lines within ``max_chars``."""
    paragraph = text.strip().split("\n\n", 1)[0]
    if len(paragraph) <= max_chars:
        return paragraph
    cut = paragraph[:max_chars]
    return cut[: cut.rfind("\n")] if "\n" in cut else cut


def register_tools(root: Path, compact: bool) -> None:
    """Make ``file_editor`` refuse paths outside ``root`` (as an observation the model reads); ``compact`` gives
    the file editor and the terminal one-paragraph manuals."""
    from openhands.sdk.tool import ToolExecutor, register_tool
    from openhands.tools.file_editor import FileEditorTool
    from openhands.tools.file_editor.definition import FileEditorObservation
    from openhands.tools.terminal import TerminalTool

    def shortened(tools: Any) -> list[Any]:
        if not compact:
            return list(tools)
        return [tool.model_copy(update={"description": first_paragraph(tool.description)}) for tool in tools]

    class InsideWorkspace(ToolExecutor):
        """Runs the file editor on paths inside the workspace only."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __call__(self, action: Any, conversation: Any = None) -> Any:
            full = inside(root, action.path)
            if full is None:
                return FileEditorObservation.from_text(
                    text=f"{action.path} is outside the workspace {root} (or under .git): "
                    "only files inside the workspace can be viewed or edited",
                    command=action.command,
                    is_error=True,
                )
            return self.inner(action.model_copy(update={"path": str(full)}), conversation)

        def close(self) -> None:
            self.inner.close()

    class WorkspaceFileEditorTool(FileEditorTool):
        """``file_editor``, confined to the workspace."""

        name = FileEditorTool.name

        @classmethod
        def create(cls, conv_state: Any) -> Any:
            tools = super().create(conv_state)
            return shortened(tool.set_executor(InsideWorkspace(tool.executor)) for tool in tools)

    class WorkspaceTerminalTool(TerminalTool):
        """``terminal``, its manual shortened in compact mode."""

        name = TerminalTool.name

        @classmethod
        def create(cls, conv_state: Any, **params: Any) -> Any:
            return shortened(super().create(conv_state, **params))

    register_tool(FileEditorTool.name, WorkspaceFileEditorTool)
    register_tool(TerminalTool.name, WorkspaceTerminalTool)


def tool_specs(names: list[str], hidden_env: list[str]) -> list[Any]:
    """The OpenHands tool specs for ``names``; the terminal runs bash in a subprocess without the hidden variables."""
    import openhands.tools.task_tracker  # noqa: F401  (registers task_tracker)
    from openhands.sdk import Tool
    from openhands.tools.terminal import TerminalTool

    specs = []
    for name in names:
        if name == TerminalTool.name:
            specs.append(Tool(name=name, params={"terminal_type": "subprocess", "env": dict.fromkeys(hidden_env, "")}))
        else:
            specs.append(Tool(name=name))
    return specs


def render_event(event: Any, observation_chars: int) -> str:
    """One event of the conversation as transcript text."""
    from openhands.sdk.event import LLMConvertibleEvent, SystemPromptEvent
    from openhands.sdk.llm.message import content_to_str

    if isinstance(event, SystemPromptEvent):
        return f"## system prompt ({len(event.system_prompt.text)} characters, {len(event.tools)} tools)"
    if not isinstance(event, LLMConvertibleEvent):
        details = [f"{key}: {value}" for key, value in (("code", getattr(event, "code", "")),) if value]
        detail = getattr(event, "detail", "") or getattr(event, "error", "")
        return "\n".join([f"## {type(event).__name__}", *details, *([str(detail)] if detail else [])])
    message = event.to_llm_message()
    heading = f"## {message.role}" + (f" ({message.name})" if getattr(message, "name", None) else "")
    text = ANSI_ESCAPE.sub("", "".join(content_to_str(message.content)))
    lines = [heading, clip(text, observation_chars) if message.role == "tool" else text]
    lines += [f"-> {call.name}({call.arguments})" for call in message.tool_calls or ()]
    return "\n".join(line for line in lines if line)


def llm_calls(conversation: Any) -> list[dict[str, Any]]:
    """Every model call of the conversation: model, tokens, cost (spread over the calls of its model) and latency."""
    calls: list[dict[str, Any]] = []
    for metrics in conversation.conversation_stats.usage_to_metrics.values():
        usage = {item.response_id: item for item in metrics.token_usages}
        latencies = metrics.response_latencies
        costs = [item.cost for item in metrics.costs]
        if len(costs) != len(latencies):  # zero-cost replies are not listed: spread the total by tokens
            tokens = [
                (usage[item.response_id].prompt_tokens + usage[item.response_id].completion_tokens)
                if item.response_id in usage
                else 0
                for item in latencies
            ]
            total = sum(tokens) or 1
            costs = [metrics.accumulated_cost * count / total for count in tokens]
        for latency, cost in zip(latencies, costs, strict=True):
            used = usage.get(latency.response_id)
            calls.append(
                {
                    "model": latency.model,
                    "prompt_tokens": used.prompt_tokens if used else 0,
                    "completion_tokens": used.completion_tokens if used else 0,
                    "cost": cost,
                    "latency_s": latency.latency,
                }
            )
    return calls


def cost_known(model: str) -> bool:
    """Whether litellm's bundled price list knows ``model``."""
    import litellm

    try:
        return bool(litellm.get_model_info(model).get("input_cost_per_token"))
    except Exception:  # litellm raises a bare Exception for unknown models
        return False


def run(request: dict[str, Any], root: Path) -> dict[str, Any]:
    """One conversation on ``request`` inside ``root``, described as data."""
    from importlib.metadata import version

    from openhands.sdk import LLM, Agent, Conversation
    from openhands.sdk.conversation.exceptions import ConversationRunError
    from openhands.sdk.conversation.response_utils import get_agent_final_response
    from openhands.sdk.event.conversation_error import ConversationErrorEvent

    compact = bool(request.get("compact"))
    register_tools(root, compact)
    llm = LLM(usage_id="agent", **request["llm"])
    prompt = {"system_prompt": COMPACT_SYSTEM_PROMPT.format(root=root)} if compact else {}
    agent = Agent(llm=llm, tools=tool_specs(request["tools"], request.get("hidden_env", [])), **prompt)
    events: list[Any] = []
    conversation = Conversation(
        agent=agent,
        workspace=str(root),
        callbacks=[events.append],
        persistence_dir=None,
        visualizer=None,
        max_iteration_per_run=int(request["max_iterations"]),
    )
    error, error_code = "", ""
    try:
        conversation.send_message(request["message"])
        conversation.run()
    except ConversationRunError as raised:  # the conversation's own error event says what went wrong
        cause = raised.__cause__
        error, error_code = f"{type(cause).__name__}: {cause}", type(cause).__name__
    finally:
        conversation.close()
    errors = [event for event in events if isinstance(event, ConversationErrorEvent)]
    if errors and not error:
        error, error_code = errors[-1].detail, errors[-1].code
    observation_chars = int(request.get("observation_chars", 4000))
    return {
        "status": conversation.state.execution_status.value,
        "error_code": error_code,
        "error": error,
        "reply": get_agent_final_response(events),
        "transcript": "\n\n".join(render_event(event, observation_chars) for event in events),
        "calls": llm_calls(conversation),
        "cost_known": cost_known(llm.model),
        "sdk_version": version("openhands-sdk"),
    }


def main() -> int:
    """Read the request from stdin, run it, and print the result as one JSON line."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # OpenHands' own output goes to stderr
    os.environ.update(QUIET_ENV)
    request = json.loads(sys.stdin.read())
    root = Path(request["workspace"]).resolve()
    result: dict[str, Any] = {"calls": [], "confinement": os.environ.get(CONFINEMENT_ENV, "none: not started confined")}
    try:
        import openhands.sdk
        import openhands.tools  # noqa: F401
    except ImportError as error:
        result.update(status="error", error=f"the OpenHands SDK is not installed in {sys.prefix}: {error}")
        result["missing_sdk"] = True
        out.write(json.dumps(result) + "\n")
        return 0
    try:
        result.update(run(request, root))
    except BaseException as error:  # every failure is reported as data
        result.update(status="error", error=f"the driver failed: {type(error).__name__}: {error}")
        result["traceback"] = tail(traceback.format_exc(), TRACEBACK_CHARS)
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
