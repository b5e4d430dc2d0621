"""Executors: the ``local`` default, a dying worker process, an executor written against the public
contract alone (jobs run in copies of their worktrees, commands handed to a runner of its own), and shipping.

The Ray executor's tests live in plugins/tinkerer-plugin-ray (they need a private network namespace).
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import chz
import pytest

from tinkerer_core import (
    EvolveConfig,
    Executor,
    ExecutorContext,
    ExecutorSession,
    ExperimentJob,
    ExperimentOutcome,
    ExperimentStatus,
    RunResult,
    RunStore,
    Tinkerer,
    UnknownComponentError,
    get_manager,
    hookimpl,
)
from tinkerer_core.config import make_config
from tinkerer_core.engine.local import LocalExecutor
from tinkerer_core.engine.recording import RecordingWorkspaces, replay
from tinkerer_core.engine.workspace import Workspaces, git
from tinkerer_core.runner import run_command
from tinkerer_core.shipping import Changes, apply_changes, changes_since, digests, pack, unpack

from .conftest import ScriptedAgent, needs_defaults

pytestmark = needs_defaults

SCRIPTED_LLM = {"model": "openai/gpt-4o-mini", "mock_responses": ('{"ideas": ["a scripted idea"]}',)}


def test_local_is_the_default_executor_and_names_resolve() -> None:
    config = make_config(EvolveConfig, [{"goal": "g"}])
    assert isinstance(config.executor, LocalExecutor)
    assert "local" in get_manager().names("executor")
    with pytest.raises(UnknownComponentError, match="unknown executor 'nowhere'; installed executors: local"):
        make_config(EvolveConfig, argv=["goal=g", "executor=nowhere"])


KILL_PARENT_ONCE = """
import os, pathlib, signal

marker = pathlib.Path({marker!r})
if not marker.exists():
    marker.write_text('killed')
    supervisor = pathlib.Path(f'/proc/{{os.getppid()}}/stat').read_text()
    os.kill(int(supervisor.rsplit(')', 1)[1].split()[1]), signal.SIGKILL)  # the pool process running us dies
print('SCORE: {score}')
"""


def test_a_dead_worker_process_loses_no_experiment(workdir: Path, scripted_agent: str) -> None:
    marker = workdir / "killed-once"
    steps = ("print('SCORE: 1')", KILL_PARENT_ONCE.format(marker=str(marker), score=2), "print('SCORE: 3')")
    solution = Tinkerer().evolve(
        goal="print a good score",
        coding_agent=scripted_agent,
        coding_agent_params={"steps": steps},
        evaluator="regex_pattern",
        search_strategy="linear_search",
        max_iterations=3,
        workers=2,
        run_dir="run",
        llm_params=SCRIPTED_LLM,
    )
    assert marker.exists()
    store = RunStore(solution.run_dir)
    experiments = store.experiments()
    assert [e.status for e in experiments] == [ExperimentStatus.SUCCEEDED] * 3
    assert [e.score for e in experiments] == [1.0, 2.0, 3.0]
    lost = {event["experiment_id"] for event in store.events("worker_lost")}
    assert 2 in lost  # and whatever shared the broken pool with it
    assert lost == {event["experiment_id"] for event in store.events("experiment_redone")}


@chz.chz
class PortableScriptedAgent(ScriptedAgent):
    """The scripted agent, allowed to run on another machine (it needs nothing but its fields)."""

    def can_run_remotely(self) -> bool:
        return True


class ElsewhereSession(ExecutorSession):
    """Runs each job as a remote executor would: a portable one in a copy of its worktree's files, any
    other one here with every run of the solution handed to this session's runner."""

    def __init__(self, ctx: ExecutorContext) -> None:
        self.capacity = ctx.workers
        self.commands: list[tuple[int, str]] = []  # (experiment, command) run by the runner below

    def submit(self, job: ExperimentJob) -> Future[ExperimentOutcome]:
        done: Future[ExperimentOutcome] = Future()
        if job.portable:
            with tempfile.TemporaryDirectory() as scratch:
                copy = Path(scratch) / "workspace"
                unpack(pack(job.workspace), copy)
                done.set_result(job.run_elsewhere(copy))
        else:
            done.set_result(job.run(commands=lambda command, *rest: self._run(job.experiment_id, command, *rest)))
        return done

    def _run(self, experiment_id: int, command: str, *rest) -> RunResult:
        self.commands.append((experiment_id, command))
        return run_command(command, *rest)

    def close(self, cancel: bool = False) -> None:
        pass


SESSIONS: list[ElsewhereSession] = []


@chz.chz
class ElsewhereExecutor(Executor):
    """An executor that needs nothing but the public contract."""

    def start(self, ctx: ExecutorContext) -> ExecutorSession:
        SESSIONS.append(ElsewhereSession(ctx))
        return SESSIONS[-1]


class ElsewherePlugin:
    @hookimpl
    def tinkerer_register_executors(self, register):
        register("elsewhere", ElsewhereExecutor)

    @hookimpl
    def tinkerer_register_coding_agents(self, register):
        register("portable_scripted", PortableScriptedAgent)


@pytest.fixture
def elsewhere() -> Iterator[None]:
    with get_manager().registered(ElsewherePlugin(), "elsewhere"):
        yield
    SESSIONS.clear()


