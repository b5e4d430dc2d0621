"""The ``aider`` coding agent: aider-chat, in its own virtual environment, edits the workspace."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, Completion, ConfigError, MissingPluginError
from tinkerer_core.processes import run_supervised
from tinkerer_core.secrets import redact
from tinkerer_core.validation import Rule, at_least, between, not_empty, one_of, positive
from tinkerer_core.workspace_files import changed_files, snapshot
from tinkerer_plugin_aider import local, prompts, setup
from tinkerer_plugin_aider.workspace import chat_candidates, is_safe_relative

DRIVER = Path(__file__).with_name("driver.py")
MAX_LOCAL_THREADS = 512  # llama.cpp's limit (GGML_MAX_N_THREADS); it aborts the process on more, or on 0
LOCAL_CONTEXT = Rule(
    "0 (the model's own context) or at least 16 tokens",  # llama.cpp aborts on a context of 1 token
    test=lambda tokens: isinstance(tokens, int) and (tokens == 0 or tokens >= 16),
)
EDIT_FORMATS = (
    "whole",
    "diff",
    "diff-fenced",
    "udiff",
    "udiff-simple",
    "patch",
    "architect",
    "editor-whole",
    "editor-diff",
    "editor-diff-fenced",
)
NOTHING_CHANGED = "aider changed no files"
LOCAL_MAX_TOKENS = 1024  # tiny local models ramble until their context is full
STDERR_CHARS = 3000
TRANSCRIPT_CHARS = 20_000
DRIVER_ENV = {
    "AIDER_ANALYTICS": "false",
    "AIDER_CHECK_UPDATE": "false",
    "AIDER_SHOW_RELEASE_NOTES": "false",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "PYTHONIOENCODING": "utf-8",
    "NO_COLOR": "1",
}
DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "__PYVENV_LAUNCHER__")


def tail(text: str, max_chars: int) -> str:
    """The last ``max_chars`` characters of ``text``."""
    return text if len(text) <= max_chars else "[...]\n" + text[-max_chars:]


def parse_driver_output(stdout: str) -> dict[str, Any] | None:
    """The driver's result: the last line of ``stdout`` that is a JSON object, else None."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    try:
        return max(kind(value), kind(0))
    except (TypeError, ValueError):
        return kind(0)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Endpoint:
    """The model aider calls, and where."""

    model: str  # aider's (litellm's) name for it
    api_base: str | None = None
    api_key: str | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class DriverRun:
    """One run of the driver: its parsed result (None when there was none), exit code and stderr."""

    data: dict[str, Any] | None
    exit_code: int | None
    stderr: str
    timed_out: bool
    duration_s: float
    chat_history: str = ""  # what aider wrote to its chat history, for runs that printed no result


