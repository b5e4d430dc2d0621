"""Registers the progress display on the lifecycle hooks, and the `report` and `ui` commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tinkerer_core import hookimpl
from tinkerer_core.cli_args import check_bindable, port


@hookimpl
def tinkerer_register_commands(subparsers: Any) -> None:
    """Add `tinkerer report RUN_DIR` and `tinkerer ui RUN_DIR`."""
    report = subparsers.add_parser("report", help="write a self-contained HTML report of a run")
    report.add_argument("run_dir", type=Path)
    report.add_argument(
        "-o", "--output", type=Path, help="the HTML file (default: RUN_DIR/report.html); missing folders are created"
    )
    report.set_defaults(handler=_report)

    ui = subparsers.add_parser("ui", help="serve a run's report on 127.0.0.1, refreshing while it runs")
    ui.add_argument("run_dir", type=Path)
    ui.add_argument("--port", type=port, default=0, help="0 picks a free port")
    ui.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; another than 127.0.0.1 lets other machines in: it warns",
    )
    ui.set_defaults(handler=_ui)


def _report(args: argparse.Namespace) -> int:
    from tinkerer_core import ConfigError
    from tinkerer_plugin_reports.html_report import write_report

    output: Path | None = args.output
    if output is not None and output.is_dir():
        raise ConfigError(f"--output {output} is a folder: give a file path, e.g. {output}/report.html")
    try:
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)  # as pytest's --junitxml and coverage's -o do
        print(write_report(args.run_dir, output))
    except OSError as error:
        target = output or args.run_dir / "report.html"
        raise ConfigError(
            f"--output {target} cannot be written ({error.strerror or error}): give a path in a folder you can write to"
        ) from None
    return 0


def _ui(args: argparse.Namespace) -> int:
    from tinkerer_plugin_reports.ui import ReportServer

    check_bindable(args.host, args.port)
    server = ReportServer(args.run_dir, host=args.host, port=args.port)
    print(f"serving {args.run_dir} at {server.page_url} (the token lets your browser in; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


# --- progress: the reporter (and rich) is built on the first run, not when plugins are listed --

_reporter: Any = None


def progress() -> Any:
    """The process-wide ``ProgressReporter``."""
    global _reporter
    if _reporter is None:
        from tinkerer_plugin_reports.progress import ProgressReporter

        _reporter = ProgressReporter()
    return _reporter


@hookimpl
def tinkerer_run_start(run_dir: str, config: Any) -> None:
    progress().tinkerer_run_start(run_dir=run_dir, config=config)


@hookimpl
def tinkerer_experiment_started(run_dir: str, experiment: Any) -> None:
    progress().tinkerer_experiment_started(run_dir=run_dir, experiment=experiment)


@hookimpl
def tinkerer_experiment_finished(run_dir: str, experiment: Any) -> None:
    progress().tinkerer_experiment_finished(run_dir=run_dir, experiment=experiment)


@hookimpl
def tinkerer_run_end(run_dir: str, solution: Any, reason: str) -> None:
    progress().tinkerer_run_end(run_dir=run_dir, solution=solution, reason=reason)


@hookimpl
def tinkerer_train_metrics(run_dir: str, step: int, metrics: dict[str, float]) -> None:
    progress().tinkerer_train_metrics(run_dir=run_dir, step=step, metrics=metrics)
