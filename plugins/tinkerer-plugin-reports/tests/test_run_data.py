"""The report's data, read from a real run store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core import Completion, ConfigError, RunStore
from tinkerer_plugin_reports.html_report import embedded_json, render_report, write_report
from tinkerer_plugin_reports.run_data import run_data

from .conftest import HOSTILE


def test_run_data_holds_every_experiment_and_the_best_over_time(finished_run: Path) -> None:
    data = run_data(finished_run)
    assert data["status"] == "finished"
    assert data["best_score"] == 0.7
    assert [e["score"] for e in data["experiments"]] == [0.2, 0.7, None, 0.5]
    assert [e["status"] for e in data["experiments"]] == ["succeeded", "succeeded", "failed", "succeeded"]
    assert data["experiments"][0]["parent_id"] is None
    assert [p["best"] for p in data["best_over_time"]] == [0.2, 0.7, 0.7, 0.7]
    assert HOSTILE in data["experiments"][1]["output_tail"]
    assert "no luck" in data["experiments"][2]["output_tail"]


def test_cost_is_grouped_by_purpose_and_model(finished_run: Path) -> None:
    store = RunStore(finished_run)
    for purpose, model, cost in (
        ("agent", "openai/gpt-4o", 0.01),
        ("agent", "openai/gpt-4o", 0.02),
        ("judge", "local/x", 0.0),
    ):
        completion = Completion(
            text="", model=model, prompt_tokens=10, completion_tokens=5, cost=cost, cost_known=cost > 0
        )
        store.record_llm_call(purpose, completion)
    store.record_metrics(1, {"loss": 2.0})
    store.close()
    data = run_data(finished_run)
    rows = [row for row in data["cost_by_component"] if row["purpose"] in ("agent", "judge")]
    assert rows == [
        {
            "purpose": "agent",
            "model": "openai/gpt-4o",
            "calls": 2,
            "prompt_tokens": 20,
            "completion_tokens": 10,
            "cost": pytest.approx(0.03),
            "cost_known": True,
        },
        {
            "purpose": "judge",
            "model": "local/x",
            "calls": 1,
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "cost": 0.0,
            "cost_known": False,
        },
    ]
    costs = [row["cost"] for row in data["cost_by_component"]]
    assert costs == sorted(costs, reverse=True)
    assert any(
        row["purpose"].startswith("search") or row["model"] == "openai/gpt-4o-mini" for row in data["cost_by_component"]
    )
    assert data["metrics"] == {"loss": [[1, 2.0]]}


def test_the_report_is_one_self_contained_file_with_the_data_escaped(finished_run: Path, tmp_path: Path) -> None:
    path = write_report(finished_run, tmp_path / "out.html")
    page = path.read_text()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert "<script>window.pwned" not in page and "<img" not in page  # only as escaped JSON text
    assert page.count("<script") == 2  # the data block and the renderer
    assert "__LIVE__" not in page and "__RUN_DATA__" not in page
    assert embedded_json({"x": "</script>"}) == '{"x": "\\u003c/script\\u003e"}'
    assert "const LIVE = true" in render_report(run_data(finished_run), live=True)


def test_the_report_command_writes_the_file_and_explains_a_wrong_directory(finished_run: Path, tmp_path: Path) -> None:
    tinkerer = str(Path(sys.executable).with_name("tinkerer"))
    done = subprocess.run([tinkerer, "report", str(finished_run)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == finished_run / "report.html"
    assert (finished_run / "report.html").is_file()
    done = subprocess.run([tinkerer, "report", str(tmp_path / "nothing")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "is not a run directory (no run.sqlite)" in done.stderr
    assert not (tmp_path / "nothing" / "run.sqlite").exists()
    with pytest.raises(ConfigError):
        run_data(tmp_path)


def test_report_output_in_new_folders_is_written_and_a_folder_or_blocked_path_is_named(
    finished_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinkerer_core.cli import main

    nested = tmp_path / "reports" / "2025" / "x.html"
    assert (
        main(["report", str(finished_run), "-o", str(nested)]) == 0
    )  # parent folders are created, as -o does in pytest
    assert capsys.readouterr().out == f"{nested}\n"
    assert "</html>" in nested.read_text()

    assert main(["report", str(finished_run), "-o", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"error: --output {tmp_path / 'reports'} is a folder: give a file path, e.g. {tmp_path / 'reports'}/report.html\n"
    )

    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    assert main(["report", str(finished_run), "-o", str(blocker / "x.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --output {blocker / 'x.html'} cannot be written (")
    assert err.endswith("): give a path in a folder you can write to\n")
    assert blocker.read_text() == "mine"


BENCH_ROWS = [
    {
        "problem": "digits",
        "valid_submission": True,
        "score": 0.97,
        "verdict": "above median",
        "cost": 0.01,
        "wall_s": 75.0,
    },
    {
        "problem": "route",
        "valid_submission": False,
        "score": None,
        "verdict": f"invalid: {HOSTILE}",
        "cost": 0.0,
        "wall_s": 3.0,
    },
]


def bench_store(folder: Path) -> Path:
    """A benchmark's store as `tinkerer bench` writes it: one ``bench_result`` event per graded problem (a
    re-grade replaces the earlier one)."""
    store = RunStore(folder)
    store.set_meta(goal="benchmark mle-lite: digits, route", status="finished")
    store.log_event("bench_result", **{**BENCH_ROWS[0], "verdict": "below median"})
    for row in BENCH_ROWS:
        store.log_event("bench_result", **row)
    store.close()
    return folder


def test_a_benchmarks_results_are_in_the_report_data(tmp_path: Path) -> None:
    data = run_data(bench_store(tmp_path))
    assert data["bench"] == BENCH_ROWS and data["experiments"] == []
    page = write_report(tmp_path).read_text()
    assert HOSTILE not in page  # escaped, as everything the report embeds


def test_a_problem_run_reports_its_own_grade(finished_run: Path) -> None:
    assert run_data(finished_run)["bench"] == []
    store = RunStore(finished_run)
    store.set_meta(bench_grade=BENCH_ROWS[0])
    store.close()
    assert run_data(finished_run)["bench"] == [BENCH_ROWS[0]]
