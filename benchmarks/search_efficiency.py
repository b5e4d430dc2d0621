"""Search efficiency on a small model: Tinkerer and its peers, same model, same server, same LLM calls.

The suite (``benchmarks/efficiency/suite.py``) holds 16 tasks in 8 families with a fixed dev / held-out
split. Every system runs each task for the same budget of LLM calls on the embedded SmolLM2-135M served by
llama.cpp over OpenAI-compatible HTTP, through one counting proxy that refuses calls past the budget, and the
same harness (in this venv) scores every program any system writes. Peers (OpenEvolve in full-rewrite and
diff mode, ShinkaEvolve, AIDE) each live in their own venv, installed from PyPI on first use; one that
cannot be installed or run is reported with the reason.

Prints, per split and family: solve rate, mean normalized improvement over the starting program (0: its
score, 1: a reference program's, never shown to any system), calls to the first solution, distinct replies,
evaluations and wall time; then failures by cause and, for Tinkerer, what each search operator contributed.

    python benchmarks/search_efficiency.py                    # held-out split, every system, 1 seed x 12 calls
    python benchmarks/search_efficiency.py --quick            # 1 task x 3 calls, Tinkerer only (CI)
    python benchmarks/search_efficiency.py --split held_out --seeds 2 --systems tinkerer,openevolve-full
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
from suite import FAMILIES, SPLIT, TASKS
from tasks import Scale, Task, evaluation_failures, read_evaluations, write_harness

from tinkerer_core.processes import start_supervised, stop_tree

os.environ["TINKERER_QUIET"] = "1"
os.environ.setdefault("OPENAI_API_KEY", "sk-local-none")  # the local server takes any key
HERE = Path(__file__).parent / "efficiency"
EVOLVE_BLOCK = "# EVOLVE-BLOCK-START\n{program}# EVOLVE-BLOCK-END\n"
TINKERER = "tinkerer"
FREE_EXPERIMENTS_PER_CALL = (
    10  # Tinkerer's max_iterations: experiments per LLM call of the budget (flat_share 0.9: 9 free per call)
)
PEER_TIMEOUT_S = 1800
REFUSED_GRACE_S = 20  # a peer still running this long after its first refused call is stopped


@dataclass(frozen=True)
class Peer:
    """A system users would pick instead: its PyPI package, its venv and the driver that runs it there."""

    name: str
    package: str
    module: str  # imported to check the venv
    driver: str
    venv_env: str
    options: tuple[tuple[str, str], ...] = ()

    @property
    def venv(self) -> Path:
        default = Path.home() / ".cache" / "tinkerer" / f"{self.module}-venv"
        return Path(os.environ.get(self.venv_env, default))


PEERS = {
    "openevolve-full": Peer(
        "openevolve (full)",
        "openevolve",
        "openevolve",
        "openevolve_driver.py",
        "TINKERER_OPENEVOLVE_VENV",
        (("mode", "full"),),
    ),
    "openevolve-diff": Peer(
        "openevolve (diff)",
        "openevolve",
        "openevolve",
        "openevolve_driver.py",
        "TINKERER_OPENEVOLVE_VENV",
        (("mode", "diff"),),
    ),
    "shinka": Peer("shinkaevolve", "shinka-evolve", "shinka", "shinka_driver.py", "TINKERER_SHINKA_VENV"),
    "aide": Peer("aide", "aideml", "aide", "aide_driver.py", "TINKERER_AIDE_VENV"),
}
SYSTEMS = (TINKERER, *PEERS)


@dataclass
class Outcome:
    """One system's run on one task with one seed."""

    system: str
    task: str
    seed: int
    best: float | None
    improvement: float
    solved: bool
    calls: int
    distinct_replies: int
    evaluations: int
    calls_to_solve: int | None = None
    failures: Counter[str] = field(default_factory=Counter)
    operators: dict[str, Counter[str]] = field(default_factory=dict)
    wall_s: float = 0.0
    note: str = ""


def best_within(scale: Scale, calls: list[Call], log: Path, budget: int) -> float:
    """The best score among evaluations finished before call ``budget + 1`` started (the start counts)."""
    cutoff = calls[budget].started if len(calls) > budget else float("inf")
    best = scale.initial
    for when, score in read_evaluations(log):
        if when < cutoff and scale.better(score, best):
            best = score
    return best


