"""Search efficiency on a small model: Tinkerer and OpenEvolve, same model, same server, same LLM calls.

Each task (``benchmarks/efficiency/tasks.py``: repair a function against asserts, minimize a numeric
objective, fix three functions step by step) runs for a fixed budget of LLM calls and several seeds, on the
embedded SmolLM2-135M served by llama.cpp over OpenAI-compatible HTTP. Both systems call it through one
counting proxy, and the same harness scores every program they write. Prints, per task and system: solve
rate, mean best score by call 5/10/20/30, LLM calls made, distinct replies, wall time; then failures by cause.

OpenEvolve is installed from PyPI into its own venv on first use (``$TINKERER_OPENEVOLVE_VENV``, default
``~/.cache/tinkerer/openevolve-venv``); when it cannot be installed, Tinkerer's side is printed with the reason.

    python benchmarks/search_efficiency.py                  # 3 tasks x 2 seeds x 30 calls, both systems
    python benchmarks/search_efficiency.py --quick          # 1 task x 1 seed x 3 calls, Tinkerer only (CI)
    python benchmarks/search_efficiency.py --budget 20 --seeds 3 --tasks repair --openevolve-mode diff
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "efficiency"))

from proxy import Call, CountingProxy
from tasks import TASKS, Task, evaluation_failures, read_evaluations, write_harness

os.environ["TINKERER_QUIET"] = "1"
os.environ.setdefault("OPENAI_API_KEY", "sk-local-none")  # the local server takes any key
DRIVER = Path(__file__).parent / "efficiency" / "openevolve_driver.py"
VENV_ENV = "TINKERER_OPENEVOLVE_VENV"
CHECKPOINTS = (5, 10, 20, 30)
EVOLVE_BLOCK = "# EVOLVE-BLOCK-START\n{program}# EVOLVE-BLOCK-END\n"


@dataclass
class Outcome:
    """One system's run on one task with one seed."""

    system: str
    task: str
    seed: int
    best_by_call: dict[int, float | None]
    solved: bool
    calls: int
    distinct_replies: int
    calls_to_solve: int | None = None
    failures: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    note: str = ""


def best_by_call(task: Task, calls: list[Call], log: Path, baseline: float, checkpoints: list[int]) -> dict[int, float]:
    """The best score among evaluations finished before call k+1 started (the starting program's score counts)."""
    evaluations = read_evaluations(log)
    starts = [call.started for call in calls]
    curve: dict[int, float] = {}
    for k in checkpoints:
        cutoff = starts[k] if k < len(starts) else float("inf")
        best = baseline
        for when, score in evaluations:
            if when < cutoff and task.better(score, best):
                best = score
        curve[k] = best
    return curve


def calls_to_solve(task: Task, calls: list[Call], log: Path) -> int | None:
    """How many LLM calls had started when the first solving evaluation finished; None when none solved it."""
    solved_at = next((when for when, score in read_evaluations(log) if task.solved(score)), None)
    if solved_at is None:
        return None
    return sum(call.started < solved_at for call in calls)


def baseline_score(task: Task, harness: Path, root: Path) -> float:
    """The starting program's score."""
    program = root / f"start_{task.name}.py"
    program.write_text(task.program)
    done = subprocess.run([sys.executable, str(harness), str(program)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1].split()[1])


def run_tinkerer(
    task: Task, seed: int, args: argparse.Namespace, proxy: CountingProxy, root: Path, harness: Path, baseline: float
) -> Outcome:
    """One Tinkerer evolve run: llm_edit on the served model, at most ``budget`` LLM calls."""
    from tinkerer_core import EvolveConfig, RunStore
    from tinkerer_core.config import make_config
    from tinkerer_core.engine.run import EvolveRun

    work = root / f"tinkerer-{task.name}-{seed}"
    start = work / "start"
    start.mkdir(parents=True)
    (start / "main.py").write_text(task.program)
    log = work / "evaluations.jsonl"
    config = make_config(
        EvolveConfig,
        [
            {
                "goal": task.goal,
                "run_dir": str(work / "run"),
                "starting_repo": str(start),
                "command": f"{sys.executable} {harness} main.py --log {log}",
                "direction": task.direction,
                "max_iterations": args.budget,
                "debug_attempts": 0,  # one experiment, one call: the budget is max_iterations
                "timeout_s": 30,
                "seed": seed,
                "evaluator": "regex_pattern",
                "stop_condition": "threshold",
                "stop_condition.threshold": task.solved_at,
                "search_strategy": args.strategy,
                **{f"search.{key}": value for key, value in search_params(args).items()},
                "coding_agent": "llm_edit",
                "coding_agent.prompt_style": args.prompt_style,
                "llm.model": f"openai/{args.model}",
                "llm.api_base": proxy.url,
                "llm.max_tokens": args.max_tokens,
                "llm.temperature": args.temperature,
                "llm.timeout_s": 300,
            }
        ],
    )
    proxy.reset()
    started = time.monotonic()
    EvolveRun.start(config).run()
    wall = time.monotonic() - started
    store = RunStore(work / "run")
    failures = Counter(store.failure_counts())
    store.close()
    return outcome(f"tinkerer ({args.strategy})", task, seed, args, proxy, work, baseline, failures, wall)


