"""Bytes everywhere: solutions that write binary, non-UTF-8 and large files, through evolve, resume, the
report, deploy and learn. Real git, real files, real runs; only the coding agent is scripted."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import urllib.request
from dataclasses import replace
from pathlib import Path

import chz
import pytest

from tinkerer_core import (
    AgentRequest,
    AgentResult,
    CodingAgent,
    ConfigError,
    DeployStrategy,
    ExperimentStatus,
    RunResult,
    RunStore,
    Source,
    Tinkerer,
    get_manager,
    hookimpl,
)
from tinkerer_core.engine.run import EvolveRun
from tinkerer_core.engine.workspace import Workspaces, git
from tinkerer_core.prompts import files_section
from tinkerer_core.workspace_files import read_text

from .conftest import needs_defaults, read_log, write_step_config

pytestmark = needs_defaults

LATIN1 = "caf\xe9 cr\xe8me br\xfbl\xe9e\n"
PICKLED = {"weights": [0.5, 1.5], "name": "model"}
# Writes a binary file, a pickle and a Latin-1 text file, as ML solutions do.
WRITE_FILES = (
    "import pathlib, pickle\n"
    "pathlib.Path('model.bin').write_bytes(bytes(range(256)))\n"
    f"pathlib.Path('model.pkl').write_bytes(pickle.dumps({PICKLED!r}))\n"
    f"pathlib.Path('notes.txt').write_bytes({LATIN1!r}.encode('latin-1'))\n"
)
FAILS_AFTER_WRITING = WRITE_FILES + "raise SystemExit('crashed after saving the model')"
SCORES_AFTER_WRITING = WRITE_FILES + "print('SCORE: 0.5')"


def evolve(agent: str, steps: tuple[str, ...], **options: object):
    options.setdefault("evaluator", "regex_pattern")
    options.setdefault("search_strategy", "linear_search")
    options.setdefault("max_iterations", len(steps))
    options.setdefault("run_dir", "run")
    options.setdefault("timeout_s", 30.0)
    agent_params = {"steps": steps, **options.pop("agent_params", {})}  # type: ignore[dict-item]
    return Tinkerer().evolve(goal="save a model", coding_agent=agent, coding_agent_params=agent_params, **options)


def tracked(run_dir: Path) -> set[str]:
    """Every path any commit of the run's repository holds."""
    listing = git(run_dir / "repo", "log", "--all", "--name-only", "--format=")
    return {line for line in listing.splitlines() if line}


def test_a_failed_attempt_s_binary_files_committed_by_the_debug_attempt_flow_through_the_run(
    workdir: Path, scripted_agent: str
) -> None:
    log = workdir / "requests.jsonl"
    solution = evolve(
        scripted_agent,
        steps=(FAILS_AFTER_WRITING, SCORES_AFTER_WRITING),
        agent_params={"fix": SCORES_AFTER_WRITING, "log": str(log)},
        output_path="best",
    )
    store = RunStore(solution.run_dir)
    first, second = store.experiments()
    assert first.status is ExperimentStatus.SUCCEEDED and first.score == 0.5
    assert {"model.bin", "model.pkl", "notes.txt"} <= tracked(solution.run_dir)  # the debug attempt committed them
    assert "Binary files /dev/null and b/model.bin differ" in first.diff
    assert "Binary files /dev/null and b/model.pkl differ" in first.diff
    assert "+caf\ufffd cr\ufffdme br\ufffdl\ufffde" in first.diff  # non-UTF-8 text: decoded with replacement
    assert "\0" not in first.diff
    # The child's agent saw the parent's text files, never its binaries.
    child_request = read_log(log)[-1]
    assert child_request["iteration"] == 2
    assert set(child_request["parent_code"]) == {"main.py", "notes.txt"}
    assert child_request["parent_code"]["notes.txt"] == LATIN1.encode("latin-1").decode("utf-8", "replace")
    assert second.status is ExperimentStatus.SUCCEEDED
    best = workdir / "best"
    assert (best / "model.bin").read_bytes() == bytes(range(256))
    assert pickle.loads((best / "model.pkl").read_bytes()) == PICKLED