@chz.chz
class AiderAgent(CodingAgent):
    """Runs aider-chat (its own virtual environment, through a subprocess) on the workspace for each request."""

    model: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="a litellm model name for aider, or local/<name> for the embedded model; None: the run's LLM model",
    )
    edit_format: str | None = chz.field(
        default=None,
        validator=one_of(*EDIT_FORMATS),
        doc=f"aider's edit format ({', '.join(EDIT_FORMATS)}); None: aider's default for the model",
    )
    timeout_s: float = chz.field(
        default=900.0, validator=positive(), doc="seconds before aider is killed (with its whole process group)"
    )
    venv: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="aider's virtual environment; None: $TINKERER_AIDER_VENV, else ~/.cache/tinkerer/aider-venv "
        "(create it with `tinkerer aider setup`)",
    )
    mock_response: str | None = chz.field(
        default=None, doc="a scripted model reply in aider's edit format, applied without calling a model (tests)"
    )
    max_files: int = chz.field(
        default=30,
        validator=at_least(0),
        doc="how many small source files to add to aider's chat when the request names none",
    )
    max_tokens: int | None = chz.field(
        default=None,
        validator=at_least(1),
        doc="a cap on each reply's tokens; None: the run's llm.max_tokens for local/ models, aider's default otherwise",
    )
    auto_lint: bool = chz.field(default=True, doc="let aider lint edited files and ask the model to fix errors")
    local_ctx_size: int = chz.field(
        default=8192,
        validator=LOCAL_CONTEXT,
        doc="context tokens of the embedded model's server (local/ models); 0: the model's own",
    )
    local_threads: int | None = chz.field(
        default=None,
        validator=between(1, MAX_LOCAL_THREADS),
        doc="CPU threads of the embedded model's server; None: $TINKERER_LOCAL_LLM_THREADS, else 1",
    )

    def implement(self, request: AgentRequest) -> AgentResult:
        """Run aider once on ``request.workspace`` and report the files whose content changed."""
        python = setup.require_venv(self.venv)
        endpoint = self.endpoint(request)
        workspace = request.workspace.resolve()
        files, to_create = self.chat_files(request, workspace)
        message = prompts.message(request, files, to_create)
        before = snapshot(workspace)
        with tempfile.TemporaryDirectory(prefix="tinkerer-aider-") as scratch:
            driver_input = {
                "model": endpoint.model,
                "api_base": endpoint.api_base,
                "api_key": endpoint.api_key,
                "message": message,
                "files": files,
                "edit_format": self.edit_format,
                "mock_response": self.mock_response,
                "max_tokens": endpoint.max_tokens,
                "auto_lint": self.auto_lint,
                "chat_history_file": str(Path(scratch, "chat.md")),
            }
            run = self.run_driver(python, workspace, driver_input)
        changed = changed_files(workspace, before)
        if run.data is not None and run.data.get("missing_aider"):
            raise MissingPluginError(
                f"aider-chat is not installed in {setup.venv_path(self.venv)}: "
                f"run `{setup.setup_hint(self.venv)} --force`"
            )
        return self.result(request, endpoint, message, run, changed)

    def endpoint(self, request: AgentRequest) -> Endpoint:
        """Which model aider calls: ``model``, else the run's; ``local/<name>`` through the local server."""
        config = request.llm.config if request.llm is not None else None
        name = self.model or (config.model if config else None)
        if not name:
            raise ConfigError(
                "coding agent 'aider' needs a model: set coding_agent.model=<litellm model> or the run's llm"
            )
        if local.is_local(name):
            short = name.removeprefix(local.LOCAL_PREFIX)
            max_tokens = self.max_tokens or (config.max_tokens if config else LOCAL_MAX_TOKENS)
            if self.mock_response is not None:  # a scripted reply needs no server
                return Endpoint(f"openai/{short}", api_key=local.LOCAL_API_KEY, max_tokens=max_tokens)
            threads = self.local_threads or int(os.environ.get("TINKERER_LOCAL_LLM_THREADS", "1"))
            server = local.local_server(short, ctx_size=self.local_ctx_size, threads=threads)
            return Endpoint(f"openai/{short}", api_base=server.url, api_key=server.api_key, max_tokens=max_tokens)
        api_base = config.api_base if config is not None and name == config.model else None
        return Endpoint(name, api_base=api_base, max_tokens=self.max_tokens)

    def chat_files(self, request: AgentRequest, workspace: Path) -> tuple[list[str], list[str]]:
        """The files to add to aider's chat (existing) and those the request names that do not exist yet."""
        named = [name for name in dict.fromkeys([*request.focus_files, *request.parent_code]) if is_safe_relative(name)]
        existing = [name for name in named if (workspace / name).is_file()]
        missing = [name for name in request.focus_files if name in named and not (workspace / name).exists()]
        if not existing:
            existing = chat_candidates(workspace, self.max_files)
        return existing, missing

    def run_driver(self, python: Path, workspace: Path, driver_input: dict[str, Any]) -> DriverRun:
        """Run the driver with aider's python in ``workspace`` (a supervised tree, ended on timeout)."""
        env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
        env.update(DRIVER_ENV)
        venv = python.parent.parent
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
        finished = run_supervised(
            [str(python), str(DRIVER)],
            cwd=workspace,
            env=env,
            timeout_s=self.timeout_s,
            input_text=json.dumps(driver_input),
        )
        history = Path(driver_input["chat_history_file"])
        return DriverRun(
            data=None if finished.timed_out else parse_driver_output(finished.stdout),
            exit_code=finished.exit_code,
            stderr=finished.stderr or finished.start_error,
            timed_out=finished.timed_out,
            duration_s=finished.duration_s,
            chat_history=history.read_text(errors="replace") if history.exists() else "",
        )

    def result(
        self, request: AgentRequest, endpoint: Endpoint, message: str, run: DriverRun, changed: list[str]
    ) -> AgentResult:
        """The ``AgentResult`` for one driver run; success means files changed."""
        data = run.data or {}
        reply = _text(data.get("reply"))
        prompt_tokens = _number(data.get("prompt_tokens"), int)
        completion_tokens = _number(data.get("completion_tokens"), int)
        cost = _number(data.get("cost"), float)
        transcript = (
            _text(data.get("transcript"))
            or tail(run.chat_history, TRANSCRIPT_CHARS)
            or f"## user\n{message}\n\n## assistant\n{reply}"
        )
        if run.timed_out:
            error = f"aider timed out after {self.timeout_s:g} s"
        elif run.data is None:
            error = (
                f"aider's driver exited with code {run.exit_code} without a result; "
                f"stderr (tail):\n{tail(run.stderr, STDERR_CHARS)}"
            )
        elif _text(data.get("error")):
            error = _text(data.get("error"))
            transcript += "\n\n" + _text(data.get("traceback"))
        elif not changed:
            error = NOTHING_CHANGED
        else:
            error = ""
        if error and run.stderr and run.data is not None:
            transcript += f"\n\n## aider stderr (tail)\n{tail(run.stderr, STDERR_CHARS)}"
        if request.llm is not None and (prompt_tokens or completion_tokens or cost):
            request.llm.ledger.record(
                "agent:aider",
                Completion(
                    text=reply,
                    model=endpoint.model,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    cost=cost,
                    cost_known=bool(data.get("cost_known")),
                    duration_s=run.duration_s,
                ),
            )
        edit_format = _text(data.get("edit_format")) or "?"
        summary = f"aider ({endpoint.model}, {edit_format}) changed {', '.join(changed)}" if changed else ""
        return AgentResult(
            changed_files=tuple(changed),
            summary=summary,
            transcript=redact(transcript.strip()),
            cost=cost,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            error=redact(error),
        )
