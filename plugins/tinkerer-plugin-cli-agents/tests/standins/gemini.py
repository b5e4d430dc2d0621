"""Stand-in for ``gemini`` (Gemini CLI): its headless flags and its ``stream-json`` events.

Event shapes follow ``packages/core/src/output/types.ts`` (google-gemini/gemini-cli); see the README.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import common

TIME = "2025-10-10T12:00:00.000Z"


def parse(argv: list[str]) -> argparse.Namespace:
    """The flags of ``gemini -p`` this plugin may pass; anything else fails like the real CLI."""
    parser = argparse.ArgumentParser(prog="gemini")
    parser.add_argument("query", nargs="?")
    parser.add_argument("-p", "--prompt")
    parser.add_argument("-o", "--output-format", choices=["text", "json", "stream-json"], default="text")
    parser.add_argument("--approval-mode", choices=["default", "auto_edit", "yolo", "plan"])
    parser.add_argument("-y", "--yolo", action="store_true")
    parser.add_argument("-m", "--model")
    return parser.parse_intermixed_args(argv)


def event(kind: str, **fields: object) -> None:
    """Print one stream-json event."""
    common.emit({"type": kind, "timestamp": TIME, **fields})


def tool(tool_id: str, name: str, parameters: dict, output: str) -> None:
    """A tool call and its successful result."""
    event("tool_use", tool_name=name, tool_id=tool_id, parameters=parameters)
    event("tool_result", tool_id=tool_id, status="success", output=output)


def stats(total: int, prompt: int, output: int) -> dict:
    """The ``stats`` of a result event."""
    return {
        "total_tokens": total,
        "input_tokens": prompt,
        "output_tokens": output,
        "cached": 400,
        "input": max(prompt - 400, 0),
        "duration_ms": 9100,
        "tool_calls": 2,
    }


def main(argv: list[str]) -> int:
    """Play the scenario ``STANDIN_SCENARIO`` names."""
    args = parse(argv)
    prompt = args.prompt if args.prompt is not None else (args.query or sys.stdin.read())
    common.record(argv, prompt)
    common.check_prompt(prompt)
    if args.output_format != "stream-json":
        print("gemini: this stand-in only speaks stream-json", file=sys.stderr)
        return 2
    scenario = common.scenario()
    event("init", session_id="c6b9a1f0-6a43-4b8e-9d9e-2f7f4b3d8a10", model=args.model or "gemini-2.5-pro")
    event("message", role="user", content=prompt)
    if scenario == "crash":
        common.crash()
    if scenario == "error":
        message = "API key not valid. Please pass a valid API key."
        event("error", severity="error", message=message)
        event(
            "result",
            status="error",
            error={"type": "FatalAuthenticationError", "message": message},
            stats=stats(0, 0, 0),
        )
        return 1
    event("message", role="assistant", content="I'll update", delta=True)
    event("message", role="assistant", content=" main.py.", delta=True)
    if scenario == "malformed":
        common.raw("Loaded cached credentials.")
        common.raw('{"type":"message","role":"assis')
    main_file = str(Path("main.py").resolve())
    tool("read_file-1760097600000-0", "read_file", {"absolute_path": main_file}, Path(main_file).read_text())
    if scenario != "noop":
        paths = common.edit_workspace()
        tool(
            "replace-1760097600000-1",
            "replace",
            {"file_path": paths[0], "old_string": common.ORIGINAL, "new_string": common.EDITED},
            f"Successfully modified file: {paths[0]} (1 replacements).",
        )
        tool(
            "write_file-1760097600000-2",
            "write_file",
            {"file_path": paths[1], "content": common.HELPER},
            f"Successfully created and wrote to new file: {paths[1]}.",
        )
    if scenario == "hang":
        common.hang()
    if scenario == "leak":
        key = common.leaked_key("GEMINI_API_KEY")
        print(f"debug: using key {key}", file=sys.stderr, flush=True)
        tool("run_shell_command-1760097600000-3", "run_shell_command", {"command": "env"}, f"GEMINI_API_KEY={key}")
    if scenario == "noop":
        event("message", role="assistant", content="Nothing needed changing.", delta=True)
    else:
        event("message", role="assistant", content="predict now returns x; ", delta=True)
        event("message", role="assistant", content="helper.py adds double().", delta=True)
    event("result", status="success", stats=stats(1620, 1500, 120))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
