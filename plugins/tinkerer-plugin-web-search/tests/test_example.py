"""``examples/research_web.py`` runs for real: notes indexed, a deep research against the stand-ins, the report
added to the index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .standins import ARTICLES, Web

EXAMPLE = Path(__file__).parents[3] / "examples" / "research_web.py"
HISTOGRAM, LEARNING_RATE, CATEGORICAL, NEURAL, PRIVATE = ARTICLES


@pytest.mark.slow  # about 15 s: the example indexes its notes with the static embedder
def test_the_research_example_cites_the_pages_and_adds_the_report_to_the_index(web: Web, tmp_path: Path) -> None:
    queries, findings = tmp_path / "queries.json", tmp_path / "findings.md"
    queries.write_text('{"queries": ["learning rate early stopping"]}')
    findings.write_text("- Start from a learning rate of 0.05 with early stopping [5].\n- Model the log price [kb].")
    params = [f"--provider-param={key}={value}" for key, value in web.service_params["ddgs"].items()]
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--provider", "ddgs", *params, "--depth", "deep", "--model",
         "openai/gpt-4o-mini", "--scripted-reply", str(queries), "--scripted-reply", str(findings)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = done.stdout
    query = "gradient boosting for house price regression on tabular data"
    assert report.startswith(f"# Research: {query}\n\nMode: both · depth: deep · web: ddgs, 2 searches, 5 sources")
    learning_rate = f"{web.site.url}{LEARNING_RATE.path}"
    assert f"- Start from a learning rate of 0.05 with early stopping. [[5]]({learning_rate})" in report
    assert "- Model the log price. (knowledge base)" in report
    assert "## From the knowledge base\n## Model the log of the price [Principle]" in report
    assert "sources cited by number: 5\n" in report
    assert report.splitlines()[-1].startswith("knowledge index now answers the query with: ")
    assert "Principle/gradient_boosting_for_house_price_regression_on_tabular_data" in report.splitlines()[-1]
