"""The ``tinkerer`` command.

``tinkerer evolve CONFIG key=value ...`` runs a config file with chz overrides; ``tinkerer plugins``
and ``tinkerer list KIND`` show what is installed; plugins add subcommands through
``tinkerer_register_commands``. Errors a user can fix are printed without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkerer_core import __version__
from tinkerer_core.errors import ConfigError, MissingPluginError, TinkererError
from tinkerer_core.formatting import format_cost
from tinkerer_core.kinds import KINDS, kind_named
from tinkerer_core.plugins import get_manager
from tinkerer_core.types import DeployStrategy
from tinkerer_core.validation import ConfigWarning

if TYPE_CHECKING:  # the engine is imported by the commands that run one: `tinkerer plugins` stays fast
    from tinkerer_core.engine.run import EvolveRun

DEBUG_ENV = "TINKERER_DEBUG"  # set (not 0): tracebacks are printed, as with --debug
DEFAULT_RUNS_ROOT = "runs"
OLD_LIST_FLAGS = {"--list-agents": "coding_agents", "--list-stops": "stop_conditions"}  # the seed's, read with a hint


# --- plugins and components ------------------------------------------------------------------


def cmd_plugins(args: argparse.Namespace) -> int:
    manager = get_manager()
    manager.registry  # noqa: B018 - collect registrations so each plugin lists its components
    infos = sorted(manager.infos.values(), key=lambda info: info.name)
    if args.json:
        print(json.dumps([info.as_dict() for info in infos], indent=2))
        return 0
    if not infos:
        print("no plugins installed")
    for info in infos:
        version = f" {info.version}" if info.version else ""
        print(f"{info.name}{version} [{info.status}]" + (f" {info.distribution}" if info.distribution else ""))
        for kind, names in sorted(info.components.items()):
            print(f"  {kind}: {', '.join(names)}")
        if info.error:
            print(f"  error: {info.error}")
    for conflict in manager.conflicts:
        print(f"conflict: {conflict}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    kind = kind_named(args.kind)
    registrations = get_manager().registry[kind.name]
    if args.json:
        print(
            json.dumps(
                [{"name": r.name, "plugin": r.plugin, "doc": _doc(r.cls)} for r in registrations.values()], indent=2
            )
        )
        return 0
    if not registrations:
        print(f"no {kind.plural.replace('_', ' ')} installed")
    for name in sorted(registrations):
        registration = registrations[name]
        print(f"{name:24} {_doc(registration.cls)}  ({registration.plugin})")
    return 0


def _doc(cls: type) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def cmd_pip(args: argparse.Namespace) -> int:
    action = ["install"] if args.command == "install" else ["uninstall", "--yes"]
    return subprocess.call([sys.executable, "-m", "pip", *action, *args.packages])


# --- runs ------------------------------------------------------------------------------------


def _load_config(cls: type, target: str | None, overrides: Sequence[str]) -> Any:
    """``cls`` built from a config file's values and ``a.b=c`` overrides."""
    from tinkerer_core.api import config_file_values
    from tinkerer_core.config import make_config

    return make_config(cls, [config_file_values(target, cls)] if target is not None else [], overrides)