def openevolve_python(install: bool) -> tuple[Path | None, str]:
    """OpenEvolve's venv python (created and installed on demand), or None and why not."""
    venv = Path(os.environ.get(VENV_ENV, Path.home() / ".cache" / "tinkerer" / "openevolve-venv"))
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import openevolve, sys; sys.stdout.write(openevolve.__version__)"]
    if python.exists():
        done = subprocess.run(probe, capture_output=True, text=True)
        if done.returncode == 0:
            return python, f"openevolve {done.stdout.strip()} in {venv}"
    if not install:
        return None, f"OpenEvolve is not installed in {venv} (run without --no-install, or set ${VENV_ENV})"
    print(f"installing openevolve from PyPI into {venv} ...", flush=True)
    try:
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "openevolve"], check=True, capture_output=True, timeout=900
        )
        done = subprocess.run(probe, capture_output=True, text=True, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        detail = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
        return None, f"OpenEvolve could not be installed into {venv}: {error} {detail[-500:]}".strip()
    return python, f"openevolve {done.stdout.strip()} in {venv}"


def run_openevolve(
    task: Task,
    seed: int,
    args: argparse.Namespace,
    proxy: CountingProxy,
    root: Path,
    harness: Path,
    baseline: float,
    python: Path,
) -> Outcome:
    """One OpenEvolve run on the same server (through the proxy): ``budget`` iterations, one LLM call each."""
    work = root / f"openevolve-{task.name}-{seed}"
    work.mkdir(parents=True)
    program = work / "initial_program.py"
    program.write_text(EVOLVE_BLOCK.format(program=task.program))
    log = work / "evaluations.jsonl"
    spec = {
        "work_dir": str(work),
        "initial_program": str(program),
        "harness": str(harness),
        "log": str(log),
        "direction": task.direction,
        "solved_at": task.solved_at,
        "api_base": proxy.url,
        "model": args.model,
        "iterations": args.budget,
        "seed": seed,
        "mode": args.openevolve_mode,
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
    }
    (work / "spec.json").write_text(json.dumps(spec))
    proxy.reset()
    started = time.monotonic()
    done = subprocess.run(
        [str(python), str(DRIVER), str(work / "spec.json")], capture_output=True, text=True, timeout=3600, cwd=work
    )
    wall = time.monotonic() - started
    summary: dict = {}
    note = ""
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            break
    if done.returncode != 0 or not summary:
        note = f"openevolve exited with {done.returncode}: {(done.stderr or done.stdout)[-400:]}"
    failures: Counter[str] = Counter()
    for error, n in summary.get("failures", {}).items():
        failures[_openevolve_cause(error)] += n
    failures.update(evaluation_failures(log))  # programs that did not compile or crashed, as Tinkerer counts them
    system = f"openevolve ({args.openevolve_mode})"
    return outcome(system, task, seed, args, proxy, work, baseline, failures, wall, note)


def outcome(
    system: str,
    task: Task,
    seed: int,
    args: argparse.Namespace,
    proxy: CountingProxy,
    work: Path,
    baseline: float,
    failures: Counter[str],
    wall: float,
    note: str = "",
) -> Outcome:
    """One run's outcome, from the calls the proxy counted and the evaluations logged in ``work``."""
    calls = proxy.reset()
    _dump(work / "calls.jsonl", calls)
    log = work / "evaluations.jsonl"
    curve = best_by_call(task, calls, log, baseline, checkpoints(args.budget))
    best = curve[max(curve)]
    distinct = len({call.reply_sha for call in calls})
    to_solve = calls_to_solve(task, calls, log)
    return Outcome(
        system, task.name, seed, curve, task.solved(best), len(calls), distinct, to_solve, failures, wall, note
    )


def _openevolve_cause(error: str) -> str:
    """OpenEvolve's failure messages, named like Tinkerer's causes where they mean the same."""
    causes = {
        "No valid diffs": "no_edit_block",
        "SEARCH block(s) matched": "edit_mismatch",
        "No valid code": "no_code",
        "identical": "identical",
        "did not change": "identical",
        "LLM generation failed": "llm_error",
        "exceeds maximum length": "too_long",
    }
    return next((cause for marker, cause in causes.items() if marker in error), error[:40])


def _dump(path: Path, calls: list[Call]) -> None:
    """Every call's prompt and reply, one JSON line each (kept with ``--keep``)."""
    with path.open("w") as handle:
        for call in calls:
            record = {"seed": call.seed, "temperature": call.temperature, "seconds": round(call.seconds, 2)}
            handle.write(json.dumps({**record, "messages": call.messages, "reply": call.reply}) + "\n")


def checkpoints(budget: int) -> list[int]:
    """The calls at which the best score is reported: 5/10/20/30 up to the budget, and the budget."""
    return sorted({k for k in CHECKPOINTS if k < budget} | {budget})


def print_report(outcomes: list[Outcome], tasks: list[Task], args: argparse.Namespace, notes: list[str]) -> None:
    """The side-by-side table, then failures by cause per system."""
    points = checkpoints(args.budget)
    systems = list(dict.fromkeys(outcome.system for outcome in outcomes))
    header = f"{'task':<11} {'system':<27} {'solved':>7} " + " ".join(f"{'@' + str(k):>8}" for k in points)
    header += f" {'to solve':>8} {'calls':>6} {'distinct':>8} {'wall s':>7}"
    print()
    print(
        f"model {args.model} via llama.cpp (OpenAI-compatible, {args.threads} thread(s)), "
        f"budget {args.budget} LLM calls per run, "
        f"seeds {', '.join(map(str, seeds_of(args)))}, max_tokens {args.max_tokens}, temperature {args.temperature}"
    )
    print(
        "best score by call k: mean over seeds (repair, multi_step: fraction right, higher is better; "
        "minimize: statements in total(), 1000 when wrong, lower is better); "
        "to solve: mean LLM calls to the first solution, over the runs that found one"
    )
    print(header)
    print("-" * len(header))
    for task in tasks:
        for system in systems:
            runs = [o for o in outcomes if o.system == system and o.task == task.name]
            if not runs:
                continue
            cells = []
            for k in points:
                values = [o.best_by_call[k] for o in runs if o.best_by_call.get(k) is not None]
                cells.append(f"{statistics.mean(values):>8.3g}" if values else f"{'-':>8}")
            solved = f"{sum(o.solved for o in runs)}/{len(runs)}"
            to_solve = [o.calls_to_solve for o in runs if o.calls_to_solve is not None]
            mean_to_solve = f"{statistics.mean(to_solve):>8.3g}" if to_solve else f"{'-':>8}"
            calls = sum(o.calls for o in runs)
            distinct = sum(o.distinct_replies for o in runs)
            wall = sum(o.wall_s for o in runs)
            row = f"{task.name:<11} {system:<27} {solved:>7} {' '.join(cells)} {mean_to_solve}"
            print(f"{row} {calls:>6} {distinct:>8} {wall:>7.0f}")
    print()
    for system in systems:
        runs = [o for o in outcomes if o.system == system]
        failures = sum((o.failures for o in runs), Counter())
        solved = sum(o.solved for o in runs)
        listed = ", ".join(f"{cause} {n}" for cause, n in failures.most_common()) or "none"
        print(f"{system}: solved {solved}/{len(runs)}; failures by cause: {listed}")
        for outcome in runs:
            if outcome.note:
                print(f"  {outcome.task} seed {outcome.seed}: {outcome.note}")
    for note in notes:
        print(note)


def search_params(args: argparse.Namespace) -> dict[str, object]:
    """``--search-param`` values as a dict, numbers as numbers."""
    params: dict[str, object] = {}
    for item in args.search_param:
        key, value = item.split("=", 1)
        for kind in (int, float):
            try:
                params[key] = kind(value)
                break
            except ValueError:
                params[key] = value
    return params


def seeds_of(args: argparse.Namespace) -> list[int]:
    """The seeds to run: 0 .. seeds-1."""
    return list(range(args.seeds))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; ``--quick`` shrinks the defaults for CI."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 task x 1 seed x 3 calls, Tinkerer only (a smoke run)")
    parser.add_argument("--budget", type=int, help="LLM calls per run (default 30; --quick: 3)")
    parser.add_argument("--seeds", type=int, help="seeds per task (default 2; --quick: 1)")
    parser.add_argument(
        "--tasks", help=f"comma-separated, of {', '.join(TASKS)} (default: all; --quick: {next(iter(TASKS))})"
    )
    parser.add_argument("--strategy", default="evolutionary", help="Tinkerer's search strategy")
    parser.add_argument(
        "--search-param", action="append", default=[], metavar="KEY=VALUE", help="a field of the search strategy"
    )
    parser.add_argument("--prompt-style", default="auto", help="llm_edit's prompt_style (auto: compact here)")
    parser.add_argument("--model", default="smollm2-135m", help="the local model to serve")
    parser.add_argument("--threads", type=int, help="llama.cpp CPU threads (default: the cores idle now, at most 4)")
    parser.add_argument("--max-tokens", type=int, default=160, help="reply token cap, both systems")
    parser.add_argument("--temperature", type=float, default=0.7, help="sampling temperature, both systems")
    parser.add_argument("--openevolve", choices=("auto", "yes", "no"), default=None, help="run OpenEvolve too")
    parser.add_argument("--openevolve-mode", choices=("full", "diff"), default="full", help="full rewrite or diff")
    parser.add_argument("--no-install", action="store_true", help="do not install OpenEvolve when it is missing")
    parser.add_argument("--keep", type=Path, help="keep run directories here instead of a temporary directory")
    args = parser.parse_args(argv)
    args.budget = args.budget or (3 if args.quick else 30)
    args.tasks = args.tasks or (next(iter(TASKS)) if args.quick else ",".join(TASKS))
    args.seeds = args.seeds or (1 if args.quick else 2)
    args.openevolve = args.openevolve or ("no" if args.quick else "auto")
    args.threads = args.threads or idle_cores()
    return args


