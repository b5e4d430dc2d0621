"""Faults as users meet them: kill -9 and SIGTERM at random moments, then resume; a disk that fills up.

Every trial runs the real `tinkerer evolve` command in a subprocess on solutions that misbehave in
turn: they fork, start `setsid` daemons that hold stdout, write binary files, hang silently past
the timeout and flood their output. The engine is killed (SIGKILL) or stopped (SIGTERM) at a
random moment, then `tinkerer resume` finishes the run. A last trial runs on a small tmpfs that a
solution fills up; the run must stop with a clear error and resume once space is back (root only).

Counted, all with target 0:
- lost: an experiment that had finished before the fault and is gone or changed after the resume,
  or a run that does not end with every planned experiment finished;
- run twice: an experiment that had finished before the fault and ran again;
- orphans: processes of the run still alive 5 s after the fault, or after the resumed run;
- failed resumes: `tinkerer resume` that did not exit 0.

    python benchmarks/faults.py [--trials 24] [--seed 0] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tinkerer_core import ExperimentStatus, RunStore
from tinkerer_core.processes import is_running

ORPHAN_GRACE_S = 5.0
TRIAL_ENV = "TINKERER_FAULTS_TRIAL"  # every process of a trial inherits it: how orphans are found

MISBEHAVING = (
    # forks a child that outlives the program by a little
    "import os, time\nif os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\nprint('SCORE: 1')",
    # a daemon: double fork, new session, holds stdout
    "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(300)\n"
    "    os._exit(0)\nprint('SCORE: 2', flush=True)",
    # binary and non-UTF-8 files, as models and pickles are
    "import pickle\nopen('model.bin', 'wb').write(bytes(range(256)) * 64)\n"
    "pickle.dump({'w': [1.5, 2.5]}, open('model.pkl', 'wb'))\nopen('latin1.txt', 'wb').write('caf\\xe9'.encode('latin-1'))\n"
    "print('SCORE: 3')",
    # hangs silently past the timeout
    "import time\ntime.sleep(300)",
    # floods its output
    "import sys\nfor _ in range(20000):\n    sys.stdout.write('x' * 200 + '\\n')\nprint('SCORE: 5')",
    "print('SCORE: 6')",
)

CONFIG = """
import chz

from tinkerer_core.components import AgentResult, CodingAgent
from tinkerer_core.evolve_config import EvolveConfig
from tinkerer_core.hookspecs import hookimpl
from tinkerer_core.plugins import get_manager


@chz.chz
class StepAgent(CodingAgent):
    steps: tuple[str, ...]

    def implement(self, request):
        code = self.steps[(request.iteration - 1) % len(self.steps)]
        (request.workspace / "main.py").write_text(code + "\\n")
        return AgentResult(changed_files=("main.py",))


class StepAgentPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("steps", StepAgent)


get_manager().register(StepAgentPlugin(), "faults-step-agent")
config = EvolveConfig(
    goal="survive faults", coding_agent=StepAgent(steps={steps!r}), max_iterations={experiments}, timeout_s=1.5,
    debug_attempts=0,
)
"""

OVERRIDES = (
    "evaluator=regex_pattern",
    "search_strategy=linear_search",
    "llm.model=openai/gpt-4o-mini",
    'llm.mock_responses={"ideas": ["a scripted idea"]}',
    "--quiet",
)


@dataclass
class Tally:
    """What the trials found; every count's target is 0."""

    trials: int = 0
    lost: int = 0
    run_twice: int = 0
    orphans: int = 0
    failed_resumes: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.trials += other.trials
        self.lost += other.lost
        self.run_twice += other.run_twice
        self.orphans += other.orphans
        self.failed_resumes += other.failed_resumes
        self.notes.extend(other.notes)


def tinkerer(args: list[str], cwd: Path, trial: str, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, TRIAL_ENV: trial, "TINKERER_QUIET": "1"}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "tinkerer_core.cli", *args], cwd=cwd, env=env, text=True, **popen
    )


def processes_of(trial: str) -> list[int]:
    """Live processes that carry the trial's mark in their environment."""
    mark = f"{TRIAL_ENV}={trial}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{name}/environ").read_bytes()
        except OSError:
            continue
        if mark in environ.split(b"\0") and is_running(int(name)):
            found.append(int(name))
    return found


