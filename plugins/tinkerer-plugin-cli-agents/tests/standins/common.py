"""What every stand-in CLI shares: the scenario to play, a real edit of the workspace, and event printing.

A stand-in is run as a real executable (see conftest.py). ``STANDIN_SCENARIO`` picks what it does:

- ``edit``       edit main.py, add helper.py, stream a successful run (the default)
- ``malformed``  like ``edit``, with a banner line and a cut-off JSON line in the stream
- ``error``      stream the CLI's error events, exit 1, edit nothing
- ``crash``      print a stack trace to stderr and exit 3 before any result
- ``noop``       stream a successful run that edits nothing
- ``leak``       like ``edit``, echoing the API key in a tool result and on stderr
- ``hang``       edit, start a child that writes its pid to ``STANDIN_CHILD_PID``, then never end

``STANDIN_RECORD`` names a file where the stand-in writes its argv, cwd and environment names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ORIGINAL = "return 0"
EDITED = "return x"
HELPER = "def double(x):\n    return 2 * x\n"


def scenario() -> str:
    """The scenario this run plays."""
    return os.environ.get("STANDIN_SCENARIO", "edit")


def record(argv: list[str], prompt: str) -> None:
    """Write what the stand-in was started with, for the test to check."""
    path = os.environ.get("STANDIN_RECORD")
    if path:
        Path(path).write_text(
            json.dumps({"argv": argv, "prompt": prompt, "cwd": os.getcwd(), "env": dict(os.environ)}), encoding="utf-8"
        )


def emit(event: dict[str, Any]) -> None:
    """Print one event as a JSON line, as the real CLIs do."""
    print(json.dumps(event, separators=(",", ":")), flush=True)


def raw(line: str) -> None:
    """Print a line that is not an event."""
    print(line, flush=True)


def edit_workspace() -> list[str]:
    """Really edit the workspace: main.py's ``return 0`` becomes ``return x``, helper.py appears."""
    main = Path("main.py")
    main.write_text(main.read_text(encoding="utf-8").replace(ORIGINAL, EDITED), encoding="utf-8")
    Path("helper.py").write_text(HELPER, encoding="utf-8")
    return [str(main.resolve()), str(Path("helper.py").resolve())]


def check_prompt(prompt: str) -> None:
    """Fail like a CLI with a bad request when the prompt lacks the task."""
    if "# Goal" not in prompt:
        print("error: the prompt has no goal", file=sys.stderr)
        sys.exit(42)


def hang() -> None:
    """Start a child in the same process group, report its pid, and never finish."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    Path(os.environ["STANDIN_CHILD_PID"]).write_text(str(child.pid), encoding="utf-8")
    time.sleep(600)


def crash() -> None:
    """Die the way a Node CLI does on an unexpected exception."""
    print("file:///usr/lib/node_modules/cli/dist/index.js:1\nError: ECONNRESET socket hang up", file=sys.stderr)
    sys.exit(3)


def leaked_key(name: str) -> str:
    """The API key's value, for the ``leak`` scenario to echo."""
    return os.environ.get(name, "")
