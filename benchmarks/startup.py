"""Cold-start time of ``tinkerer plugins --json`` and ``tinkerer --help``, and what listing plugins imports.

Each command runs in a fresh process ``--runs`` times (after one untimed run that writes bytecode
caches); the table shows the median against the 300 ms target. A second check builds the plugin
registry in a fresh interpreter and reports which heavy libraries ended up in ``sys.modules``:
plugins must import those inside methods, never at module top.

    python benchmarks/startup.py [--runs 10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 300.0
HEAVY = ("torch", "litellm", "neo4j", "openai", "transformers", "numpy", "xllamacpp", "docker", "modal")
COMMANDS = (("plugins", "--json"), ("--help",))

PROBE = """
import json, sys
from tinkerer_core.cli import build_parser
from tinkerer_core.plugins import get_manager

manager = get_manager()
manager.registry
build_parser()
heavy = {heavy!r}
print(json.dumps({{
    "plugins": {{name: info.status for name, info in manager.infos.items()}},
    "heavy": [name for name in heavy if name in sys.modules],
    "modules": len(sys.modules),
}}))
"""


def tinkerer_command() -> list[str]:
    """The installed ``tinkerer`` script next to this interpreter, else ``python -m tinkerer_core.cli``."""
    script = Path(sys.executable).parent / "tinkerer"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tinkerer_core.cli"]


def time_command(argv: list[str], runs: int) -> list[float]:
    """Wall-clock milliseconds of ``runs`` fresh runs of ``argv``, after one untimed run."""
    subprocess.run(argv, check=True, capture_output=True)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 runs of each command")
    args = parser.parse_args()
    if args.quick:
        args.runs = 2

    command = tinkerer_command()
    print(f"{'command':<28} {'median':>9} {'min':>9} {'max':>9}  target {TARGET_MS:.0f} ms")
    for extra in COMMANDS:
        timings = time_command([*command, *extra], args.runs)
        median = statistics.median(timings)
        verdict = "ok" if median < TARGET_MS else "SLOW"
        label = " ".join(("tinkerer", *extra))
        print(f"{label:<28} {median:>6.0f} ms {min(timings):>6.0f} ms {max(timings):>6.0f} ms  {verdict}")

    probe = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)], check=True, capture_output=True, text=True
    )
    report = json.loads(probe.stdout)
    plugins = ", ".join(f"{name} ({status})" for name, status in sorted(report["plugins"].items())) or "none"
    print(f"\nplugins: {plugins}")
    print(f"modules imported after building the registry and the parser: {report['modules']}")
    heavy = ", ".join(report["heavy"]) or "none"
    print(f"heavy libraries imported ({', '.join(HEAVY)}): {heavy}")


if __name__ == "__main__":
    main()