def _config_and_overrides(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """The config file and overrides; a first argument like ``a=b`` is an override, not a file."""
    target, overrides = args.config, list(args.overrides)
    if target is not None and ("=" in target or target.startswith("-")):
        target, overrides = None, [target, *overrides]
    return target, overrides


def cmd_evolve(args: argparse.Namespace) -> int:
    from tinkerer_core.engine.run import EvolveRun
    from tinkerer_core.evolve_config import EvolveConfig

    target, overrides = _config_and_overrides(args)
    config, config_file = _load_config(EvolveConfig, target, overrides), target
    if args.dry_run:
        return _dry_run(config, EvolveRun.check_start(config))
    run = EvolveRun.start(config, config_file)
    _quiet_progress(args.quiet)
    return _run_to_the_end(run)


def cmd_resume(args: argparse.Namespace) -> int:
    from tinkerer_core.engine.run import EvolveRun

    _quiet_progress(args.quiet)
    return _run_to_the_end(EvolveRun.resume(Path(args.run_dir)))


def _dry_run(config: Any, run_dir: Path | None) -> int:
    """Print a built config's every field (components by their registered names), start nothing."""
    import enum

    import chz

    names = {
        registration.cls: registration.name
        for kind in get_manager().registry.values()
        for registration in kind.values()
    }
    where = f" (the run would go to {run_dir})" if run_dir else ""
    print(f"dry run: the config is valid; nothing was started{where}")
    for field, value in chz.beta_to_blueprint_values(config).items():
        if isinstance(value, type):
            shown = names.get(value) or f"{value.__module__}.{value.__qualname__}"
        elif isinstance(value, enum.Enum):
            shown = str(value.value)
        else:
            shown = repr(value)
        print(f"{field} = {shown}")
    return 0


def _run_to_the_end(run: EvolveRun) -> int:
    """Run, report; when Ctrl-C, SIGTERM or SIGHUP stops it, say how to resume and exit 128 + the signal."""
    from tinkerer_core.processes import Interrupted

    try:
        solution = run.run()
    except KeyboardInterrupt as interrupt:
        print(f"interrupted: resume with `tinkerer resume {run.run_dir}`", file=sys.stderr)
        return 128 + (interrupt.signal_number if isinstance(interrupt, Interrupted) else signal.SIGINT)
    return _report(solution)


def _quiet_progress(quiet: bool) -> None:
    """``--quiet`` turns progress displays off (they read ``TINKERER_QUIET``)."""
    if quiet:
        os.environ["TINKERER_QUIET"] = "1"


def _report(solution: Any) -> int:
    if solution.experiment_id is None:
        print(f"nothing scored: no experiment ran cleanly to a score ({_failure_causes(solution.run_dir)})")
    else:
        score = "none" if solution.score is None else f"{solution.score:.6g}"
        print(f"best score: {score} ({solution.direction.value}) from experiment {solution.experiment_id}")
    print(f"experiments: {solution.iterations}; stopped: {solution.stop_reason}")
    print(f"solution: {solution.path}" if solution.experiment_id is not None else "solution: none was exported")
    print(f"run directory: {solution.run_dir}")
    return 0


def _failure_causes(run_dir: Path) -> str:
    """``failures: no_score 3, crash 2`` from a run's store."""
    from tinkerer_core.store import RunStore

    store = RunStore(run_dir)
    try:
        counts = store.failure_counts()
    finally:
        store.close()
    return (
        "failures: " + ", ".join(f"{cause} {count}" for cause, count in counts.items())
        if counts
        else "no failure recorded"
    )


def cmd_runs(args: argparse.Namespace) -> int:
    from tinkerer_core.store import STORE_FILE, NotARunStoreError, RunStore

    root = Path(args.root or DEFAULT_RUNS_ROOT)
    if args.root is not None and not root.is_dir():
        state = "is a file" if root.exists() else "does not exist"
        raise ConfigError(f"--root {root} {state}: give the folder that holds your runs (default: {DEFAULT_RUNS_ROOT})")
    rows = []
    for path in sorted(root.glob(f"**/{STORE_FILE}")) if root.is_dir() else []:
        try:
            store = RunStore(path.parent)
        except NotARunStoreError as error:
            print(f"skipped: {error}", file=sys.stderr)
            continue
        try:
            rows.append(store.summary())
        finally:
            store.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no runs under {root}")
    for row in rows:
        best = "-" if row["best_score"] is None else f"{row['best_score']:.6g}"
        print(
            f"{row['run_dir']}  {row['status']:<11} best={best:<10} experiments={row['experiments']:<4} cost={format_cost(row['cost'])}"
        )
    return 0


def cmd_learn(args: argparse.Namespace) -> int:
    from tinkerer_core.api import Tinkerer, check_sources

    check_sources(tuple(args.sources))  # before a blank one reads as the current folder

    result = Tinkerer(kg_index=args.kg_index).learn(
        *(_source(text) for text in args.sources), wiki_dir=args.wiki_dir, skip_merge=args.skip_merge
    )
    print(f"{result.total_pages_extracted} pages written under {args.wiki_dir}; {result.merged} merged")
    return 0


def _source(text: str) -> Any:
    from tinkerer_core.types import Source

    path = Path(text).expanduser()
    if (
        path.is_dir()
        or text.endswith(".git")
        or (text.startswith(("http://", "https://", "git@")) and not text.endswith(".pdf"))
    ):
        return Source.Repo(text)
    if text.endswith(".pdf"):
        return Source.Paper(text)
    if path.is_file():
        return Source.File(text)
    raise ConfigError(f"cannot learn from {text!r}: give a repo directory or URL, a file, or a .pdf")


def cmd_research(args: argparse.Namespace) -> int:
    from tinkerer_core.api import Tinkerer

    llm_params = {"model": args.model} if args.model else None
    params = dict(_key_value(item, "provider parameter", "read_pages=5") for item in args.params)
    research = Tinkerer(kg_index=args.kg_index).research(
        args.query, args.mode, args.depth, llm_params, provider=args.provider, provider_params=params
    )
    print(research.report_markdown)
    if args.kg_index:
        print(f"added to the knowledge index {args.kg_index}", file=sys.stderr)
    return 0


def cmd_index_kg(args: argparse.Namespace) -> int:
    from tinkerer_core.api import Tinkerer

    path = Tinkerer().index_kg(args.wiki_dir, args.data_path, args.save_to, args.search_type, args.force)
    print(path)
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from tinkerer_core.api import Tinkerer
    from tinkerer_core.deploy import PACKAGES
    from tinkerer_core.processes import interrupted_by_signals

    if not get_manager().names("deployer"):
        return _missing("deployer", PACKAGES["local"])(args)
    inputs = [_json_object(text) for text in args.input]
    params = dict(_key_value(item) for item in args.params)
    tinkerer = Tinkerer()
    plan = tinkerer.plan_deploy(args.solution, args.strategy)
    print(f"deploying with {plan}", file=sys.stderr)
    try:
        with (
            interrupted_by_signals(),
            tinkerer.deploy(args.solution, plan.deployer, deployer_params=params) as software,
        ):
            return _serve_deployment(software, inputs, args.solution)
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM or SIGHUP: the with-block has stopped the deployment
        print(f"{stop or 'stopped by Ctrl-C'}: the deployment is stopped", file=sys.stderr)
        return 0


def _serve_deployment(software: Any, inputs: list[dict[str, Any]], solution: str) -> int:
    """Call ``software`` with each of ``inputs`` and return; without inputs, serve until it stops answering."""
    if inputs:
        for item in inputs:
            print(json.dumps(software.run(item), default=str))
        return 0
    print(f"serving {getattr(software, 'url', '') or solution}; Ctrl-C stops it", file=sys.stderr)
    while software.is_healthy():
        time.sleep(1.0)
    print(f"the deployment stopped answering; its logs:\n{software.logs()[-2000:]}", file=sys.stderr)
    return 1


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"--input {text!r} is not JSON ({error}); pass an object like '{{\"x\": 3}}'") from None
    if not isinstance(value, dict):
        raise ConfigError(f"--input must be a JSON object like '{{\"x\": 3}}', got {type(value).__name__}")
    return value


