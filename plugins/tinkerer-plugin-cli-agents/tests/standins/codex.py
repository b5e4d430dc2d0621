"""Stand-in for ``codex`` (Codex CLI): the flags of ``codex exec`` and its ``--json`` thread events.

Event shapes follow ``codex-rs/exec/src/exec_events.rs`` (openai/codex); see the README.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import common


def parse(argv: list[str]) -> argparse.Namespace:
    """The flags of ``codex exec`` this plugin may pass; anything else fails like the real CLI."""
    parser = argparse.ArgumentParser(prog="codex")
    parser.add_argument("command", choices=["exec"])
    parser.add_argument("prompt", nargs="?")
    parser.add_argument("--json", "--experimental-json", action="store_true")
    parser.add_argument("-s", "--sandbox", choices=["read-only", "workspace-write", "danger-full-access"])
    parser.add_argument("--skip-git-repo-check", action="store_true")
    parser.add_argument("-m", "--model")
    parser.add_argument("-C", "--cd")
    parser.add_argument("--full-auto", action="store_true")
    parser.add_argument("--dangerously-bypass-approvals-and-sandbox", action="store_true")
    args = parser.parse_intermixed_args(argv)
    in_git = any((folder / ".git").exists() for folder in [Path.cwd(), *Path.cwd().parents])
    if not args.skip_git_repo_check and not in_git:
        print("Not inside a trusted directory and --skip-git-repo-check was not specified.", file=sys.stderr)
        sys.exit(1)
    return args


def item(event: str, item_id: int, kind: str, **fields: object) -> None:
    """Print an ``item.*`` event."""
    common.emit({"type": event, "item": {"id": f"item_{item_id}", "type": kind, **fields}})


def command(item_id: int, cmd: str, output: str) -> None:
    """A command execution, started then completed."""
    item(
        "item.started",
        item_id,
        "command_execution",
        command=cmd,
        aggregated_output="",
        exit_code=None,
        status="in_progress",
    )
    item(
        "item.completed",
        item_id,
        "command_execution",
        command=cmd,
        aggregated_output=output,
        exit_code=0,
        status="completed",
    )


def main(argv: list[str]) -> int:
    """Play the scenario ``STANDIN_SCENARIO`` names."""
    args = parse(argv)
    prompt = sys.stdin.read() if args.prompt in (None, "-") else args.prompt
    common.record(argv, prompt)
    common.check_prompt(prompt)
    if not args.json:
        print("codex: this stand-in only speaks --json", file=sys.stderr)
        return 2
    scenario = common.scenario()
    common.emit({"type": "thread.started", "thread_id": "0199a213-81c0-7800-8aa1-bbab2a035a53"})
    common.emit({"type": "turn.started"})
    if scenario == "crash":
        common.crash()
    if scenario == "error":
        message = "unexpected status 401 Unauthorized: Incorrect API key provided"
        common.emit({"type": "error", "message": message})
        common.emit({"type": "turn.failed", "error": {"message": message}})
        return 1
    item("item.completed", 0, "reasoning", text="**Inspecting main.py**")
    if scenario == "malformed":
        common.raw("WARNING: proceeding, even though we could not update PATH")
        common.raw('{"type":"item.completed","item":{"id":"item_9","ty')
    command(1, "bash -lc 'cat main.py'", Path("main.py").read_text(encoding="utf-8"))
    if scenario != "noop":
        paths = common.edit_workspace()
        changes = [{"path": paths[0], "kind": "update"}, {"path": paths[1], "kind": "add"}]
        item("item.completed", 2, "file_change", changes=changes, status="completed")
    if scenario == "hang":
        common.hang()
    if scenario == "leak":
        key = common.leaked_key("CODEX_API_KEY")
        print(f"debug: using key {key}", file=sys.stderr, flush=True)
        command(3, "bash -lc env", f"HOME=/root\nCODEX_API_KEY={key}\n")
    text = "predict now returns x; helper.py adds double()." if scenario != "noop" else "Nothing needed changing."
    item("item.completed", 4, "agent_message", text=text)
    common.emit(
        {"type": "turn.completed", "usage": {"input_tokens": 2400, "cached_input_tokens": 1000, "output_tokens": 180}}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
