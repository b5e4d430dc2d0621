"""Bad input at the command line and the Python API ends in an error that names what was wrong and what to do.

Each test calls the real command (``main([...])`` in-process, a few through ``.venv/bin/tinkerer`` in a
subprocess) and checks the exit code, the message, and that no traceback is printed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_core import get_manager, hookimpl
from tinkerer_core.cli import DEBUG_ENV, main

from .conftest import needs_defaults

TINKERER = Path(sys.executable).with_name("tinkerer")
OFFLINE_CONFIG = Path(__file__).parent / "fixtures" / "configs" / "offline.py"


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``tinkerer ARGV`` in-process: exit code, stdout, stderr; never a traceback."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, out + err
    return code, out, err


def run_tinkerer(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``tinkerer`` program in a subprocess."""
    return subprocess.run(
        [str(TINKERER), *argv],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- 1. run stores that are not a run's ------------------------------------------------------


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _corrupt(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
    db.execute("INSERT INTO photos (caption) VALUES ('a cat')")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_empty, "is empty (0 bytes)"),
        (_corrupt, "is not an SQLite database"),
        (_foreign, "holds another program's tables (photos)"),
    ],
    ids=["empty", "corrupt", "foreign"],
)
def test_resume_names_a_store_that_is_not_a_run_store_and_leaves_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, says: str
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    store = run_dir / "run.sqlite"
    make(store)
    before = store.read_bytes()

    code, _, err = run_main(capsys, "resume", str(run_dir))

    assert code == 2
    assert err.startswith(f"error: run store {store} {says}")
    assert "move it away" in err
    assert store.read_bytes() == before  # never written to: it may be someone's data
    assert sorted(path.name for path in run_dir.iterdir()) == ["run.sqlite"]  # no lock, no -wal left behind


def test_runs_lists_the_runs_and_skips_a_foreign_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "evolve", str(OFFLINE_CONFIG), f"run_dir={tmp_path / 'runs' / 'good'}", "--quiet")
    assert code == 0, err
    foreign = tmp_path / "runs" / "photos" / "run.sqlite"
    foreign.parent.mkdir()
    _foreign(foreign)
    before = foreign.read_bytes()

    code, out, err = run_main(capsys, "runs", "--root", str(tmp_path / "runs"))

    assert code == 0
    assert "good" in out and "photos" not in out
    assert f"skipped: run store {foreign} holds another program's tables (photos)" in err
    assert foreign.read_bytes() == before


def test_resume_of_a_folder_that_is_not_a_run_says_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(capsys, "resume", str(tmp_path))
    assert code == 2
    assert (
        err
        == f"error: {tmp_path} holds no run (no run.sqlite): start one with `tinkerer evolve`; `tinkerer runs` lists the runs\n"
    )
    assert list(tmp_path.iterdir()) == []

    missing = tmp_path / "nowhere"
    code, _, err = run_main(capsys, "resume", str(missing))
    assert code == 2
    assert (
        err
        == f"error: run directory {missing} does not exist: give a run's directory; `tinkerer runs` lists the runs\n"
    )
    assert not missing.exists()

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    code, _, err = run_main(capsys, "resume", str(a_file))
    assert code == 2
    assert err == f"error: run directory {a_file} is a file: give a run's directory; `tinkerer runs` lists the runs\n"


def test_evolve_into_a_run_dir_that_is_a_file_or_under_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    code, _, err = run_main(capsys, "evolve", str(OFFLINE_CONFIG), f"run_dir={a_file}", "--quiet")
    assert code == 2
    assert err == f"error: run_dir {str(a_file)!r} is a file; give a directory (new or a run's)\n"

    code, _, err = run_main(capsys, "evolve", str(OFFLINE_CONFIG), f"run_dir={a_file}/run", "--quiet")
    assert code == 2
    assert err.startswith(f"error: run_dir {str(a_file / 'run')!r} cannot be created (")
    assert err.endswith("): give a directory that can be created, or an existing one\n")
    assert a_file.read_text() == "mine"