def _key_value(item: str, what: str = "deployer parameter", example: str = "port=8000") -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise ConfigError(f"{what} {item!r} should look like key=value (e.g. {example})")
    return key, value


def cmd_train(args: argparse.Namespace) -> int:
    from tinkerer_core.training import TrainConfig

    if not get_manager().names("trainer"):
        raise MissingPluginError(
            "`tinkerer train` needs a trainer plugin; install one: pip install tinkerer-plugin-tinker"
        )
    config = _load_config(TrainConfig, *_config_and_overrides(args))
    if args.dry_run:
        return _dry_run(config, Path(config.run_dir).resolve() if config.run_dir else None)
    _quiet_progress(args.quiet)
    result = config.run()
    for checkpoint in result.checkpoints:
        print(f"checkpoint {checkpoint.name} (step {checkpoint.step}): {checkpoint.uri}")
    for name, value in sorted(result.metrics.items()):
        print(f"{name}: {value:.6g}")
    print(f"run directory: {result.run_dir}")
    return 0


def _missing(kind: str, package: str) -> Any:
    def handler(args: argparse.Namespace) -> int:
        raise MissingPluginError(f"`tinkerer {args.command}` needs a {kind} plugin; install one: pip install {package}")

    return handler


# --- the parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinkerer", description="AI that learns, experiments, builds, ships and trains."
    )
    parser.add_argument("--version", action="version", version=f"tinkerer {__version__}")
    parser.add_argument(  # read by main() wherever it is written; listed here for --help
        "--debug", action="store_true", help=f"print the traceback of an error (also {DEBUG_ENV}=1)"
    )
    for kind in KINDS.values():
        parser.add_argument(
            _list_flag(kind.plural), action="store_true", help=f"list installed {kind.plural.replace('_', ' ')}"
        )
    for flag in OLD_LIST_FLAGS:
        parser.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    plugins = sub.add_parser("plugins", help="list installed plugins, their components and load errors")
    plugins.add_argument("--json", action="store_true")
    plugins.set_defaults(handler=cmd_plugins)

    listing = sub.add_parser("list", help="list installed components of a kind")
    listing.add_argument("kind", help=", ".join(kind.plural for kind in KINDS.values()))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)

    for name, verb in (("install", "install"), ("uninstall", "uninstall")):
        pip = sub.add_parser(name, help=f"{verb} plugins with pip into this environment")
        pip.add_argument("packages", nargs="+")
        pip.set_defaults(handler=cmd_pip)

    evolve = sub.add_parser(
        "evolve",
        help="run experiments toward a goal",
        description="CONFIG is a Python file defining `config`; key=value pairs override fields "
        "(evaluator=regex_pattern evaluator.pattern='...'). Add --help after the overrides to see every field.",
        add_help=False,
    )
    evolve.add_argument("config", nargs="?")
    evolve.add_argument("overrides", nargs=argparse.REMAINDER)
    evolve.add_argument("--quiet", action="store_true")
    evolve.add_argument("--dry-run", action="store_true", help="build and check the config, print it, start nothing")
    evolve.set_defaults(handler=cmd_evolve)

    resume = sub.add_parser("resume", help="continue a killed or interrupted run")
    resume.add_argument("run_dir")
    resume.add_argument("--quiet", action="store_true")
    resume.set_defaults(handler=cmd_resume)

    runs = sub.add_parser("runs", help="list runs with status, best score and cost")
    runs.add_argument("--root", help=f"the folder that holds the runs (default: {DEFAULT_RUNS_ROOT})")
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(handler=cmd_runs)

    learn = sub.add_parser("learn", help="learn wiki pages from repos, files and papers")
    learn.add_argument("sources", nargs="+", metavar="SOURCE", help="a repo directory or URL, a file, a .pdf")
    learn.add_argument("--wiki-dir", default="data/wikis")
    learn.add_argument("--kg-index", help="merge into this index's backend (default: kg_sqlite)")
    learn.add_argument("--skip-merge", action="store_true", help="only write the wiki pages")
    learn.set_defaults(handler=cmd_learn)

    research = sub.add_parser(
        "research",
        help="research a topic on the web into a Markdown report that cites its sources",
        description="key=value pairs set fields of the web search provider (read_pages=5 timeout_s=20).",
    )
    research.add_argument("query")
    research.add_argument("params", nargs="*", metavar="key=value")
    research.add_argument(
        "--provider",
        help="the web search provider (tinkerer list web_search_providers; 'none': no web search); "
        "default: the first that can search here of tavily, brave, ddgs",
    )
    research.add_argument("--mode", default="both", choices=["idea", "implementation", "both"])
    research.add_argument("--depth", default="light", choices=["light", "deep"])
    research.add_argument("--kg-index", help="draw on this knowledge index")
    research.add_argument("--model", help="a litellm model (default: the embedded local model)")
    research.set_defaults(handler=cmd_research)

    index = sub.add_parser("index-kg", help="index wiki pages or a JSON graph and write a .index file")
    source = index.add_mutually_exclusive_group(required=True)
    source.add_argument("--wiki-dir")
    source.add_argument("--data-path")
    index.add_argument("--save-to")
    index.add_argument("--search-type", help="the knowledge backend (default: kg_sqlite)")
    index.add_argument("--force", action="store_true", help="clear what this index holds first")
    index.set_defaults(handler=cmd_index_kg)

    train = sub.add_parser(
        "train",
        help="train a model (LoRA SFT, GRPO, evaluation-driven)",
        description="CONFIG is a Python file defining `config` (a TrainConfig or a dict); key=value pairs override "
        "fields (trainer=tinker_grpo trainer.steps=50 run_dir=runs/rl). An existing run_dir resumes.",
        add_help=False,
    )
    train.add_argument("config", nargs="?")
    train.add_argument("overrides", nargs=argparse.REMAINDER)
    train.add_argument("--quiet", action="store_true")
    train.add_argument("--dry-run", action="store_true", help="build and check the config, print it, start nothing")
    train.set_defaults(handler=cmd_train)

    deploy = sub.add_parser(
        "deploy",
        help="deploy a solution and call it, or serve it until Ctrl-C",
        description="SOLUTION is a solution directory (e.g. an evolve output_path); key=value pairs set "
        "fields of the deployer (port=8000, mode=in_process).",
    )
    deploy.add_argument("solution")
    deploy.add_argument("params", nargs="*", metavar="key=value")
    deploy.add_argument(
        "--strategy",
        default="auto",
        metavar="NAME",
        help=f"{', '.join(strategy.value for strategy in DeployStrategy)} or any installed deployer (default: auto)",
    )
    deploy.add_argument(
        "--input", action="append", default=[], metavar="JSON", help="call once with these inputs, print, stop"
    )
    deploy.set_defaults(handler=cmd_deploy)

    get_manager().hooks.hook.tinkerer_register_commands(subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tinkerer ARGV``; errors a user can fix exit 2 with their message, anything else exits 1 with one line
    (its traceback with ``--debug`` or ``TINKERER_DEBUG=1``)."""
    try:
        return _main_reporting_errors(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:  # the reader left (`tinkerer list evaluators | head -2`): end quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the interpreter's final flush goes nowhere
        return 128 + signal.SIGPIPE


def _main_reporting_errors(argv: list[str]) -> int:
    debug = "--debug" in argv or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    argv = [item for item in argv if item != "--debug"]  # a global switch, wherever it is written
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return _main(argv)
    except TinkererError as error:
        from tinkerer_core.config import ConfigHelp

        if isinstance(error, ConfigHelp):
            print(error)
            return 0
        if debug:
            traceback.print_exc()
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: resume with `tinkerer resume RUN_DIR`", file=sys.stderr)
        return 130
    except BrokenPipeError:  # not a failure: main ends quietly
        raise
    except Exception as error:
        if debug:
            traceback.print_exc()
            return 1
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        print(
            "this is a bug in Tinkerer or one of its plugins: run again with --debug (or TINKERER_DEBUG=1) to see "
            "the traceback, and report it",
            file=sys.stderr,
        )
        return 1


def _show_warning(message: Warning | str, category: type[Warning], *where: Any, **more: Any) -> None:
    """A config value that is legal but risky is one line, ``warning: <field>=<value>: <why>``; other
    warnings as Python prints them."""
    if issubclass(category, ConfigWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, *where[:2]), end="", file=sys.stderr)


def _list_flag(plural: str) -> str:
    return "--list-" + plural.replace("_", "-")


def _dest(flag: str) -> str:
    return flag[2:].replace("-", "_")


def _main(argv: list[str]) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    for flag, plural in OLD_LIST_FLAGS.items():
        if getattr(args, _dest(flag)):
            warnings.warn(f"{flag} is now {_list_flag(plural)}", ConfigWarning, stacklevel=1)
            return cmd_list(argparse.Namespace(kind=plural, json=False))
    for kind in KINDS.values():
        if getattr(args, _dest(_list_flag(kind.plural))):
            return cmd_list(argparse.Namespace(kind=kind.plural, json=False))
    if args.command is None:
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        parser.print_help()
        return 0
    if args.command in ("evolve", "train"):  # config-file commands: options may follow the overrides
        args.overrides = [*args.overrides, *extra]
        if args.config in ("-h", "--help") and not args.overrides:
            parser.parse_args([args.command, "--help"])
        args.quiet = "--quiet" in args.overrides or args.quiet
        args.dry_run = "--dry-run" in args.overrides or args.dry_run
        args.overrides = [item for item in args.overrides if item not in ("--quiet", "--dry-run")]
    elif args.command in ("deploy", "research"):
        args.params = [*args.params, *extra]  # key=value pairs may follow the options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
