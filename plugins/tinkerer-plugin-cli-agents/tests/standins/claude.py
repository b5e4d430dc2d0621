"""Stand-in for ``claude`` (Claude Code): its print-mode flags and its stream-json messages.

Message shapes follow the Agent SDK's parser of the CLI's output (anthropics/claude-agent-sdk-python,
``_internal/message_parser.py``) and the SDK's ``SDKResultMessage`` reference; see the README.
"""

from __future__ import annotations

import argparse
import sys

import common

SESSION = "9f2c8b1e-4d7a-4c55-9a1e-3b6f0d2c7e41"
MODEL = "claude-sonnet-4-5-20250929"


def parse(argv: list[str]) -> argparse.Namespace:
    """The flags of ``claude -p`` this plugin may pass; anything else fails like the real CLI."""
    parser = argparse.ArgumentParser(prog="claude")
    parser.add_argument("prompt", nargs="?")
    parser.add_argument("-p", "--print", action="store_true")
    parser.add_argument("--output-format", choices=["text", "json", "stream-json"], default="text")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--permission-mode", choices=["acceptEdits", "bypassPermissions", "default", "dontAsk", "plan"])
    parser.add_argument("--allowedTools", "--allowed-tools", nargs="+")
    parser.add_argument("--model")
    parser.add_argument("--max-turns", type=int)
    parser.add_argument("--dangerously-skip-permissions", action="store_true")
    args = parser.parse_intermixed_args(argv)
    if args.print and args.output_format == "stream-json" and not args.verbose:
        print("Error: When using --print, --output-format=stream-json requires --verbose", file=sys.stderr)
        sys.exit(1)
    return args


def assistant(content: list[dict], output_tokens: int, error: str | None = None) -> dict:
    """An ``assistant`` message wrapping one API message."""
    event = {
        "type": "assistant",
        "message": {
            "model": MODEL,
            "id": f"msg_01{output_tokens:022d}",
            "type": "message",
            "role": "assistant",
            "content": content,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 4,
                "cache_creation_input_tokens": 300,
                "cache_read_input_tokens": 500,
                "output_tokens": output_tokens,
                "service_tier": "standard",
            },
        },
        "parent_tool_use_id": None,
        "session_id": SESSION,
        "uuid": f"a1b2c3d4-0000-4000-8000-{output_tokens:012d}",
    }
    if error:
        event["error"] = error
    return event


def tool_result(tool_use_id: str, content: str) -> dict:
    """A ``user`` message carrying a tool's result back to the model."""
    return {
        "type": "user",
        "message": {
            "role": "user",
            "content": [{"tool_use_id": tool_use_id, "type": "tool_result", "content": content}],
        },
        "parent_tool_use_id": None,
        "session_id": SESSION,
        "uuid": "c0ffee00-0000-4000-8000-000000000001",
    }


def result(text: str, *, is_error: bool = False, cost: float = 0.0421, turns: int = 3) -> dict:
    """The final ``result`` message with cost and cumulative usage."""
    tokens = (1200, 300, 500, 250) if not is_error else (0, 0, 0, 0)
    return {
        "type": "result",
        "subtype": "success",
        "is_error": is_error,
        "duration_ms": 14877,
        "duration_api_ms": 16395,
        "num_turns": turns,
        "result": text,
        "session_id": SESSION,
        "total_cost_usd": cost if not is_error else 0,
        "usage": {
            "input_tokens": tokens[0],
            "cache_creation_input_tokens": tokens[1],
            "cache_read_input_tokens": tokens[2],
            "output_tokens": tokens[3],
            "server_tool_use": {"web_search_requests": 0},
            "service_tier": "standard",
        },
        "modelUsage": {MODEL: {"inputTokens": tokens[0], "outputTokens": tokens[3], "costUSD": cost}},
        "permission_denials": [],
        "uuid": "d00dfeed-0000-4000-8000-000000000001",
    }


def main(argv: list[str]) -> int:
    """Play the scenario ``STANDIN_SCENARIO`` names."""
    args = parse(argv)
    prompt = args.prompt if args.prompt is not None else sys.stdin.read()
    common.record(argv, prompt)
    common.check_prompt(prompt)
    scenario = common.scenario()
    common.emit(
        {
            "type": "system",
            "subtype": "init",
            "cwd": common.os.getcwd(),
            "session_id": SESSION,
            "tools": ["Task", "Bash", "Glob", "Grep", "Read", "Edit", "Write", "TodoWrite"],
            "mcp_servers": [],
            "model": args.model or MODEL,
            "permissionMode": args.permission_mode or "default",
            "apiKeySource": "ANTHROPIC_API_KEY",
            "output_style": "default",
            "uuid": "5e551011-0000-4000-8000-000000000001",
        }
    )
    if scenario == "crash":
        common.crash()
    if scenario == "error":
        text = "Invalid API key · Please run /login"
        common.emit(assistant([{"type": "text", "text": text}], 0, error="authentication_failed"))
        common.emit(result(text, is_error=True, turns=1))
        return 1
    common.emit(assistant([{"type": "text", "text": "I'll read main.py first."}], 20))
    if scenario == "malformed":
        common.raw("[warn] Claude Code update available: run `claude update`")
        common.raw('{"type":"assistant","message":{"content":[{"type":"te')
    if scenario == "noop":
        common.emit(result("Nothing needed changing."))
        return 0
    paths = common.edit_workspace()
    edit = {
        "type": "tool_use",
        "id": "toolu_01Edit",
        "name": "Edit",
        "input": {"file_path": paths[0], "old_string": common.ORIGINAL, "new_string": common.EDITED},
    }
    common.emit(assistant([edit], 90))
    common.emit(tool_result("toolu_01Edit", f"The file {paths[0]} has been updated."))
    if scenario == "hang":
        common.hang()
    if scenario == "leak":
        key = common.leaked_key("ANTHROPIC_API_KEY")
        print(f"debug: using key {key}", file=sys.stderr, flush=True)
        bash = {"type": "tool_use", "id": "toolu_01Env", "name": "Bash", "input": {"command": "env"}}
        common.emit(assistant([bash], 30))
        common.emit(tool_result("toolu_01Env", f"HOME=/root\nANTHROPIC_API_KEY={key}\n"))
    write = {
        "type": "tool_use",
        "id": "toolu_01Write",
        "name": "Write",
        "input": {"file_path": paths[1], "content": common.HELPER},
    }
    common.emit(assistant([write], 60))
    common.emit(tool_result("toolu_01Write", f"File created successfully at: {paths[1]}"))
    common.emit(assistant([{"type": "text", "text": "predict now returns x; helper.py adds double()."}], 80))
    common.emit(result("predict now returns x; helper.py adds double()."))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