# Saves its files, and fails the first time (before they exist): the debug attempt commits them.
HEALS_AFTER_SAVING = (
    "import pathlib\n"
    "if not pathlib.Path('model.pkl').exists():\n"
    + "".join(f"    {line}\n" for line in WRITE_FILES.splitlines())
    + "    raise SystemExit('no model yet')\n"
    "print('SCORE: 0.5')"
)


def test_the_cli_evolves_and_reports_a_run_whose_lineage_holds_binary_files(tmp_path: Path) -> None:
    config = write_step_config(tmp_path / "config.py", (HEALS_AFTER_SAVING,), max_iterations=2)

    def tinkerer(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "tinkerer_core.cli", *args]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    evolved = tinkerer("evolve", str(config), "evaluator=regex_pattern", "run_dir=run", "output_path=best")
    assert evolved.returncode == 0, evolved.stderr
    assert "best score: 0.5" in evolved.stdout
    assert {"model.bin", "model.pkl", "notes.txt"} <= tracked(tmp_path / "run")
    assert [e.status for e in RunStore(tmp_path / "run").experiments()] == [ExperimentStatus.SUCCEEDED] * 2
    reported = tinkerer("report", "run")
    assert reported.returncode == 0, reported.stderr
    assert "Binary files /dev/null and b/model.bin differ" in (tmp_path / "run" / "report.html").read_text()


@chz.chz
class InterruptingAgent(CodingAgent):
    """Writes ``steps`` like the scripted agent; on iteration ``interrupt_at`` it is interrupted (Ctrl-C) once."""

    steps: tuple[str, ...]
    fix: str
    interrupt_at: int
    marker: str

    def implement(self, request: AgentRequest) -> AgentResult:
        if request.iteration == self.interrupt_at and not Path(self.marker).exists():
            Path(self.marker).write_text("interrupted once")
            raise KeyboardInterrupt
        code = self.fix if request.kind == "debug" else self.steps[min(request.iteration, len(self.steps)) - 1]
        (request.workspace / "main.py").write_text(code + "\n")
        return AgentResult(changed_files=("main.py",))


class InterruptingPlugin:
    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("interrupting", InterruptingAgent)


def test_a_run_with_binary_files_in_its_lineage_resumes(workdir: Path) -> None:
    with get_manager().registered(InterruptingPlugin(), "interrupting-agent"):
        params = {
            "steps": (FAILS_AFTER_WRITING, SCORES_AFTER_WRITING),
            "fix": SCORES_AFTER_WRITING,
            "interrupt_at": 2,
            "marker": str(workdir / "interrupted"),
        }
        with pytest.raises(KeyboardInterrupt):
            evolve("interrupting", steps=params.pop("steps"), agent_params=params)  # type: ignore[arg-type]
        store = RunStore(workdir / "run")
        assert store.meta()["status"] == "interrupted"
        assert [e.status for e in store.experiments()] == [ExperimentStatus.SUCCEEDED, ExperimentStatus.INTERRUPTED]
        solution = EvolveRun.resume(workdir / "run").run()
    assert solution.iterations == 2
    experiments = RunStore(workdir / "run").experiments()
    assert [e.status for e in experiments] == [ExperimentStatus.SUCCEEDED] * 2
    assert (solution.path / "model.bin").read_bytes() == bytes(range(256))


def test_the_report_of_a_run_with_binary_files(workdir: Path, scripted_agent: str) -> None:
    from tinkerer_plugin_reports.html_report import write_report
    from tinkerer_plugin_reports.ui import ReportServer

    solution = evolve(scripted_agent, steps=(FAILS_AFTER_WRITING,), agent_params={"fix": SCORES_AFTER_WRITING})
    page = write_report(solution.run_dir).read_text(encoding="utf-8")
    assert "Binary files /dev/null and b/model.pkl differ" in page
    assert "\0" not in page
    with ReportServer(solution.run_dir) as server:
        request = urllib.request.Request(server.url + "data.json", headers={"X-API-Key": server.token})
        with urllib.request.urlopen(request, timeout=30) as response:
            data = json.loads(response.read())
    assert "caf\ufffd" in data["experiments"][0]["diff"]