def orphans_after(trial: str, grace_s: float = ORPHAN_GRACE_S) -> list[int]:
    deadline = time.monotonic() + grace_s
    while (left := processes_of(trial)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # counted, then cleaned up so one failure does not spoil the next trials
        os.kill(pid, signal.SIGKILL)
    return left


def finished(run_dir: Path) -> dict[int, tuple[float | None, float | None]]:
    """Finished experiments: id -> (finished_at, score)."""
    if not RunStore.exists(run_dir):
        return {}
    store = RunStore(run_dir)
    try:
        return {
            e.id: (e.finished_at, e.score)
            for e in store.experiments()
            if e.status in (ExperimentStatus.SUCCEEDED, ExperimentStatus.FAILED)
        }
    finally:
        store.close()


def write_config(root: Path, experiments: int) -> Path:
    path = root / "config.py"
    path.write_text(CONFIG.format(steps=MISBEHAVING, experiments=experiments))
    return path


def calibrate(root: Path, config: Path, workers: int) -> float:
    """Wall time of one undisturbed run: kills land uniformly inside it."""
    started = time.monotonic()
    process = tinkerer(
        ["evolve", str(config), f"run_dir={root / f'calibration-{workers}'}", f"workers={workers}", *OVERRIDES],
        root,
        "calibration",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, stderr = process.communicate(timeout=600)
    if process.returncode != 0:
        raise SystemExit(f"the undisturbed run failed:\n{stderr}")
    return time.monotonic() - started


def fault_trial(
    root: Path, config: Path, name: str, workers: int, experiments: int, at_s: float, how: signal.Signals
) -> Tally:
    """One run, one fault at ``at_s`` seconds, one resume; what was lost, redone or left running."""
    tally = Tally(trials=1)
    run_dir = root / name
    engine = tinkerer(
        ["evolve", str(config), f"run_dir={run_dir}", f"workers={workers}", *OVERRIDES],
        root,
        name,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        engine.wait(timeout=at_s)
    except subprocess.TimeoutExpired:
        engine.send_signal(how)
    engine.communicate(timeout=120)
    if left := orphans_after(name):
        tally.orphans += len(left)
        tally.notes.append(f"{name}: {len(left)} processes outlived the {how.name}'d engine")
    before = finished(run_dir)
    if not RunStore.exists(run_dir):
        return tally  # killed before the run existed: nothing to resume
    resume = tinkerer(
        ["resume", str(run_dir), "--quiet"], root, name, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, stderr = resume.communicate(timeout=600)
    if resume.returncode != 0:
        tally.failed_resumes += 1
        tally.notes.append(f"{name}: resume exited {resume.returncode}: {stderr.strip()[-300:]}")
    if left := orphans_after(name, grace_s=1.0):
        tally.orphans += len(left)
        tally.notes.append(f"{name}: {len(left)} processes outlived the resumed run")
    after = finished(run_dir)
    for experiment_id, record in before.items():
        if experiment_id not in after or after[experiment_id][1] != record[1]:
            tally.lost += 1
        elif after[experiment_id][0] != record[0]:
            tally.run_twice += 1
    missing = experiments - len(after)
    if missing > 0 and resume.returncode == 0:
        tally.lost += missing
        tally.notes.append(f"{name}: {missing} planned experiments never finished")
    return tally


def disk_full_trial(root: Path) -> Tally | str:
    """A solution fills a 16 MB tmpfs that holds the run: a clear error, then resume once space is back."""
    disk = root / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        return f"skipped: cannot mount a small tmpfs here (root needed): {mounted.stderr.strip()}"
    tally = Tally(trials=1)
    marker = root / "filled"
    fill = (
        "import os\nif not os.path.exists({0!r}):\n    open({0!r}, 'w').close()\n"
        "    with open('big.bin', 'wb') as out:\n        while True:\n            out.write(os.urandom(1 << 20))\n"
        "print('SCORE: 9')"
    ).format(str(marker))
    config = root / "disk-config.py"
    config.write_text(CONFIG.format(steps=("print('SCORE: 1')", fill, "print('SCORE: 3')"), experiments=3))
    run_dir = disk / "run"
    try:
        engine = tinkerer(
            ["evolve", str(config), f"run_dir={run_dir}", *OVERRIDES],
            root,
            "disk",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, stderr = engine.communicate(timeout=300)
        if engine.returncode != 2 or "is full" not in stderr or "Traceback" in stderr:
            tally.notes.append(
                f"disk: no clear error when the disk filled up (exit {engine.returncode}): {stderr.strip()[-300:]}"
            )
            tally.lost += 1
        before = finished(run_dir)
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        resume = tinkerer(
            ["resume", str(run_dir), "--quiet"], root, "disk", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, stderr = resume.communicate(timeout=300)
        if resume.returncode != 0:
            tally.failed_resumes += 1
            tally.notes.append(f"disk: resume exited {resume.returncode}: {stderr.strip()[-300:]}")
        after = finished(run_dir)
        tally.lost += sum(1 for key, record in before.items() if after.get(key, (None, None))[1] != record[1])
        tally.lost += max(3 - len(after), 0)
        tally.orphans += len(orphans_after("disk", grace_s=1.0))
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=24, help="kill -9 trials (half with workers=1, half with 2)")
    parser.add_argument("--sigterm-trials", type=int, default=6)
    parser.add_argument("--experiments", type=int, default=6, help="planned experiments per run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 kills, 1 SIGTERM, the disk trial")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.sigterm_trials, args.experiments = 2, 1, 6
    chooser = random.Random(args.seed)
    total = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tinkerer-faults-") as tmp:
        root = Path(tmp)
        config = write_config(root, args.experiments)
        spans = {workers: calibrate(root, config, workers) for workers in ((1,) if args.quick else (1, 2))}
        spans.setdefault(2, spans[1])
        print(
            f"undisturbed run of {args.experiments} experiments: "
            + ", ".join(f"workers={w} {s:.1f} s" for w, s in spans.items())
        )
        plan = [(signal.SIGKILL, 1 + trial % 2) for trial in range(args.trials)]
        plan += [(signal.SIGTERM, 1 + trial % 2) for trial in range(args.sigterm_trials)]
        for number, (how, workers) in enumerate(plan):
            at_s = chooser.uniform(0.05, 0.95) * spans[workers]
            total.add(fault_trial(root, config, f"trial-{number}", workers, args.experiments, at_s, how))
        disk = disk_full_trial(root)
        if isinstance(disk, str):
            print(f"disk-full trial {disk}")
        else:
            total.add(disk)
    print(
        f"\nfault trials: {total.trials} ({args.trials} kill -9, {args.sigterm_trials} SIGTERM, "
        f"{'0' if isinstance(disk, str) else '1'} disk full) in {time.monotonic() - started:.0f} s"
    )
    for label, value in (
        ("experiments lost", total.lost),
        ("experiments run twice", total.run_twice),
        ("orphan processes", total.orphans),
        ("failed resumes", total.failed_resumes),
    ):
        print(f"  {label:<24} {value:>4}   (target 0)")
    for note in total.notes:
        print(f"  - {note}")
    if total.lost or total.run_twice or total.orphans or total.failed_resumes:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