def calls_to_solve(scale: Scale, calls: list[Call], log: Path) -> int | None:
    """How many LLM calls had started when the first solving evaluation finished; None when none solved it."""
    solved_at = next((when for when, score in read_evaluations(log) if scale.solved(score)), None)
    if solved_at is None:
        return None
    return sum(call.started < solved_at for call in calls)


def measured_score(harness: Path, program: Path, text: str) -> float:
    """The harness's score of ``text`` (written to ``program``)."""
    program.write_text(text)
    done = subprocess.run([sys.executable, str(harness), str(program)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1].split()[1])


def scale_of(task: Task, harness: Path, root: Path) -> Scale:
    """The task's starting and reference scores, measured here and now."""
    initial = measured_score(harness, root / f"start_{task.name}.py", task.program)
    reference = measured_score(harness, root / f"reference_{task.name}.py", task.reference)
    return Scale(task, initial, reference)


def run_tinkerer(
    scale: Scale, seed: int, args: argparse.Namespace, proxy: CountingProxy, root: Path, harness: Path
) -> Outcome:
    """One Tinkerer evolve run: llm_edit on the served model, stopped at ``budget`` LLM calls or when solved."""
    from tinkerer_core import EvolveConfig, RunStore, Tinkerer, make_config

    task = scale.task
    work = root / f"tinkerer-{task.name}-{seed}"
    start = work / "start"
    start.mkdir(parents=True)
    (start / "main.py").write_text(task.program)
    log = work / "evaluations.jsonl"
    stop = (("threshold", {"threshold": scale.threshold}), ("llm_call_limit", {"max_calls": args.budget}))
    config = make_config(
        EvolveConfig,
        [
            {
                "goal": task.goal,
                "run_dir": str(work / "run"),
                "starting_repo": str(start),
                "command": f"{sys.executable} {harness} main.py --log {log}",
                "direction": task.direction,
                "max_iterations": args.budget * FREE_EXPERIMENTS_PER_CALL,
                "debug_attempts": 0,  # one agent experiment, one call
                "timeout_s": 60,
                "seed": seed,
                "evaluator": "regex_pattern",
                "stop_condition": "composite",
                "stop_condition.conditions": stop,
                "search_strategy": args.strategy,
                **{f"search_strategy.{key}": value for key, value in search_params(args).items()},
                "coding_agent": "llm_edit",
                "llm.model": f"openai/{args.model}",
                "llm.api_base": proxy.url,
                "llm.max_tokens": args.max_tokens,
                "llm.temperature": args.temperature,
                "llm.timeout_s": 300,
            }
        ],
    )
    proxy.reset()
    proxy.limit = args.budget
    started = time.monotonic()
    Tinkerer().run(config)
    wall = time.monotonic() - started
    store = RunStore(work / "run")
    failures = Counter(store.failure_counts())
    operators: dict[str, Counter[str]] = {}
    for event in store.events("operator"):
        data = event["data"]
        tally = operators.setdefault(data["name"], Counter())
        tally["experiments"] += 1
        tally["succeeded"] += bool(data["succeeded"])
        tally["improved"] += bool(data["improved"])
        tally["new_best"] += bool(data["new_best"])
    store.close()
    result = outcome(f"{TINKERER} ({args.strategy})", scale, seed, args, proxy, work, failures, wall)
    result.operators = operators
    return result