def idle_cores() -> int:
    """Cores idle now, sampled over a second (llama.cpp slows down sharply when its threads compete)."""

    def sample() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle_before, total_before = sample()
        time.sleep(1.0)
        idle_after, total_after = sample()
        idle = (idle_after - idle_before) / max(total_after - total_before, 1) * (os.cpu_count() or 1)
    except (OSError, ValueError, IndexError):
        idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    return max(1, min(4, int(idle + 0.2)))


def main(argv: list[str] | None = None) -> int:
    """Run the suite and print the report."""
    from tinkerer_plugin_local_llm import LocalModelServer

    args = parse_args(argv)
    tasks = [TASKS[name] for name in args.tasks.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="tinkerer-search-efficiency-"))
    root.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    outcomes: list[Outcome] = []
    harnesses = {task.name: write_harness(task, root) for task in tasks}
    baselines = {task.name: baseline_score(task, harnesses[task.name], root) for task in tasks}
    python, why = (None, "OpenEvolve not run (--openevolve no)")
    if args.openevolve != "no":
        python, why = openevolve_python(install=not args.no_install)
        if python is None and args.openevolve == "yes":
            print(why, file=sys.stderr)
            return 1
    notes.append(f"OpenEvolve: {why}")
    started = time.monotonic()
    with LocalModelServer(args.model, threads=args.threads, ctx_size=4096) as server:
        proxy = CountingProxy(server.url, api_key=server.api_key).start()
        try:
            for task in tasks:
                for seed in seeds_of(args):
                    outcome = run_tinkerer(task, seed, args, proxy, root, harnesses[task.name], baselines[task.name])
                    outcomes.append(outcome)
                    _progress(outcome)
                    if python is not None:
                        outcome = run_openevolve(
                            task, seed, args, proxy, root, harnesses[task.name], baselines[task.name], python
                        )
                        outcomes.append(outcome)
                        _progress(outcome)
        finally:
            proxy.stop()
    print_report(outcomes, tasks, args, notes)
    print(f"total wall time {time.monotonic() - started:.0f} s; run directories: {root}")
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _progress(outcome: Outcome) -> None:
    best = outcome.best_by_call[max(outcome.best_by_call)]
    print(
        f"{outcome.task} seed {outcome.seed} {outcome.system}: best {best:g}, solved {outcome.solved}, "
        f"{outcome.calls} calls, {outcome.wall_s:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
