"""What every CLI coding agent does: find the binary, check credentials, run it, read its stream, diff the files."""

from __future__ import annotations

import logging
import os
import shutil
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import ClassVar

import chz

from tinkerer_core import AgentRequest, AgentResult, CodingAgent, ConfigError, MissingPluginError
from tinkerer_core.formatting import format_cost
from tinkerer_core.processes import Finished, run_supervised
from tinkerer_core.secrets import redact, scrubbed_environment
from tinkerer_core.validation import at_least, env_names, not_empty, positive
from tinkerer_core.workspace_files import changed_files, snapshot
from tinkerer_plugin_cli_agents.prompt import build_prompt
from tinkerer_plugin_cli_agents.streams import StreamState
from tinkerer_plugin_cli_agents.transcript import Transcript, parse_event, shown_command

logger = logging.getLogger(__name__)

ERROR_TAIL_CHARS = 1500
STDERR_CHARS = 4000  # of the CLI's stderr kept for the transcript: its head and tail (stdout is the transcript)


class MissingCredentialsError(ConfigError):
    """A CLI agent was asked to run without the credentials its CLI needs."""


@chz.chz
class CLIAgent(CodingAgent):
    """Runs a vendor's coding-agent CLI non-interactively in the workspace and reports what it changed."""

    NAME: ClassVar[str]  # the registered name, used in messages
    INSTALL: ClassVar[str]  # how to install the CLI

    executable: str = chz.field(
        default="", validator=not_empty(), doc="the CLI to run: a name looked up on PATH, or a path"
    )
    model: str | None = chz.field(
        default=None, validator=not_empty(), doc="the model the CLI uses; None: the CLI's own default"
    )
    timeout_s: float = chz.field(
        default=1800.0, validator=positive(), doc="seconds before the CLI and all its children are killed"
    )
    extra_args: tuple[str, ...] = chz.field(default=(), doc="more command-line arguments, appended as given")
    check_key: bool = chz.field(
        default=True,
        doc="refuse to start without an API key in the environment; false when the CLI is logged in (OAuth)",
    )
    pass_env: tuple[str, ...] = chz.field(
        default=(),
        validator=env_names(),
        doc="secret-looking environment variables to pass to the CLI anyway (e.g. AWS_PROFILE for Bedrock)",
    )
    max_code_chars: int = chz.field(
        default=8000,
        validator=at_least(0),
        doc="how many characters of the current files the prompt shows (the CLI can read the rest; 0: none)",
    )

    @abstractmethod
    def arguments(self, prompt: str) -> list[str]:
        """The command line after the executable, for ``prompt`` (``extra_args`` are appended to it)."""

    @abstractmethod
    def credentials(self, environ: Mapping[str, str]) -> dict[str, str]:
        """The secret variables the CLI gets; raise ``MissingCredentialsError`` if none and ``check_key``."""

    @abstractmethod
    def new_stream(self) -> StreamState:
        """A fresh reader for this CLI's event stream."""

    def implement(self, request: AgentRequest) -> AgentResult:
        """Run the CLI on ``request`` in its workspace; the result lists the files whose content changed."""
        executable = self.resolve_executable()
        secrets = self.credentials(os.environ)
        env = {**scrubbed_environment(os.environ, keep=self.pass_env), **secrets}
        prompt = build_prompt(request, self.max_code_chars)
        argv = [executable, *self.arguments(prompt), *self.extra_args]
        stream = self.new_stream()
        transcript = Transcript()
        transcript.add(shown_command(argv, prompt))
        transcript.section("prompt", prompt)
        transcript.section("stream")

        def on_line(line: str) -> None:
            transcript.add(line)  # kept whatever it is; only JSON objects are read
            event = parse_event(line)
            if event is not None:
                logger.debug("%s event: %s", self.NAME, event.get("type"))
                stream.feed(event)

        logger.info("%s: starting in %s", self.NAME, request.workspace)
        before = snapshot(request.workspace)
        outcome = run_supervised(
            argv, cwd=request.workspace, env=env, timeout_s=self.timeout_s, keep_chars=STDERR_CHARS, on_line=on_line
        )
        changed = tuple(changed_files(request.workspace, before))
        if outcome.stderr.strip():
            transcript.section("stderr (tail)", outcome.stderr.rstrip())
        transcript.section("end", self._ending(outcome, stream))
        secret_values = list(secrets.values())
        error = redact(self._error(outcome, stream, changed), secret_values)
        logger.info("%s: changed %d files in %.1f s %s", self.NAME, len(changed), outcome.duration_s, error)
        return AgentResult(
            changed_files=changed,
            summary=redact(stream.summary or (f"changed {', '.join(changed)}" if changed else ""), secret_values),
            transcript=transcript.text(secret_values),
            cost=stream.cost,
            prompt_tokens=stream.prompt_tokens,
            completion_tokens=stream.completion_tokens,
            error=error,
        )

    def resolve_executable(self) -> str:
        """The CLI's full path; ``MissingPluginError`` says how to install it when it is not found."""
        found = shutil.which(self.executable)
        if found is None:
            raise MissingPluginError(
                f"coding agent {self.NAME!r} needs the {self.executable!r} command, which is not on PATH "
                f"(or not executable); install it with `{self.INSTALL}`, or set executable= to its path"
            )
        return found

    def require(self, found: bool, needed: str) -> None:
        """Raise ``MissingCredentialsError`` saying what is ``needed`` unless ``found`` or the check is off."""
        if self.check_key and not found:
            raise MissingCredentialsError(
                f"coding agent {self.NAME!r} needs {needed}; if the CLI is logged in another way "
                "(OAuth, a cloud provider), set check_key=false"
            )

    def _error(self, outcome: Finished, stream: StreamState, changed: Sequence[str]) -> str:
        """Why the run failed, or "" when it finished and changed files."""
        stderr = outcome.stderr.strip()[-ERROR_TAIL_CHARS:]
        if outcome.start_error:
            return outcome.start_error
        if outcome.timed_out:
            return f"{self.NAME} timed out after {self.timeout_s:g} s; its process group was killed"
        if stream.error:
            return f"{self.NAME}: {stream.error}"
        if not stream.finished:
            how = f"exited with code {outcome.exit_code}" if outcome.exit_code else "ended"
            return f"{self.NAME} {how} without a result" + (f": {stderr}" if stderr else "")
        if not changed:
            return f"{self.NAME} finished but changed no files"
        return ""

    @staticmethod
    def _ending(outcome: Finished, stream: StreamState) -> str:
        how = "timed out" if outcome.timed_out else f"exit code {outcome.exit_code}"
        return (
            f"{how} after {outcome.duration_s:.1f} s; {stream.events} events, {stream.tool_calls} tool calls, "
            f"cost {format_cost(stream.cost)}, {stream.prompt_tokens} prompt + {stream.completion_tokens} completion tokens"
        )


def present(environ: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """The variables among ``names`` that are set to a non-empty value."""
    return {name: environ[name] for name in names if environ.get(name, "").strip()}
