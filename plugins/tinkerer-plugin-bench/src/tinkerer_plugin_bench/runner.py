"""A benchmark run: each problem of a suite is an evolve run of its own, then graded; all in one directory.

    runs/bench-<suite>-<time>/
        run.sqlite            the benchmark's store: the plan (suite, problems, config), one result per problem
        views/<problem>/      what a contestant sees: each problem run's data_dir (./data in its workspaces)
        <problem>/            the problem's evolve run (its own run.sqlite, workspaces, solution/)

The evolve config of every problem is built as ``tinkerer evolve`` builds one, in layers (later wins): the
benchmark's defaults, the user's config file, what the problem sets (goal, data, direction, evaluator,
command), ``--quick``'s budget, then the ``a.b=c`` overrides. Experiments run through the config's executor
(``workers=4``, ``executor=ray``) like any evolve run; a killed benchmark resumes where it stopped: graded
problems are kept, an interrupted problem run resumes, the rest start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tinkerer_core import (
    BenchmarkGrade,
    BenchmarkSuite,
    ConfigError,
    EvolveConfig,
    MissingPluginError,
    ProblemSetup,
    RunStore,
    Solution,
    Tinkerer,
    config_file_values,
    create_component,
    make_config,
)
from tinkerer_plugin_bench import sealed
from tinkerer_plugin_bench.results import GRADE_META, RESULT_EVENT, results
from tinkerer_plugin_bench.views import DATA_ENV

BENCH_DEFAULTS: Mapping[str, Any] = {"max_iterations": 3, "timeout_s": 300.0}
PLAN_META = "bench"
Say = Callable[[str], None]


@dataclass(frozen=True)
class BenchPlan:
    """What a benchmark run runs: the suite and its parameters, the problems, and how each is configured."""

    suite: str
    suite_params: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # empty: every problem of the suite (the quick one with ``quick``)
    config_file: str | None = None
    overrides: tuple[str, ...] = ()
    quick: bool = False

    def as_meta(self) -> dict[str, Any]:
        return {**asdict(self), "problems": list(self.problems), "overrides": list(self.overrides)}

    @classmethod
    def from_meta(cls, data: Mapping[str, Any]) -> BenchPlan:
        values = dict(data)
        return cls(**{**values, "problems": tuple(values["problems"]), "overrides": tuple(values["overrides"])})


def default_bench_dir(suite: str) -> Path:
    return Path("runs") / f"bench-{suite}-{datetime.now():%Y%m%d-%H%M%S}"


def open_suite(name: str, params: Mapping[str, Any]) -> BenchmarkSuite:
    """The installed suite ``name`` built with ``params``, once it says it can run here."""
    suite: BenchmarkSuite = create_component("benchmark_suite", name, params)
    available, why = suite.available()
    if not available:
        raise MissingPluginError(f"benchmark suite {name!r} cannot run here: {why}")
    return suite


class BenchRun:
    """One benchmark run in its directory; ``start`` a new one or ``resume`` a stopped one."""

    def __init__(self, bench_dir: Path, plan: BenchPlan, suite: BenchmarkSuite, store: RunStore, say: Say) -> None:
        self.bench_dir = bench_dir
        self.plan = plan
        self.suite = suite
        self.store = store
        self.say = say

    @classmethod
    def start(cls, plan: BenchPlan, bench_dir: Path | None = None, say: Say = print) -> BenchRun:
        """Check the plan (suite, problems, config) and create the benchmark's run directory."""
        suite = open_suite(plan.suite, plan.suite_params)
        listed = suite.problems()
        known = [problem.id for problem in listed]
        ready = tuple(problem.id for problem in listed if problem.ready)
        problems = plan.problems or ((suite.quick()[0],) if plan.quick else ready)
        if not problems:
            raise ConfigError(f"{plan.suite} has no problem ready to run here: `tinkerer bench list` says why")
        unknown = [problem for problem in problems if problem not in known]
        if unknown:
            raise ConfigError(f"{plan.suite} has no problem {unknown[0]!r}; its problems: {', '.join(known)}")
        plan = BenchPlan(**{**asdict(plan), "problems": tuple(problems)})
        bench_dir = (bench_dir or default_bench_dir(plan.suite)).resolve()
        if RunStore.exists(bench_dir):
            raise ConfigError(f"{bench_dir} already holds a run: resume it with `tinkerer bench resume {bench_dir}`")
        _check_config(plan)  # a bad override fails here, before any problem is prepared
        bench_dir.mkdir(parents=True, exist_ok=True)
        store = RunStore(bench_dir)
        store.set_meta(
            goal=f"benchmark {plan.suite}: {', '.join(problems)}",
            status="running",
            started_at=time.time(),
            **{PLAN_META: plan.as_meta()},
        )
        store.log_event("bench_started", suite=plan.suite, problems=list(problems))
        return cls(bench_dir, plan, suite, store, say)

    @classmethod
    def resume(cls, bench_dir: Path, say: Say = print) -> BenchRun:
        """Continue a benchmark run that was stopped: graded problems are kept."""
        bench_dir = Path(bench_dir).resolve()
        if not RunStore.exists(bench_dir):
            raise ConfigError(
                f"{bench_dir} holds no benchmark run (no run.sqlite): start one with `tinkerer bench run`"
            )
        store = RunStore(bench_dir)
        meta = store.meta().get(PLAN_META)
        if meta is None:
            store.close()
            raise ConfigError(f"{bench_dir} holds an evolve run, not a benchmark: resume it with `tinkerer resume`")
        plan = BenchPlan.from_meta(meta)
        store.set_meta(status="running")
        store.log_event("bench_resumed")
        return cls(bench_dir, plan, open_suite(plan.suite, plan.suite_params), store, say)

    def run(self) -> list[dict[str, Any]]:
        """Run and grade every problem not graded yet; the results, one row per problem."""
        graded = {row["problem"] for row in results(self.store)}
        try:
            for number, problem in enumerate(self.plan.problems, start=1):
                if problem in graded:
                    continue
                self.say(f"[bench] {self.plan.suite} {number}/{len(self.plan.problems)}: {problem}")
                row = self._problem(problem)
                self.store.log_event(RESULT_EVENT, **row)
                self.say(f"[bench] {problem}: {row['verdict']} (score {row['score']})")
        except BaseException:
            self.store.set_meta(status="interrupted")
            raise
        self.store.set_meta(status="finished")
        return results(self.store)

    def _problem(self, problem: str) -> dict[str, Any]:
        """Prepare, run (or resume) and grade one problem; its wall time counts all three, a resumed run's
        earlier part included."""
        started = time.monotonic()
        run_dir = self.bench_dir / problem
        setup = self.suite.prepare(problem, self.bench_dir / "views" / problem)
        prepared = time.monotonic()
        if _has_run(run_dir):
            solution = Tinkerer().resume(str(run_dir))
        else:
            solution = Tinkerer().run(self._config(problem, setup, run_dir), self.plan.config_file)
        ran = time.monotonic()
        run_store = RunStore(run_dir)
        try:
            grade = self._grade(problem, solution, run_store.failure_counts())
            row = _row(problem, self.suite, solution, grade, run_store)
            elapsed = float(run_store.meta().get("elapsed_s", 0.0))
            row["wall_s"] = (prepared - started) + elapsed + (time.monotonic() - ran)
            run_store.set_meta(**{GRADE_META: row})
        finally:
            run_store.close()
        return row

    def _grade(self, problem: str, solution: Solution, failures: Mapping[str, int]) -> BenchmarkGrade:
        """The suite's grade of the exported solution; none was exported when nothing scored: why, by cause."""
        if solution.experiment_id is None:
            causes = ", ".join(f"{cause} {count}" for cause, count in failures.items()) or "none recorded"
            verdict = f"no solution: no experiment ran cleanly to a score (failures: {causes})"
            return BenchmarkGrade(False, None, verdict, {"failures": dict(failures)})
        return self.suite.grade(problem, Path(solution.path))

    def _config(self, problem: str, setup: ProblemSetup, run_dir: Path) -> EvolveConfig:
        """The problem's evolve config; its command runs with the suite's private folders hidden where it can."""
        quick = self.suite.quick()[1] if self.plan.quick else {}
        layers = _layers(self.plan, {**setup.config, **_problem_values(setup, run_dir)}, quick)
        config = make_config(EvolveConfig, layers, self.plan.overrides)
        hidden = self.suite.private_paths(problem)
        holding = [folder for folder in hidden if self.bench_dir.is_relative_to(Path(folder).resolve())]
        if holding:
            raise ConfigError(
                f"the benchmark's directory {self.bench_dir} lies in {holding[0]}, which solutions must not see (the "
                f"answers are there): give another run_dir=, or set {DATA_ENV} to a folder away from your runs"
            )
        if hidden:
            works, why = sealed.sealing_works()
            if not works:
                self.say(
                    f"[bench] warning: {why}; solutions run unsealed: they could read {', '.join(map(str, hidden))}"
                )
                return config
            sealed_command = sealed.command_line(hidden, config.command, read_only=(setup.data_dir,))
            config = make_config(EvolveConfig, layers, [*self.plan.overrides, f"command={sealed_command}"])
        return config


