"""Applies one request to a workspace with aider's Python API and prints one JSON line on stdout.

Run with the python of aider's own virtual environment, in the workspace, with the request as a JSON
object on stdin::

    {"model": "gpt-4o-mini", "api_base": null, "api_key": null, "message": "...", "files": ["main.py"],
     "edit_format": null, "mock_response": null, "max_tokens": null, "chat_history_file": "/tmp/x/chat.md",
     "auto_lint": true}

It imports aider and the standard library only (never tinkerer): aider pins its own dependencies.
Whatever aider prints goes to stderr; stdout carries exactly one JSON object::

    {"edited_files": [...], "calls": 1, "prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0,
     "cost_known": false, "reply": "...", "transcript": "...", "edit_format": "whole", "aider_version": "0.86.2",
     "error": ""}

(``"missing_aider": true`` when aider cannot be imported, ``"traceback"`` when it raised.)

No git (the caller owns it), no commits, no repo map, no analytics, no update check, no URL scraping,
no shell commands, no price-list download, and no edits outside the workspace.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

TRANSCRIPT_CHARS = 20_000
QUIET_ENV = {
    "AIDER_ANALYTICS": "false",
    "AIDER_CHECK_UPDATE": "false",
    "AIDER_SHOW_RELEASE_NOTES": "false",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
}


def tail(text: str, max_chars: int) -> str:
    """The last ``max_chars`` characters of ``text``."""
    return text if len(text) <= max_chars else "[...]\n" + text[-max_chars:]


def apply_request(request: dict[str, Any], root: Path) -> dict[str, Any]:
    """Run aider once on ``request`` inside ``root`` and describe what it did."""
    import aider
    from aider import models
    from aider.coders import Coder
    from aider.io import InputOutput

    # The price list comes from litellm's bundled copy, never from the network.
    models.model_info_manager._update_cache = lambda: None

    history = Path(request["chat_history_file"])
    io = InputOutput(
        pretty=False,
        yes=True,
        fancy_input=False,
        input_history_file=None,
        chat_history_file=str(history),
        root=str(root),
    )
    model = models.Model(request["model"])
    extra = dict(model.extra_params or {})
    for key in ("api_base", "api_key", "mock_response", "max_tokens"):
        if request.get(key) is not None:
            extra[key] = request[key]
    model.extra_params = extra or None
    usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    send_completion = model.send_completion

    def counted_send_completion(*args: Any, **kwargs: Any) -> Any:
        """aider drops the usage of a reply cut at max_tokens; count every reply here too."""
        hash_object, response = send_completion(*args, **kwargs)
        usage["calls"] += 1
        reported = getattr(response, "usage", None)
        if reported is not None:
            usage["prompt_tokens"] += int(getattr(reported, "prompt_tokens", 0) or 0)
            usage["completion_tokens"] += int(getattr(reported, "completion_tokens", 0) or 0)
        return hash_object, response

    model.send_completion = counted_send_completion

    coder = Coder.create(
        main_model=model,
        edit_format=request.get("edit_format") or None,
        io=io,
        fnames=[str(root / name) for name in request.get("files", [])],
        use_git=False,
        auto_commits=False,
        dirty_commits=False,
        map_tokens=0,
        stream=False,
        auto_lint=bool(request.get("auto_lint", True)),
        auto_test=False,
        suggest_shell_commands=False,
        detect_urls=False,
    )
    coder.root = str(root)  # without git aider roots itself at the files' common folder
    coder.abs_root_path_cache = {}
    allowed = coder.allowed_to_edit

    def allowed_inside_root(path: str) -> bool | None:
        full = Path(coder.abs_root_path(path)).resolve()
        if not full.is_relative_to(root) or ".git" in full.relative_to(root).parts:
            io.tool_error(f"Skipping edits to {path}: outside the workspace")
            return None
        return allowed(path)

    coder.allowed_to_edit = allowed_inside_root

    reply = coder.run(with_message=request["message"], preproc=False) or ""
    return {
        "edited_files": sorted(coder.aider_edited_files or ()),
        "calls": usage["calls"],
        "prompt_tokens": max(int(coder.total_tokens_sent), usage["prompt_tokens"]),
        "completion_tokens": max(int(coder.total_tokens_received), usage["completion_tokens"]),
        "cost": float(coder.total_cost),
        "cost_known": bool(model.info.get("input_cost_per_token")),
        "reply": reply,
        "edit_format": coder.edit_format,
        "aider_version": aider.__version__,
    }


def main() -> int:
    """Read the request from stdin, apply it, and print the result as one JSON line."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # aider's own output goes to stderr
    os.environ.update(QUIET_ENV)
    request = json.loads(sys.stdin.read())
    root = Path.cwd().resolve()
    result: dict[str, Any] = {"edited_files": [], "prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0}
    try:
        result.update(apply_request(request, root))
        result["error"] = ""
    except ImportError as error:
        result["error"] = f"aider is not installed in {sys.prefix}: {error}"
        result["missing_aider"] = True
    except BaseException as error:  # every failure is reported as data
        result["error"] = f"aider failed: {type(error).__name__}: {error}"
        result["traceback"] = tail(traceback.format_exc(), 4000)
    history = Path(request["chat_history_file"])
    result["transcript"] = tail(history.read_text(errors="replace"), TRANSCRIPT_CHARS) if history.exists() else ""
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
