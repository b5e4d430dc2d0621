"""``tinkerer bench``: list the installed suites, run one on any evolve config, resume it, show its results."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

USAGE = """\
SUITE is an installed benchmark suite (`tinkerer bench list`). Then, in any order: problem ids (default: all;
the suite's quick one with --quick), a config file (`*.py` defining an EvolveConfig `config`: model, agent,
search, executor, budget), key=value overrides of the evolve config (llm.model=openai/gpt-4o-mini
max_iterations=10 workers=2 search=llm_tree_search), suite.key=value for the suite (suite.data_dir=...),
run_dir=DIR for the benchmark's directory."""


def add_commands(subparsers: Any) -> None:
    """Add ``tinkerer bench list | run | resume | results``."""
    bench = subparsers.add_parser("bench", help="run benchmark suites (MLE-bench, ALE-bench, mle-lite, ale-lite)")
    commands = bench.add_subparsers(dest="bench_command", metavar="COMMAND")
    bench.set_defaults(handler=lambda args: bench.print_help() or 0)

    listing = commands.add_parser("list", help="installed suites, whether they can run here, and their problems")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    run = commands.add_parser("run", help="run a suite's problems as evolve runs and grade them", description=USAGE)
    run.add_argument("suite")
    run.add_argument("rest", nargs=argparse.REMAINDER, metavar="[PROBLEM | CONFIG.py | key=value] ...")
    run.add_argument("--quick", action="store_true", help="the suite's tiny problem with a one-experiment budget")
    run.add_argument("--quiet", action="store_true", help="no live progress display")
    run.set_defaults(handler=_run)

    resume = commands.add_parser("resume", help="continue a stopped benchmark run; graded problems are kept")
    resume.add_argument("bench_dir", type=Path)
    resume.add_argument("--quiet", action="store_true")
    resume.set_defaults(handler=_resume)

    shown = commands.add_parser("results", help="the results table of a benchmark run")
    shown.add_argument("bench_dir", type=Path)
    shown.add_argument("--json", action="store_true")
    shown.set_defaults(handler=_results)


def _list(args: argparse.Namespace) -> int:
    from tinkerer_core import create_component, get_manager

    rows = []
    for name in sorted(get_manager().names("benchmark_suite")):
        suite = create_component("benchmark_suite", name)
        available, why = suite.available()
        problems = [{"id": p.id, "title": p.title, "kind": p.kind} for p in suite.problems()] if available else []
        rows.append({"suite": name, "available": available, "why": why, "problems": problems})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no benchmark suites installed: pip install tinkerer-plugin-bench")
    for row in rows:
        print(f"{row['suite']}" + ("" if row["available"] else f"  (cannot run here: {row['why']})"))
        for problem in row["problems"]:
            print(f"  {problem['id']:16} {problem['kind']:24} {problem['title']}")
    return 0


def _plan(args: argparse.Namespace) -> tuple[Any, Path | None]:
    """The plan of ``bench run``, and the benchmark directory when ``run_dir=`` names one."""
    from tinkerer_core import ConfigError
    from tinkerer_plugin_bench.runner import BenchPlan

    problems: list[str] = []
    overrides: list[str] = []
    suite_params: dict[str, str] = {}
    config_file: str | None = None
    bench_dir: Path | None = None
    for item in args.rest:
        if item in ("--quick", "--quiet"):
            setattr(args, item[2:], True)
        elif item.startswith("suite."):
            key, _, value = item[len("suite.") :].partition("=")
            suite_params[key] = value
        elif item.startswith("run_dir="):
            bench_dir = Path(item.partition("=")[2])
        elif item.startswith("output_path="):
            raise ConfigError(
                "output_path is set by the benchmark: each problem's solution is RUN_DIR/<problem>/solution"
            )
        elif "=" in item:
            overrides.append(item)
        elif item.endswith(".py"):
            config_file = str(Path(item).resolve())  # a resumed benchmark imports it again, from anywhere
        elif item.startswith("-"):
            raise ConfigError(f"unknown option {item!r} for `tinkerer bench run`: --quick, --quiet")
        else:
            problems.append(item)
    plan = BenchPlan(args.suite, suite_params, tuple(problems), config_file, tuple(overrides), args.quick)
    return plan, bench_dir


def _run(args: argparse.Namespace) -> int:
    from tinkerer_plugin_bench.runner import BenchRun

    plan, bench_dir = _plan(args)
    _quiet(args.quiet)
    return _to_the_end(BenchRun.start(plan, bench_dir))


def _resume(args: argparse.Namespace) -> int:
    from tinkerer_plugin_bench.runner import BenchRun

    _quiet(args.quiet)
    return _to_the_end(BenchRun.resume(args.bench_dir))


def _results(args: argparse.Namespace) -> int:
    from tinkerer_core import ConfigError, RunStore
    from tinkerer_plugin_bench.results import results, table

    if not RunStore.exists(args.bench_dir):
        raise ConfigError(f"{args.bench_dir} holds no benchmark run (no run.sqlite)")
    store = RunStore(args.bench_dir)
    try:
        rows = results(store)
    finally:
        store.close()
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0


def _to_the_end(run: Any) -> int:
    """Run the benchmark, print the table; on Ctrl-C or SIGTERM say how to resume."""
    from tinkerer_core.processes import Interrupted, interrupted_by_signals
    from tinkerer_plugin_bench.results import table

    try:
        with interrupted_by_signals():
            rows = run.run()
    except KeyboardInterrupt as interrupt:
        print(f"interrupted: resume with `tinkerer bench resume {run.bench_dir}`", file=sys.stderr)
        return 128 + (interrupt.signal_number if isinstance(interrupt, Interrupted) else 2)
    finally:
        run.store.close()
    print(table(rows))
    print(f"benchmark directory: {run.bench_dir} (HTML: tinkerer report {run.bench_dir})")
    return 0


def _quiet(quiet: bool) -> None:
    if quiet:
        os.environ["TINKERER_QUIET"] = "1"