# --- 3. ports -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-experiment run (the offline config: no plugin, no LLM)."""
    run_dir = tmp_path_factory.mktemp("finished") / "run"
    assert main(["evolve", str(OFFLINE_CONFIG), f"run_dir={run_dir}", "--quiet"]) == 0
    return run_dir


def port_commands(run_dir: Path) -> list[list[str]]:
    """Every installed command that takes a port."""
    return [["ui", str(run_dir)], ["tinker-local", "serve"], ["local-llm", "serve"]]


@pytest.mark.needs("reports", "tinker-local", "local_llm")
@pytest.mark.parametrize("value", ["99999", "65536", "-1", "http"])
def test_every_port_option_refuses_a_value_outside_1_to_65535_before_anything_binds(
    finished_run: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    for command in port_commands(finished_run):
        with pytest.raises(SystemExit) as exited:
            main([*command, f"--port={value}"])
        err = capsys.readouterr().err
        assert exited.value.code == 2, command
        assert "Traceback" not in err
        allowed = "is out of range: give 1-65535, or 0 to pick a free one"
        expected = (
            f"argument --port: port {value} {allowed}" if value != "http" else "port 'http' is not a whole number"
        )
        assert expected in err, err


@pytest.mark.needs("reports", "tinker-local", "local_llm")
def test_a_port_in_use_is_named_before_the_server_starts(
    finished_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in port_commands(finished_run):
            code, _, err = run_main(capsys, *command, "--port", str(port))
            assert code == 2, command
            assert err == (
                f"error: address 127.0.0.1:{port} is in use by another program: choose another --port, "
                "or 0 to pick a free one\n"
            )


# --- 5. unknown options and commands, a missing --root ----------------------------------------


def test_unknown_options_and_commands_exit_2(tmp_path: Path) -> None:
    unknown_option = run_tinkerer("--nope", cwd=tmp_path)
    assert unknown_option.returncode == 2
    assert unknown_option.stderr.endswith("tinkerer: error: unrecognized arguments: --nope\n")
    unknown_command = run_tinkerer("nope", cwd=tmp_path)
    assert unknown_command.returncode == 2
    assert "tinkerer: error: argument COMMAND: invalid choice: 'nope' (choose from " in unknown_command.stderr
    for completed in (unknown_option, unknown_command):
        assert "Traceback" not in completed.stderr and completed.stdout == ""


def test_runs_under_a_root_that_does_not_exist_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing"
    for extra in ((), ("--json",)):
        code, out, err = run_main(capsys, "runs", "--root", str(missing), *extra)
        assert (code, out) == (2, "")
        assert err == f"error: --root {missing} does not exist: give the folder that holds your runs (default: runs)\n"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    code, _, err = run_main(capsys, "runs", "--root", str(a_file))
    assert code == 2
    assert err == f"error: --root {a_file} is a file: give the folder that holds your runs (default: runs)\n"


def test_runs_without_any_run_yet_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./runs yet: a new user's first `tinkerer runs`
    assert run_main(capsys, "runs") == (0, "no runs under runs\n", "")


# --- 6. TINKERER_PLUGINS naming a plugin that is not installed --------------------------------


def test_an_allow_list_naming_a_plugin_that_is_not_installed_is_refused(tmp_path: Path) -> None:
    from importlib.metadata import entry_points

    installed = sorted({entry_point.name for entry_point in entry_points(group="tinkerer")})
    assert "evaluators" in installed
    completed = run_tinkerer("list", "evaluators", cwd=tmp_path, env={"TINKERER_PLUGINS": "evaluatrs, search"})
    assert completed.returncode == 2
    assert completed.stderr == (
        f"error: TINKERER_PLUGINS names 'evaluatrs', which is not installed: give entry-point or distribution names "
        f"of installed plugins ({', '.join(installed)}); did you mean 'evaluators'?\n"
    )
    assert completed.stdout == ""

    by_distribution = run_tinkerer(
        "list", "evaluators", cwd=tmp_path, env={"TINKERER_PLUGINS": "tinkerer-plugin-evaluators"}
    )
    assert by_distribution.returncode == 0, by_distribution.stderr
    assert "regex_pattern" in by_distribution.stdout


def test_the_core_alone_names_every_missing_default_and_what_to_install(tmp_path: Path) -> None:
    alone = {"TINKERER_PLUGINS": "tinkerer-core"}
    completed = run_tinkerer("evolve", "goal=say hello", "--dry-run", cwd=tmp_path, env=alone)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr == (
        "error: defaults that are not installed: evaluator 'no_score' (pip install tinkerer-plugin-evaluators); "
        "stop condition 'never' (pip install tinkerer-plugin-stop-conditions); search strategy 'linear_search' "
        "(pip install tinkerer-plugin-search); coding agent 'llm_edit' (pip install tinkerer-plugin-litellm). "
        "Install them (pip install tinkerer-plugin-evaluators tinkerer-plugin-stop-conditions tinkerer-plugin-search "
        "tinkerer-plugin-litellm), or set each field to an installed component (`tinkerer plugins` lists them)\n"
    )
    partly = run_tinkerer(
        "evolve", "goal=x", "--dry-run", cwd=tmp_path, env={"TINKERER_PLUGINS": "tinkerer-core,search"}
    )
    assert "search strategy" not in partly.stderr and "pip install tinkerer-plugin-evaluators" in partly.stderr
    trainer = run_tinkerer("train", "--dry-run", cwd=tmp_path, env=alone)
    assert trainer.returncode == 2 and "pip install tinkerer-plugin-tinker" in trainer.stderr


def test_the_python_api_refuses_the_same_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from tinkerer_core import ConfigError
    from tinkerer_core.plugins import PluginManager

    monkeypatch.setenv("TINKERER_PLUGINS", "no-such-plugin")
    with pytest.raises(ConfigError, match=r"^TINKERER_PLUGINS names 'no-such-plugin', which is not installed: "):
        PluginManager()


# --- 7. learning from nothing -----------------------------------------------------------------

EMPTY_SOURCE = "an empty source: give a repo directory or URL, a file, or a .pdf (`.` for the current folder)"


@pytest.mark.parametrize("text", ["", "  "])
def test_learn_from_an_empty_source_is_refused(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("# notes\n")
    code, out, err = run_main(capsys, "learn", text, "--skip-merge")
    assert (code, out) == (2, "")
    assert err == f"error: cannot learn from {text!r}, {EMPTY_SOURCE}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.md"]  # nothing learned, nothing written


def test_the_api_refuses_empty_sources_and_no_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinkerer_core import ConfigError, Source, Tinkerer

    monkeypatch.chdir(tmp_path)
    for source in ("", Source.Repo(""), Source.File(" "), Source.Paper("")):
        with pytest.raises(ConfigError, match=r"^cannot learn from .*, an empty source: give a repo directory"):
            Tinkerer().learn(source, skip_merge=True)
    with pytest.raises(ConfigError, match=r"^learn needs at least one source: "):
        Tinkerer().learn(skip_merge=True)
    assert list(tmp_path.iterdir()) == []


# --- 9. the Python API: parameters that are not a dict ----------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("evaluator_params", ["pattern", "x"]),
        ("stop_condition_params", 3),
        ("search_strategy_params", ("a", 1)),
        ("coding_agent_params", "steps=1"),
        ("executor_params", {1, 2}),
        ("llm_params", "openai/gpt-4o-mini"),
    ],
)
def test_evolve_params_that_are_not_a_dict_are_named(
    keyword: str, value: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tinkerer_core import ConfigError, Tinkerer

    monkeypatch.chdir(tmp_path)
    for call in (Tinkerer().evolve, Tinkerer().evolve_config):
        with pytest.raises(ConfigError) as refused:
            call("g", **{keyword: value})
        assert str(refused.value) == (
            f"{keyword} must be a dict of field: value (e.g. {{'name': ...}}), got {type(value).__name__} {value!r}"
        )
    assert list(tmp_path.iterdir()) == []  # nothing started


def test_deploy_learn_research_and_index_params_that_are_not_a_dict_are_named(tmp_path: Path) -> None:
    from tinkerer_core import ConfigError, Tinkerer

    (tmp_path / "main.py").write_text("def predict(inputs):\n    return 1\n")
    calls = {
        "deployer_params": lambda: Tinkerer().deploy(tmp_path, "local", deployer_params=[("port", 8000)]),
        "backend_params": lambda: Tinkerer().learn(tmp_path / "main.py", backend_params="path=x"),
        "llm_params": lambda: Tinkerer().research("q", llm_params=["model"]),
    }
    for keyword, call in calls.items():
        with pytest.raises(ConfigError, match=rf"^{keyword} must be a dict of field: value \(e\.g\. "):
            call()
    with pytest.raises(ConfigError, match=r"^backend_params must be a dict of field: value"):
        Tinkerer().index_kg(wiki_dir=str(tmp_path), backend_params=7)


@needs_defaults
def test_evolve_config_is_what_evolve_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinkerer_core import EvolveConfig, Tinkerer

    monkeypatch.chdir(tmp_path)
    config = Tinkerer().evolve_config(
        "print a score",
        evaluator="regex_pattern",
        evaluator_params={"pattern": "SCORE: (\\d+)"},
        stop_condition="threshold",
        stop_condition_params={"threshold": 0.5},
        max_iterations=3,
        llm_params={"model": "openai/gpt-4o-mini"},
        run_dir="runs/one",
    )
    assert isinstance(config, EvolveConfig)
    assert (config.goal, config.max_iterations, config.run_dir) == ("print a score", 3, "runs/one")
    assert config.evaluator.pattern == "SCORE: (\\d+)"
    assert config.stop_condition.threshold == 0.5
    assert config.llm.model == "openai/gpt-4o-mini"
    assert list(tmp_path.iterdir()) == []  # building a config starts nothing


# --- 10. a traceback only with --debug or TINKERER_DEBUG=1 ------------------------------------

BUG_HINT = (
    "this is a bug in Tinkerer or one of its plugins: run again with --debug (or TINKERER_DEBUG=1) to see the "
    "traceback, and report it\n"
)


class FailingCommand:
    """A plugin whose command fails with an exception nobody anticipated."""

    @hookimpl
    def tinkerer_register_commands(self, subparsers) -> None:
        command = subparsers.add_parser("divide", help="divide one by a number")
        command.add_argument("by", type=int)
        command.set_defaults(handler=lambda args: print(1 / args.by))


@pytest.fixture
def failing_command() -> Iterator[None]:
    with get_manager().registered(FailingCommand(), "failing-command"):
        yield


def test_an_unexpected_exception_is_one_line_and_a_hint(
    failing_command: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    assert run_main(capsys, "divide", "4") == (0, "0.25\n", "")
    code, out, err = run_main(capsys, "divide", "0")
    assert (code, out) == (1, "")
    assert err == "error: ZeroDivisionError: division by zero\n" + BUG_HINT


@pytest.mark.parametrize("switch", ["--debug before", "--debug after", "TINKERER_DEBUG=1"])
def test_debug_prints_the_traceback(
    switch: str, failing_command: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    argv = ["divide", "0"]
    if switch == "--debug before":
        argv = ["--debug", *argv]
    elif switch == "--debug after":
        argv = [*argv, "--debug"]
    else:
        monkeypatch.setenv(DEBUG_ENV, "1")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n")
    assert err.endswith("ZeroDivisionError: division by zero\n")
    assert BUG_HINT not in err


def test_errors_users_can_fix_stay_exit_2_and_debug_adds_their_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    missing = tmp_path / "nowhere"
    expected = (
        f"error: run directory {missing} does not exist: give a run's directory; `tinkerer runs` lists the runs\n"
    )
    assert run_main(capsys, "resume", str(missing)) == (2, "", expected)
    assert main(["--debug", "resume", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n") and err.endswith(expected)


@needs_defaults
def test_the_real_program_hides_the_traceback_of_a_failing_config(tmp_path: Path) -> None:
    """A search strategy that raises inside a run started by the real program: one line, exit 1."""
    config = tmp_path / "config.py"
    config.write_text(FAILING_SEARCH_CONFIG)
    env = {DEBUG_ENV: ""}
    done = run_tinkerer("evolve", str(config), f"run_dir={tmp_path / 'run'}", "--quiet", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.endswith("error: KeyError: 'ideas'\n" + BUG_HINT)
    assert "Traceback" not in done.stderr
    debugged = run_tinkerer("--debug", "resume", str(tmp_path / "run"), "--quiet", cwd=tmp_path, env=env)
    assert debugged.returncode == 1
    assert "Traceback (most recent call last):" in debugged.stderr and "in propose" in debugged.stderr


FAILING_SEARCH_CONFIG = """
import chz

from tinkerer_core.components import SearchStrategy
from tinkerer_core.evolve_config import EvolveConfig
from tinkerer_core.hookspecs import hookimpl
from tinkerer_core.plugins import get_manager


@chz.chz
class Broken(SearchStrategy):
    def propose(self, state, count):
        return {}["ideas"]


class BrokenPlugin:
    @hookimpl
    def tinkerer_register_search_strategies(self, register):
        register("broken", Broken)


get_manager().register(BrokenPlugin(), "broken-search")
config = EvolveConfig(goal="anything", search_strategy=Broken(), max_iterations=1)
"""


# --- 11. --dry-run: the whole config built and shown, nothing started -------------------------

TRAIN_GRPO = Path(__file__).parents[1] / "examples" / "train_grpo.py"


def test_evolve_dry_run_shows_the_resolved_config_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "runs" / "dry"
    argv = [
        "evolve",
        str(OFFLINE_CONFIG),
        f"run_dir={run_dir}",
        "max_iterations=7",
        "llm.model=openai/gpt-4o-mini",
        "llm.mock_responses=first reply,second reply",
        "--dry-run",
    ]
    code, out, err = run_main(capsys, *argv)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"dry run: the config is valid; nothing was started (the run would go to {run_dir})"
    assert "goal = 'print a growing score'" in lines
    assert "max_iterations = 7" in lines
    assert "direction = maximize" in lines
    assert "evaluator = score_line" in lines and "search_strategy = drafts" in lines and "executor = local" in lines
    assert "llm.model = 'openai/gpt-4o-mini'" in lines
    assert "llm.mock_responses = ('first reply', 'second reply')" in lines
    assert list(tmp_path.iterdir()) == []  # no run directory, no runs/


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("max_iterations=0", "error: max_iterations must be at least 1, got 0"),
        ("evaluator.nope=1", "error: Extraneous argument 'evaluator.nope'"),
        # found by the generated cases (test_bad_input_generated.py): each was a traceback or slipped through
        ("max_iterations=" + "9" * 400, "error: max_iterations must be a number from -9223372036854775807 to "),
        ("memory_mb=99999999999", "error: memory_mb must be from 1 to 1e+09, got 99999999999"),
        ("output_path=" + "x" * 300, "error: output_path must be a path (not empty, no NUL byte, each name at most"),
        ("starting_repo=/no/such/folder", "error: starting_repo '/no/such/folder' is not a directory"),
        ("data_dir=/no/such/folder", "error: data_dir '/no/such/folder' is not a directory"),
        ("llm.ensemble=:score", "error: llm.ensemble=':score' was refused: Empty module name"),
    ],
    ids=["zero", "unknown-field", "past-64-bits", "memory", "long-name", "no-repo", "no-data", "chz-failure"],
)
def test_evolve_dry_run_reports_bad_values(
    override: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "evolve", str(OFFLINE_CONFIG), override, "--dry-run")
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path: Path) -> None:
    """``tinkerer list evaluators | head -1``: the pipe closes under the command, which stops as cat would."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write fails with EPIPE
    try:
        completed = subprocess.run(
            [str(TINKERER), "list", "evaluators"], cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write_end)
    assert (completed.returncode, completed.stderr) == (128 + signal.SIGPIPE, "")


def test_a_risky_value_is_one_warning_line_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "evolve", str(OFFLINE_CONFIG), "llm.temperature=50", "--dry-run")
    assert code == 0 and out.startswith("dry run: the config is valid")
    assert err == "warning: temperature=50.0: above 2: providers accept 0 to 2 (some only 0 to 1)\n"


def test_evolve_dry_run_makes_the_checks_a_start_makes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    assert main(["evolve", str(OFFLINE_CONFIG), f"run_dir={run_dir}", "--quiet"]) == 0
    capsys.readouterr()
    code, out, err = run_main(capsys, "evolve", str(OFFLINE_CONFIG), f"run_dir={run_dir}", "--dry-run")
    assert (code, out) == (2, "")
    assert err == f"error: {run_dir} already holds a run: resume it with `tinkerer resume {run_dir}`\n"


@pytest.mark.needs("tinker")
def test_train_dry_run_shows_the_trainer_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(
        capsys, "train", str(TRAIN_GRPO), "trainer.steps=3", f"run_dir={tmp_path / 'rl'}", "--dry-run"
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"dry run: the config is valid; nothing was started (the run would go to {tmp_path / 'rl'})"
    assert "trainer = tinker_grpo" in lines and "trainer.steps = 3" in lines
    assert list(tmp_path.iterdir()) == []

    code, out, err = run_main(capsys, "train", str(TRAIN_GRPO), "trainer.steps=-3", "--dry-run")
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and "trainer.steps" in err


# --- 12. docs/hooks.md says where every type it mentions is imported from ----------------------

HOOKS_MD = Path(__file__).parents[1] / "docs" / "hooks.md"
NOT_OURS = {"None", "ExceptionType", "Future", "Namespace", "Tinkerer"}  # Python's, a placeholder, the API


def test_the_hook_reference_imports_every_type_it_mentions() -> None:
    import re

    text = HOOKS_MD.read_text()
    block = text.split("## Where the types come from", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    imported: dict[str, object] = {}
    exec(block, imported)  # the block as a reader copies it
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    mentioned = {
        word for span in re.findall(r"`([^`]+)`", prose) for word in re.findall(r"\b[A-Z][a-z]+[A-Za-z]*\b", span)
    }
    assert {"RunState", "StopDecision", "EvolveConfig"} <= mentioned
    assert sorted(mentioned - NOT_OURS - set(imported)) == []


# --- plugin commands: durations and folders they write to -------------------------------------


@pytest.mark.needs("tinker", "tinker-local", "knowledge-sqlite")
def test_plugin_commands_refuse_bad_durations_and_unwritable_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for value in ("-1", "nan", "inf"):
        with pytest.raises(SystemExit) as exited:
            main(["mcp", "serve", "--lock-timeout", value])
        assert exited.value.code == 2
        assert f"argument --lock-timeout: seconds {value} is out of range: give a finite number, 0 or more" in (
            capsys.readouterr().err
        )
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    for argv, option, folder in (
        (["tinker-local", "serve", "--port", "0", "--data-dir", str(blocker / "data")], "--data-dir", blocker / "data"),
        (["knowledge", "build-embedder", "--output", str(blocker / "model")], "--output", blocker),  # written beside
        (["mcp", "serve", "--log-dir", str(blocker / "logs")], "--log-dir", blocker / "logs"),
    ):
        code, out, err = run_main(capsys, *argv)
        assert (code, out) == (2, "")
        why = "is a file, not a folder" if folder == blocker else "cannot be written (Not a directory)"
        assert err == f"error: {option} {folder} {why}: give a folder you can write to\n"
    assert blocker.read_text() == "mine"