@pytest.mark.parametrize("agent", ["scripted", "portable_scripted"])
def test_an_executor_on_the_public_contract_gives_the_runs_and_history_local_workers_give(
    workdir: Path, scripted_agent: str, elsewhere: None, agent: str
) -> None:
    steps = ("print('SCORE: 1')", "open('out.txt', 'w').write('made by run 2'); print('SCORE: 2')")
    runs = {
        executor: Tinkerer().evolve(
            goal="print a good score",
            coding_agent=agent,
            coding_agent_params={"steps": steps},
            evaluator="regex_pattern",
            search_strategy="linear_search",
            executor=executor,
            max_iterations=2,
            run_dir=f"run-{executor}",
            llm_params=SCRIPTED_LLM,
        )
        for executor in ("local", "elsewhere")
    }
    local, remote = (RunStore(runs[name].run_dir).experiments() for name in ("local", "elsewhere"))
    assert [e.score for e in remote] == [e.score for e in local] == [1.0, 2.0]
    for near, far in zip(local, remote, strict=True):  # the same commits: messages, trees, diffs
        assert far.diff == near.diff
        assert git(runs["elsewhere"].run_dir / "repo", "log", "--format=%s", far.commit) == git(
            runs["local"].run_dir / "repo", "log", "--format=%s", near.commit
        )
    assert (runs["elsewhere"].path / "out.txt").read_text() == "made by run 2"  # what the best run left
    ran_by_the_session = SESSIONS[-1].commands
    assert ran_by_the_session == (
        [] if agent == "portable_scripted" else [(1, "python main.py"), (2, "python main.py")]
    )


# --- shipping ------------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "main.py").write_text("print('hi')\n")
    (root / "pkg" / "util.py").write_text("X = 1\n")
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "util.cpython-311.pyc").write_bytes(b"\0")
    (root / "data").mkdir()
    (root / "data" / "big.bin").write_bytes(b"\1" * 100)
    (root / ".git").write_text("gitdir: elsewhere\n")
    (root / "link.py").symlink_to("main.py")


def test_a_workspace_ships_without_git_data_and_bytecode(tmp_path: Path) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    make_tree(source)
    assert sorted(digests(source)) == ["link.py", "main.py", "pkg/util.py"]
    assert unpack(pack(source), copy) == []
    assert (copy / "pkg" / "util.py").read_text() == "X = 1\n"
    assert (copy / "link.py").is_symlink() and os.readlink(copy / "link.py") == "main.py"
    assert not (copy / "data").exists() and not (copy / ".git").exists()


def test_changes_come_back_new_changed_and_deleted(tmp_path: Path) -> None:
    remote, local = tmp_path / "remote", tmp_path / "local"
    make_tree(local)
    unpack(pack(local), remote)
    before = digests(remote)
    (remote / "main.py").write_text("print('changed')\n")
    (remote / "pkg" / "util.py").unlink()
    (remote / "out").mkdir()
    (remote / "out" / "result.json").write_text('{"score": 1}')
    (remote / "huge.bin").write_bytes(b"\2" * 5000)
    changes = changes_since(remote, before, max_bytes=1000)
    assert changes.deleted == ("pkg/util.py",)
    assert changes.left_behind == ("huge.bin",)
    assert apply_changes(local, changes) == []
    assert (local / "main.py").read_text() == "print('changed')\n"
    assert (local / "out" / "result.json").read_text() == '{"score": 1}'
    assert not (local / "pkg" / "util.py").exists() and not (local / "huge.bin").exists()
    assert (local / "data" / "big.bin").exists()  # data is never touched


def _archive(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, content in members:
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if content else None)
    return buffer.getvalue()


def test_changes_never_write_outside_the_workspace(tmp_path: Path) -> None:
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (outside / "victim.txt").write_text("safe")
    (workspace / "sneaky").symlink_to(outside / "victim.txt")  # a link the solution left in its worktree
    link = tarfile.TarInfo("escape")
    link.type, link.linkname = tarfile.SYMTYPE, str(outside)
    members = [
        (tarfile.TarInfo("../evil.txt"), b"x"),
        (tarfile.TarInfo(str(outside / "abs.txt")), b"x"),
        (link, b""),
        (tarfile.TarInfo("sneaky"), b"overwritten"),
    ]
    refused = apply_changes(workspace, Changes(archive=_archive(members), deleted=("../outside/victim.txt",)))
    assert {"../evil.txt", "escape", "../outside/victim.txt"} <= set(refused)
    assert not (tmp_path / "evil.txt").exists() and not (outside / "abs.txt").exists()
    assert (outside / "victim.txt").read_text() == "safe"  # neither written through the link nor deleted
    assert (workspace / "sneaky").read_text() == "overwritten" and not (workspace / "sneaky").is_symlink()


def test_recorded_commits_replay_as_the_same_git_history(tmp_path: Path) -> None:
    workspaces = Workspaces(tmp_path / "run")
    base = workspaces.create(None)
    local = workspaces.checkout(1, base)
    remote = tmp_path / "remote"
    unpack(pack(local), remote)
    recorder = RecordingWorkspaces(remote, tmp_path / "scratch")
    (remote / "main.py").write_text("print('first')\n")
    first = recorder.commit(remote, "attempt 1")
    (remote / "main.py").write_text("print('second')\n")
    (remote / "helper.py").write_text("Y = 2\n")
    second = recorder.commit(remote, "attempt 2")
    (remote / "output.txt").write_text("produced by the run")
    resolved = replay(workspaces, local, recorder.recorded())
    assert list(resolved) == [first, second]
    log = git(local, "log", "--format=%s", "-3").splitlines()
    assert log == ["attempt 2", "attempt 1", "base"]
    assert git(local, "show", f"{resolved[first]}:main.py") == "print('first')\n"
    assert git(local, "ls-tree", "--name-only", resolved[second]).split() == ["helper.py", "main.py"]
    assert (local / "output.txt").read_text() == "produced by the run"  # uncommitted, as after a local run