def _problem_values(setup: ProblemSetup, run_dir: Path) -> dict[str, Any]:
    return {
        "goal": setup.goal,
        "data_dir": str(setup.data_dir),
        "direction": setup.direction.value,
        "run_dir": str(run_dir),
        "output_path": str(run_dir / "solution"),
    }


def _layers(plan: BenchPlan, problem: Mapping[str, Any], quick: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    layers: list[Mapping[str, Any]] = [BENCH_DEFAULTS]
    if plan.config_file is not None:
        layers.append(config_file_values(plan.config_file, EvolveConfig))
    return [*layers, problem, quick]


def _check_config(plan: BenchPlan) -> None:
    """Build the config every problem shares (a stand-in goal), so a bad override fails before anything runs."""
    make_config(EvolveConfig, _layers(plan, {"goal": "check the configuration"}, {}), plan.overrides)


def _has_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds an evolve run that got as far as saving its config (so it can resume)."""
    if not RunStore.exists(run_dir):
        return False
    store = RunStore(run_dir)
    try:
        return store.meta().get("config") is not None
    finally:
        store.close()


def _row(
    problem: str, suite: BenchmarkSuite, solution: Solution, grade: BenchmarkGrade, store: RunStore
) -> dict[str, Any]:
    """A result row: the grade, the run's own best (validation) score, its experiments and cost."""
    title = next((p.title for p in suite.problems() if p.id == problem), problem)
    return {
        "problem": problem,
        "title": title,
        "run_dir": str(solution.run_dir),
        "valid_submission": grade.valid_submission,
        "score": grade.score,
        "verdict": grade.verdict,
        "details": dict(grade.details),
        "validation_score": solution.score,
        "best_experiment": solution.experiment_id,
        "experiments": solution.iterations,
        "stop_reason": solution.stop_reason,
        "cost": store.total_cost(),
    }
