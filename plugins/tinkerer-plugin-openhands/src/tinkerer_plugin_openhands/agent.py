"""The ``openhands`` coding agent: the OpenHands SDK, in its own virtual environment, edits the worktree."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, MissingPluginError, is_small_model
from tinkerer_core.processes import run_supervised
from tinkerer_core.secrets import is_secret_name
from tinkerer_core.validation import Rule, at_least, between, not_empty, one_of, positive
from tinkerer_core.workspace_files import changed_files, snapshot
from tinkerer_plugin_openhands import endpoint, prompts, report, setup
from tinkerer_plugin_openhands.report import DriverRun

HERE = Path(__file__).parent
DRIVER = HERE / "driver.py"
CONFINE = HERE / "confine.py"
TOOLS = ("file_editor", "terminal", "task_tracker")
FUNCTION_CALLING = ("native", "prompt")
PROMPTS = ("auto", "full", "compact")
MAX_LOCAL_THREADS = 512  # llama.cpp's limit (GGML_MAX_N_THREADS); it aborts the process on more, or on 0
LOCAL_CONTEXT = Rule(
    "0 (the model's own context) or at least 16 tokens",  # llama.cpp aborts on a context of 1 token
    test=lambda tokens: isinstance(tokens, int) and (tokens == 0 or tokens >= 16),
)
TOOL_NAMES = Rule(
    f"one or more tool names among {', '.join(TOOLS)}",
    test=lambda names: bool(names) and all(name in TOOLS for name in names),
)
OBSERVATION_CHARS = 4000  # of each tool result, in the transcript
DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__")


@chz.chz
class OpenHandsAgent(CodingAgent):
    """Runs an OpenHands conversation (its own virtual environment, through a subprocess) in the worktree."""

    model: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="a litellm model name, or local/<name> for the embedded model; None: the run's LLM model",
    )
    api_base: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="an OpenAI-compatible server for model; None: the run's llm.api_base when model is the run's",
    )
    function_calling: str = chz.field(
        default="native",
        validator=one_of(*FUNCTION_CALLING),
        doc="native: tools through the API's tool calls; prompt: the SDK describes them in the prompt and "
        "parses <function=...> replies (for servers without tool calls)",
    )
    prompt: str = chz.field(
        default="auto",
        validator=one_of(*PROMPTS),
        doc="full: OpenHands' own system prompt and tool manuals (about 6,300 tokens); compact: a short prompt and "
        "one-paragraph manuals (about 2,000) for small contexts; auto: compact for local and tiny models",
    )
    tools: tuple[str, ...] = chz.field(
        default=("file_editor", "terminal"), validator=TOOL_NAMES, doc=f"the tools it may use ({', '.join(TOOLS)})"
    )
    max_iterations: int = chz.field(default=30, validator=at_least(1), doc="agent steps (model calls) at most")
    timeout_s: float = chz.field(
        default=900.0, validator=positive(), doc="seconds before OpenHands is killed with every process it started"
    )
    max_tokens: int | None = chz.field(
        default=None,
        validator=at_least(1),
        doc="a cap on each reply's tokens; None: the run's llm.max_tokens for local/ models, the SDK's otherwise",
    )
    max_code_chars: int = chz.field(
        default=8000, validator=at_least(0), doc="characters of the current files shown in the task (it reads more)"
    )
    venv: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="OpenHands' virtual environment; None: $TINKERER_OPENHANDS_VENV, else ~/.cache/tinkerer/openhands-venv "
        "(create it with `tinkerer openhands setup`)",
    )
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
        """Run one OpenHands conversation in ``request.workspace`` and report the files whose content changed."""
        python = setup.require_venv(self.venv)
        target = self.endpoint(request)
        workspace = request.workspace.resolve()
        message = prompts.message(request, workspace, self.max_code_chars)
        env = self.environment()
        driver_input = {
            "workspace": str(workspace),
            "message": message,
            "tools": list(self.tools),
            "max_iterations": self.max_iterations,
            "llm": target.llm_arguments(),
            "hidden_env": sorted(name for name in env if is_secret_name(name)),
            "observation_chars": OBSERVATION_CHARS,
            "compact": self.prompt == "compact" or (self.prompt == "auto" and is_small_model(target.model)),
        }
        before = snapshot(workspace)
        with tempfile.TemporaryDirectory(prefix="tinkerer-openhands-") as scratch:
            # the SDK's own files (~/.openhands: locks, profiles) and every cache go to the scratch folder
            env.update(TMPDIR=scratch, XDG_CACHE_HOME=scratch, OH_PERSISTENCE_DIR=str(Path(scratch, "openhands")))
            run = self.run_driver(python, workspace, Path(scratch), env, driver_input)
        changed = changed_files(workspace, before)
        if run.data is not None and run.data.get("missing_sdk"):
            raise MissingPluginError(
                f"the OpenHands SDK is not installed in {setup.venv_path(self.venv)}: "
                f"run `{setup.setup_hint(self.venv)} --force`"
            )
        return report.result(request, target, run, changed, self.timeout_s)

    def endpoint(self, request: AgentRequest) -> endpoint.Endpoint:
        """Which model OpenHands calls, where, and with which settings."""
        return endpoint.resolve(
            request,
            model=self.model,
            api_base=self.api_base,
            native_tool_calling=self.function_calling == "native",
            max_tokens=self.max_tokens,
            local_ctx_size=self.local_ctx_size,
            local_threads=self.local_threads,
        )

    @staticmethod
    def environment() -> dict[str, str]:
        """The driver's environment: this one without Python's own variables (the SDK's venv is not ours)."""
        env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
        env.update(PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
        return env

    def run_driver(
        self, python: Path, workspace: Path, scratch: Path, env: dict[str, str], driver_input: dict[str, Any]
    ) -> DriverRun:
        """Run the driver, its writes confined to ``workspace`` and ``scratch``, as a supervised tree ended on timeout."""
        argv = [sys.executable, "-I", str(CONFINE), "--write", str(workspace), "--write", str(scratch)]
        argv += ["--", str(python), str(DRIVER)]
        finished = run_supervised(
            argv, cwd=workspace, env=env, timeout_s=self.timeout_s, input_text=json.dumps(driver_input)
        )
        return DriverRun(
            data=None if finished.timed_out else report.parse_driver_output(finished.stdout),
            exit_code=finished.exit_code,
            stderr=finished.stderr or finished.start_error,
            timed_out=finished.timed_out,
            duration_s=finished.duration_s,
        )