def test_a_large_file_stays_out_of_git_but_reaches_output_path(workdir: Path, scripted_agent: str) -> None:
    from tinkerer_plugin_reports.run_data import run_data

    writes_model = (
        "import pathlib\n"
        "pathlib.Path('weights.bin').write_bytes(bytes(range(256)) * 400)  # 100 KiB\n"
        f"# {'a long comment ' * 2000}\n"  # 30 KB of code: the report cuts its diff, never the large files
    )
    solution = evolve(
        scripted_agent,
        steps=(writes_model + "raise SystemExit(1)",),
        agent_params={"fix": writes_model + "print('SCORE: 1')"},
        max_commit_file_mb=0.05,
        output_path="best",
    )
    assert solution.score == 1.0
    assert "weights.bin" not in tracked(solution.run_dir)  # the debug attempt left it out of its commit
    model = bytes(range(256)) * 400
    assert (workdir / "best" / "weights.bin").read_bytes() == model
    (experiment,) = RunStore(solution.run_dir).experiments()
    digest = hashlib.sha256(model).hexdigest()
    assert f"Large file left out of git: weights.bin ({len(model)} bytes, sha256 {digest})" in experiment.diff
    assert f"weights.bin ({len(model)} bytes, sha256 {digest})" in run_data(solution.run_dir)["experiments"][0]["diff"]
    message = git(solution.run_dir / "repo", "log", "-1", "--format=%B", experiment.commit)
    assert f"Tinkerer-Left-Out: {len(model)} {digest} " in message


def test_what_the_best_run_wrote_reaches_output_path(workdir: Path, scripted_agent: str) -> None:
    solution = evolve(scripted_agent, steps=(SCORES_AFTER_WRITING,), output_path="best")
    assert "model.pkl" not in tracked(solution.run_dir)  # written by the run, after the commit
    assert pickle.loads((workdir / "best" / "model.pkl").read_bytes()) == PICKLED
    assert (workdir / "best" / "notes.txt").read_bytes() == LATIN1.encode("latin-1")
    assert (workdir / "best" / "main.py").read_text() == SCORES_AFTER_WRITING + "\n"


