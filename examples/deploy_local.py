"""Deploy a solution as a local service and manage its lifecycle: run, run_batch, stop, start, logs.

    python examples/deploy_local.py                       # the sentiment solution in deploy_solution/
    python examples/deploy_local.py path/to/solution '{"x": 3}'

Any directory with a ``predict(inputs)`` in ``main.py`` works, e.g. the ``output_path`` of an evolve run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tinkerer_core import DeployStrategy, Tinkerer

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("solution", nargs="?", default=str(HERE / "deploy_solution"))
    parser.add_argument("inputs", nargs="?", default='{"text": "I love this great framework"}')
    args = parser.parse_args()
    inputs = json.loads(args.inputs)

    tinkerer = Tinkerer()
    print("plan:", tinkerer.plan_deploy(args.solution))
    software = tinkerer.deploy(args.solution, strategy=DeployStrategy.LOCAL)
    print("serving at", software.url, "healthy:", software.is_healthy())
    print("run:", software.run(inputs))
    print("run_batch:", software.run_batch([{"text": "bad and sad"}, {"text": "a table"}]))

    software.stop()
    print("after stop, healthy:", software.is_healthy())
    software.start()
    print("after start:", software.run(inputs))
    software.stop()

    with tinkerer.deploy(args.solution) as again:  # AUTO; the context manager stops it
        print("auto:", again.run({"text": "an awful day"}))
    print("logs:", again.logs().count("POST /run"), "calls logged")


if __name__ == "__main__":
    main()
