"""The self-contained HTML report: one file, the run's data embedded as JSON, rendered by inline JS."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from tinkerer_plugin_reports.run_data import run_data

REPORT_FILE = "report.html"


def render_report(data: dict[str, Any], live: bool = False) -> str:
    """The report page for ``data``; ``live`` pages poll ``data.json`` while the run is running."""
    template = resources.files(__package__).joinpath("report.html").read_text(encoding="utf-8")
    page = template.replace("__LIVE__", "true" if live else "false")  # before the data, which may hold anything
    return page.replace("__RUN_DATA__", embedded_json(data))


def embedded_json(data: dict[str, Any]) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element, whatever the run printed."""
    text = json.dumps(data, default=str)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def write_report(run_dir: Path, output: Path | None = None) -> Path:
    """Write the report of ``run_dir`` (default: ``RUN_DIR/report.html``) and return its path."""
    output = Path(output) if output else Path(run_dir) / REPORT_FILE
    output.write_text(render_report(run_data(Path(run_dir))), encoding="utf-8")
    return output
