"""What one driver run did, as Tinkerer records it: the ``AgentResult``, every model call in the run's ledger, and
the failure's cause (``timeout``, ``driver_crash``, ``llm_error``, ``max_iterations``, ``stuck``, ``agent_error``,
``no_change``) as a ``failure`` event."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tinkerer_core import AgentRequest, AgentResult, Completion
from tinkerer_core.prompts import bounded
from tinkerer_core.secrets import redact
from tinkerer_plugin_openhands.endpoint import Endpoint

PURPOSE = "agent:openhands"
NOTHING_CHANGED = "openhands changed no files"
STDERR_CHARS = 3000
TRANSCRIPT_CHARS = 200_000
LLM_ERROR = re.compile(
    r"^(LLM|API|Authentication|BadRequest|ContextWindow|InternalServer|RateLimit|ServiceUnavailable|Timeout|NotFound)"
)


@dataclass(frozen=True)
class DriverRun:
    """One run of the driver: its parsed result (None when there was none), exit code and stderr."""

    data: dict[str, Any] | None
    exit_code: int | None
    stderr: str
    timed_out: bool
    duration_s: float


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


def head_and_tail(text: str, max_chars: int) -> str:
    """``text`` within ``max_chars``: its first and last halves, the cut marked."""
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    return f"{text[:half]}\n\n[... {len(text) - 2 * half} characters cut ...]\n\n{text[-half:]}"


def _count(value: Any, kind: type[int] | type[float]) -> Any:
    """``value`` as a non-negative number of ``kind``; anything else is 0."""
    try:
        return max(kind(value), kind(0))
    except (TypeError, ValueError):
        return kind(0)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def calls_of(data: dict[str, Any], reply: str, cost_known: bool) -> list[Completion]:
    """The driver's model calls as ledger entries; the last one carries the agent's final reply."""
    raw = [call for call in data.get("calls") or () if isinstance(call, dict)]
    return [
        Completion(
            text=reply if index == len(raw) - 1 else "",
            model=_text(call.get("model")) or "?",
            prompt_tokens=_count(call.get("prompt_tokens"), int),
            completion_tokens=_count(call.get("completion_tokens"), int),
            cost=_count(call.get("cost"), float),
            cost_known=cost_known,
            duration_s=_count(call.get("latency_s"), float),
        )
        for index, call in enumerate(raw)
    ]


def failure(run: DriverRun, changed: Sequence[str], timeout_s: float) -> tuple[str, str]:
    """``(cause, message)`` of a run that failed, or ``("", "")``; a run that changed files did not fail."""
    if run.timed_out:
        return "timeout", f"openhands timed out after {timeout_s:g} s; its processes were ended"
    if run.data is None:
        stderr = bounded(run.stderr, STDERR_CHARS, keep="tail")
        return "driver_crash", f"openhands' driver exited with code {run.exit_code} without a result; stderr:\n{stderr}"
    if changed:
        return "", ""
    status, code, error = _text(run.data.get("status")), _text(run.data.get("error_code")), _text(run.data.get("error"))
    if code == "MaxIterationsReached":
        return "max_iterations", f"openhands stopped without finishing: {error}"
    if status == "stuck":
        return "stuck", "openhands got stuck (the same step over and over) and stopped"
    if error:
        return ("llm_error" if LLM_ERROR.match(code) else "agent_error"), f"openhands failed: {error}"
    return "no_change", NOTHING_CHANGED


def result(
    request: AgentRequest, target: Endpoint, run: DriverRun, changed: Sequence[str], timeout_s: float
) -> AgentResult:
    """The ``AgentResult`` of one driver run; its calls go to the run's ledger, a failure's cause too."""
    data = run.data or {}
    reply = _text(data.get("reply"))
    calls = calls_of(data, reply, bool(data.get("cost_known")))
    cause, error = failure(run, changed, timeout_s)
    secrets = [target.api_key] if target.api_key else []
    transcript = "\n\n".join(
        part
        for part in (
            f"# openhands ({target.model}), status {_text(data.get('status')) or '?'}, "
            f"{len(calls)} model calls in {run.duration_s:.1f} s; writes confined: {_text(data.get('confinement')) or '?'}",
            _text(data.get("transcript")),
            _text(data.get("traceback")),
            f"## stderr (tail)\n{bounded(run.stderr, STDERR_CHARS, keep='tail')}" if error and run.stderr else "",
        )
        if part
    )
    ledger = request.llm.ledger if request.llm is not None else None
    if ledger is not None:
        for completion in calls:
            ledger.record(PURPOSE, completion)
        if cause:
            ledger.log_event(
                "failure", stage="agent", cause=cause, model=target.model, detail=redact(error, secrets)[:300]
            )
    summary = f"openhands ({target.model}) changed {', '.join(changed)}" if changed else ""
    return AgentResult(
        changed_files=tuple(changed),
        summary=summary,
        transcript=redact(head_and_tail(transcript, TRANSCRIPT_CHARS), secrets),
        cost=sum(call.cost for call in calls),
        prompt_tokens=sum(call.prompt_tokens for call in calls),
        completion_tokens=sum(call.completion_tokens for call in calls),
        error=redact(error, secrets),
    )