def peer_python(peer: Peer, install: bool) -> tuple[Path | None, str]:
    """The peer's venv python (created and installed from PyPI on demand), or None and why not."""
    python = peer.venv / "bin" / "python"
    probe = [
        str(python),
        "-c",
        f"import importlib.metadata as m, {peer.module}, sys; sys.stdout.write(m.version({peer.package!r}))",
    ]
    if python.exists():
        done = subprocess.run(probe, capture_output=True, text=True)
        if done.returncode == 0:
            return python, f"{peer.package} {done.stdout.strip()} in {peer.venv}"
    if not install:
        return (
            None,
            f"{peer.package} is not installed in {peer.venv} (run without --no-install, or set ${peer.venv_env})",
        )
    print(f"installing {peer.package} from PyPI into {peer.venv} ...", flush=True)
    try:
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(peer.venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", peer.package],
            check=True,
            capture_output=True,
            timeout=1200,
        )
        done = subprocess.run(probe, capture_output=True, text=True, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        detail = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
        return None, f"{peer.package} could not be installed into {peer.venv}: {error} {detail[-500:]}".strip()
    return python, f"{peer.package} {done.stdout.strip()} in {peer.venv}"


def run_peer(
    peer: Peer,
    python: Path,
    scale: Scale,
    seed: int,
    args: argparse.Namespace,
    proxy: CountingProxy,
    root: Path,
    harness: Path,
) -> Outcome:
    """One run of a peer's driver in its venv, on the same server (through the proxy) and the same harness."""
    task = scale.task
    work = root / f"{peer.package}-{dict(peer.options).get('mode', '')}-{task.name}-{seed}"
    work.mkdir(parents=True)
    program = work / "initial_program.py"
    program.write_text(EVOLVE_BLOCK.format(program=task.program))
    spec = {
        "work_dir": str(work),
        "initial_program": str(program),
        "program": task.program,
        "goal": task.goal,
        "harness": str(harness),
        "harness_python": sys.executable,
        "log": str(work / "evaluations.jsonl"),
        "direction": task.direction,
        "target": scale.threshold,
        "api_base": proxy.url,
        "model": args.model,
        "budget": args.budget,
        "seed": seed,
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
        **dict(peer.options),
    }
    (work / "spec.json").write_text(json.dumps(spec))
    proxy.reset()
    proxy.limit = args.budget
    started = time.monotonic()
    stdout, stderr, code, stopped = run_driver(python, HERE / peer.driver, work, proxy)
    wall = time.monotonic() - started
    summary = next((json.loads(line) for line in reversed(stdout.splitlines()) if line.startswith("{")), {})
    note = stopped
    if not stopped and (code != 0 or not summary):
        note = f"{peer.package} exited with {code}: {(stderr or stdout)[-400:]}"
    elif not stopped and not proxy.calls and summary.get("ended"):
        note = f"{peer.package} made no LLM call: {summary['ended']}"
    (work / "driver.log").write_text(json.dumps(summary))
    failures: Counter[str] = Counter()
    for error, n in summary.get("failures", {}).items():
        failures[_peer_cause(error)] += n
    failures.update(evaluation_failures(work / "evaluations.jsonl"))  # programs that did not compile or crashed
    if summary.get("unusable_reviews"):
        failures["unusable_review"] += summary["unusable_reviews"]
    return outcome(peer.name, scale, seed, args, proxy, work, failures, wall, note)


def run_driver(python: Path, driver: Path, work: Path, proxy: CountingProxy) -> tuple[str, str, int | None, str]:
    """Run a peer's driver to its end, or stop its process group once its budget is spent (the proxy refused a
    call ``REFUSED_GRACE_S`` ago: the peer is only retrying) or at ``PEER_TIMEOUT_S``. Returns (stdout, stderr,
    exit code, why it was stopped or "")."""
    out, err = work / "driver.out", work / "driver.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = start_supervised(  # its whole tree ends with it, when stopped and if this benchmark dies
            [str(python), str(driver), str(work / "spec.json")],
            cwd=work,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
        started, refused_at, stopped = time.monotonic(), None, ""
        while process.poll() is None:
            time.sleep(0.5)
            if proxy.refused and refused_at is None:
                refused_at = time.monotonic()
            if refused_at is not None and time.monotonic() - refused_at > REFUSED_GRACE_S:
                stopped = f"stopped {REFUSED_GRACE_S} s after its budget was spent (it kept asking for calls)"
            elif time.monotonic() - started > PEER_TIMEOUT_S:
                stopped = f"stopped at {PEER_TIMEOUT_S} s"
            if stopped:
                stop_tree(process.pid)
                process.wait()
    return out.read_text(), err.read_text(), process.returncode, stopped


def outcome(
    system: str,
    scale: Scale,
    seed: int,
    args: argparse.Namespace,
    proxy: CountingProxy,
    work: Path,
    failures: Counter[str],
    wall: float,
    note: str = "",
) -> Outcome:
    """One run's outcome, from the calls the proxy counted and the evaluations logged in ``work``."""
    refused = proxy.refused
    calls = proxy.reset()
    proxy.limit = None
    _dump(work / "calls.jsonl", calls)
    log = work / "evaluations.jsonl"
    best = best_within(scale, calls, log, args.budget)
    if refused:
        failures["refused_over_budget"] += refused
    return Outcome(
        system=system,
        task=scale.task.name,
        seed=seed,
        best=best,
        improvement=scale.normalized(best),
        solved=scale.solved(best),
        calls=len(calls),
        distinct_replies=len({call.reply_sha for call in calls}),
        evaluations=len(read_evaluations(log)),
        calls_to_solve=calls_to_solve(scale, calls, log),
        failures=failures,
        wall_s=wall,
        note=note,
    )


def _peer_cause(error: str) -> str:
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


def _mean(values: list[float], digits: str = ".2f") -> str:
    return format(statistics.mean(values), digits) if values else "-"


def print_report(outcomes: list[Outcome], args: argparse.Namespace, notes: list[str], load: str) -> None:
    """Per split and family, each system's row; then failures by cause, Tinkerer's operators and the notes."""
    systems = list(dict.fromkeys(o.system for o in outcomes))
    print()
    print(
        f"model {args.model} via llama.cpp ({args.threads} thread(s)); budget {args.budget} LLM calls per run; "
        f"seeds {', '.join(map(str, range(args.seeds)))}; max_tokens {args.max_tokens}; temperature "
        f"{args.temperature}; machine load {load}"
    )
    print(
        "solved: runs that reached the task's solve mark; improvement: mean normalized improvement over the "
        "starting program (0: its score, 1: the reference program's); to solve: mean calls to the first solution"
    )
    header = f"{'split':<9} {'family':<11} {'task':<20} {'system':<24} {'solved':>6} {'improv':>6} {'to solve':>8}"
    header += f" {'calls':>5} {'distinct':>8} {'evals':>5} {'wall s':>6}"
    for split in SPLIT:
        rows = [o for o in outcomes if o.task in SPLIT[split]]
        if not rows:
            continue
        print()
        print(header)
        print("-" * len(header))
        for family in FAMILIES:
            names = [name for name in SPLIT[split] if TASKS[name].family == family]
            for system in systems:
                runs = [o for o in rows if o.system == system and o.task in names]
                if not runs:
                    continue
                to_solve = [float(o.calls_to_solve) for o in runs if o.calls_to_solve is not None and o.solved]
                print(
                    f"{split:<9} {family:<11} {','.join(names):<20} {system:<24} "
                    f"{sum(o.solved for o in runs)}/{len(runs):<4} {_mean([o.improvement for o in runs]):>6} "
                    f"{_mean(to_solve, '.1f'):>8} {sum(o.calls for o in runs):>5} "
                    f"{sum(o.distinct_replies for o in runs):>8} {sum(o.evaluations for o in runs):>5} "
                    f"{sum(o.wall_s for o in runs):>6.0f}"
                )
        print()
        for system in systems:
            runs = [o for o in rows if o.system == system]
            failures = sum((o.failures for o in runs), Counter())
            listed = ", ".join(f"{cause} {n}" for cause, n in failures.most_common()) or "none"
            print(
                f"{split} {system}: solved {sum(o.solved for o in runs)}/{len(runs)}, mean improvement "
                f"{_mean([o.improvement for o in runs])}; failures by cause: {listed}"
            )
    print()
    tallies: dict[str, Counter[str]] = {}
    for o in outcomes:
        for name, tally in o.operators.items():
            tallies.setdefault(name, Counter()).update(tally)
    for name, tally in sorted(tallies.items(), key=lambda item: -item[1]["experiments"]):
        print(
            f"tinkerer operator {name}: {tally['experiments']} experiments, {tally['succeeded']} ran cleanly, "
            f"{tally['improved']} beat their parent, {tally['new_best']} set a new best"
        )
    for o in outcomes:
        if o.note:
            print(f"  {o.system} on {o.task} seed {o.seed}: {o.note}")
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; ``--quick`` shrinks the defaults for CI."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 task x 1 seed x 3 calls, Tinkerer only (a smoke run)")
    parser.add_argument("--budget", type=int, help="LLM calls per run (default 12; --quick: 3)")
    parser.add_argument("--seeds", type=int, help="seeds per task (default 1)")
    parser.add_argument(
        "--split",
        choices=(*SPLIT, "all"),
        default="held_out",
        help="the tasks of one split, or both (default held_out: the reported figures; tune on dev)",
    )
    parser.add_argument("--tasks", help=f"comma-separated, of {', '.join(TASKS)} (overrides --split)")
    parser.add_argument("--systems", help=f"comma-separated, of {', '.join(SYSTEMS)} (default: all; --quick: tinkerer)")
    parser.add_argument("--strategy", default="evolutionary", help="Tinkerer's search strategy")
    parser.add_argument(
        "--search-param", action="append", default=[], metavar="KEY=VALUE", help="a field of the search strategy"
    )
    parser.add_argument("--model", default="smollm2-135m", help="the local model to serve")
    parser.add_argument("--threads", type=int, help="llama.cpp CPU threads (default: the cores idle now, at most 4)")
    parser.add_argument("--max-tokens", type=int, default=160, help="reply token cap, every system")
    parser.add_argument("--temperature", type=float, default=0.7, help="sampling temperature, every system")
    parser.add_argument("--no-install", action="store_true", help="do not install a peer that is missing")
    parser.add_argument("--keep", type=Path, help="keep run directories here instead of a temporary directory")
    args = parser.parse_args(argv)
    args.budget = args.budget or (3 if args.quick else 12)
    args.seeds = args.seeds or 1
    if args.tasks:
        args.task_names = args.tasks.split(",")
    elif args.quick:
        args.task_names = ["fit_curve"]
    else:
        args.task_names = [name for split, names in SPLIT.items() if args.split in (split, "all") for name in names]
    unknown = [name for name in args.task_names if name not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {', '.join(unknown)}; the tasks are {', '.join(TASKS)}")
    args.system_names = (args.systems or (TINKERER if args.quick else ",".join(SYSTEMS))).split(",")
    unknown = [name for name in args.system_names if name not in SYSTEMS]
    if unknown:
        parser.error(f"unknown system(s) {', '.join(unknown)}; the systems are {', '.join(SYSTEMS)}")
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


def load_text() -> str:
    """The load averages now, and the cores."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    """Run the suite and print the report."""
    from tinkerer_plugin_local_llm import LocalModelServer

    args = parse_args(argv)
    tasks = [TASKS[name] for name in args.task_names]
    root = args.keep or Path(tempfile.mkdtemp(prefix="tinkerer-search-efficiency-"))
    root.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    peers: dict[str, tuple[Peer, Path]] = {}
    for name in args.system_names:
        if name == TINKERER:
            continue
        peer = PEERS[name]
        python, why = peer_python(peer, install=not args.no_install)
        notes.append(f"{peer.name}: {why}" if python else f"{peer.name}: NOT RUN: {why}")
        if python is not None:
            peers[name] = (peer, python)
    harnesses = {task.name: write_harness(task, root) for task in tasks}
    scales = {task.name: scale_of(task, harnesses[task.name], root) for task in tasks}
    for scale in scales.values():
        notes.append(
            f"scale {scale.task.name}: start {scale.initial:.4g}, reference {scale.reference:.4g}, solved at "
            f"{scale.threshold:.4g} ({scale.task.direction})"
        )
    outcomes: list[Outcome] = []
    loads: list[float] = []
    started = time.monotonic()
    with LocalModelServer(args.model, threads=args.threads, ctx_size=4096) as server:
        proxy = CountingProxy(server.url, api_key=server.api_key).start()
        try:
            for task in tasks:
                for seed in range(args.seeds):
                    for name in args.system_names:
                        loads.append(os.getloadavg()[0])
                        if name == TINKERER:
                            result = run_tinkerer(scales[task.name], seed, args, proxy, root, harnesses[task.name])
                        elif name in peers:
                            peer, python = peers[name]
                            result = run_peer(
                                peer, python, scales[task.name], seed, args, proxy, root, harnesses[task.name]
                            )
                        else:
                            continue
                        outcomes.append(result)
                        _progress(result)
        finally:
            proxy.stop()
    load = f"{statistics.mean(loads):.2f} mean 1-min load during the runs, {load_text()} at the end"
    print_report(outcomes, args, notes, load)
    print(f"total wall time {time.monotonic() - started:.0f} s; run directories: {root}")
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _progress(result: Outcome) -> None:
    print(
        f"{result.task} seed {result.seed} {result.system}: best {result.best:g}, improvement "
        f"{result.improvement:.2f}, solved {result.solved}, {result.calls} calls, {result.evaluations} evaluations, "
        f"{result.wall_s:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