def test_the_store_keeps_text_with_undecodable_bytes(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    name = os.fsdecode(b"r\xe9sultat.bin")  # how os names a file whose name is Latin-1
    experiment_id = store.add_experiment(None, 1, f"load {name}", "draft")
    result = RunResult(
        command="python main.py", exit_code=1, duration_s=0.1, output=f"no {name}", produced_files=(name,)
    )
    store.finish_experiment(
        replace(
            store.experiment(experiment_id), status=ExperimentStatus.FAILED, error=f"cannot read {name}", result=result
        )
    )
    stored = store.experiment(experiment_id)
    assert (stored.idea, stored.error) == ("load r\ufffdsultat.bin", "cannot read r\ufffdsultat.bin")
    assert stored.result is not None and stored.result.output == "no r\ufffdsultat.bin"
    assert stored.result.produced_files == (name,)  # kept exactly (JSON escapes it)


def test_checkout_replaces_a_stale_directory_git_cannot_remove(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    redone = workspaces.checkout(2, base)
    (redone / "model.bin").write_bytes(bytes(range(256)))  # what an interrupted experiment left
    (redone / "out").mkdir()
    (redone / "out" / "notes.txt").write_bytes(LATIN1.encode("latin-1"))
    assert workspaces.checkout(2, base) == redone
    assert sorted(path.name for path in redone.iterdir()) == [".git"]
    stale = workspaces.path(3)
    (stale / "sub").mkdir(parents=True)  # left by a run killed before or after `git worktree add`
    (stale / "sub" / "left.bin").write_bytes(b"\0\1")
    path = workspaces.checkout(3, base)
    assert path == stale and not (stale / "sub").exists()
    assert git(path, "rev-parse", "HEAD").strip() == base


def test_checkout_never_deletes_outside_the_run(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    workspaces.path(4).symlink_to(outside, target_is_directory=True)
    workspaces.checkout(4, base)
    assert (outside / "keep.txt").read_text() == "mine"
    assert not workspaces.path(4).is_symlink()


def test_agents_read_text_not_binaries(tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(PICKLED))
    (tmp_path / "notes.txt").write_bytes(LATIN1.encode("latin-1"))
    assert read_text(tmp_path, "model.pkl") is None
    assert read_text(tmp_path, "notes.txt") == "caf\ufffd cr\ufffdme br\ufffdl\ufffde\n"
    shown = files_section({"main.py": "print(1)\n", "blob": "\0\1\2"}, 1000)
    assert "print(1)" in shown and "blob: binary, not shown" in shown and "\0" not in shown


def test_a_solution_with_binary_files_deploys(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "import pathlib, pickle\n"
        "MODEL = pickle.loads(pathlib.Path(__file__).with_name('model.pkl').read_bytes())\n"
        "def predict(inputs):\n    return {'weights': MODEL['weights'], 'x': inputs['x']}\n"
    )
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(PICKLED))
    (tmp_path / "model.bin").write_bytes(bytes(range(256)))
    (tmp_path / "notes.txt").write_bytes(LATIN1.encode("latin-1"))
    (tmp_path / "tinkerer.toml").write_bytes(b'# caf\xe9\n[deploy]\nentry = "main:predict"\n')  # a Latin-1 comment
    assert Tinkerer().plan_deploy(str(tmp_path)).reason.startswith("serves main:predict")
    with Tinkerer().deploy(str(tmp_path), DeployStrategy.LOCAL) as software:
        assert software.run({"x": 1}) == {"status": "success", "output": {"weights": [0.5, 1.5], "x": 1}}


def test_learn_skips_binaries_and_reads_non_utf8_text(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "README.md").write_bytes(b"# tool\n\nA tool that says caf\xe9.\n")
    (repo / "README.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (repo / "pkg" / "__init__.py").write_bytes(b'"""Caf\xe9 helpers."""\n\ndef brew(cup):\n    """Brew."""\n')
    (repo / "pkg" / "weights.py").write_bytes(b"\0\1\2binary with a .py name")
    (repo / "pkg" / "model.pkl").write_bytes(pickle.dumps(PICKLED))
    (repo / "pkg" / "late.py").write_bytes(b"x = 1\n" * 2000 + b"\0")  # a NUL past git's 8000-byte sniff
    (repo / "pkg" / os.fsdecode(b"caf\xe9.py")).write_bytes(b"def f(x):\n    return x\n")  # a Latin-1 name
    (repo / "requirements.txt").write_bytes(b"numpy  # caf\xe9\n")
    result = Tinkerer().learn(Source.Repo(str(repo)), wiki_dir=str(tmp_path / "wiki"), skip_merge=True)
    by_id = {page.id: page for page in result.pages}
    assert set(by_id) == {"Workflow/repo", "Implementation/pkg", "Implementation/pkg.late", "Environment/repo"}
    assert by_id["Implementation/pkg.late"].content == "No public functions or classes."
    assert by_id["Workflow/repo"].overview == "A tool that says caf\ufffd."
    assert by_id["Implementation/pkg"].overview == "Caf\ufffd helpers."
    binary = tmp_path / "model.pkl"
    binary.write_bytes(pickle.dumps(PICKLED))
    with pytest.raises(ConfigError, match=r"model\.pkl.*binary file"):
        Tinkerer().learn(Source.File(str(binary)), wiki_dir=str(tmp_path / "wiki2"), skip_merge=True)
