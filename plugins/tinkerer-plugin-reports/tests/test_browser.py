"""The report and the live UI in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import RunStore
from tinkerer_plugin_reports.html_report import write_report
from tinkerer_plugin_reports.ui import ReportServer

from .conftest import HOSTILE, StepAgentPlugin, evolve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: apt-get install chromium (the CI script does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download needed)")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield context
        context.close()


def open_page(browser: Any, url: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def test_the_report_shows_the_tree_and_the_details_of_a_clicked_node(browser: Any, finished_run: Path) -> None:
    report = write_report(finished_run)
    page, errors = open_page(browser, report.as_uri())
    nodes = page.locator("#tree .node")
    assert nodes.count() == 4
    assert page.locator("#summary").inner_text().count("0.7") >= 1
    nodes.nth(1).click()
    assert page.locator("#details-title").inner_text() == "Experiment #2 (improve)"
    assert "score\n0.7" in page.locator("#details-facts").inner_text()
    assert page.locator("#detail-output").inner_text().splitlines()[0] == HOSTILE  # shown as text
    assert page.evaluate("window.pwned") is None  # and never run
    assert "print(" in page.locator("#detail-diff").inner_text()
    page.locator("#tree .node").nth(2).click()
    assert page.locator("#details-facts").inner_text().count("failed") == 1
    assert "no luck" in page.locator("#detail-output").inner_text()
    assert page.locator("#best-chart polyline").count() == 1
    assert page.locator("#costs tbody tr").count() >= 1
    assert page.locator("#training").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert errors == []
    page.close()


def test_training_metrics_are_drawn_as_curves(browser: Any, finished_run: Path) -> None:
    store = RunStore(finished_run)
    for step in range(1, 6):
        store.record_metrics(step, {"loss": 3.0 / step, "reward_mean": step / 5})
    store.close()
    page, errors = open_page(browser, write_report(finished_run).as_uri())
    assert page.locator("#training").is_visible()
    assert sorted(page.locator("#curves .curve").evaluate_all("els => els.map(e => e.dataset.metric)")) == [
        "loss",
        "reward_mean",
    ]
    assert errors == []
    page.close()


def test_the_ui_refreshes_while_the_run_is_alive(browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tinkerer_core import get_manager

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINKERER_QUIET", "1")
    with get_manager().registered(StepAgentPlugin(), "report-step-agent"):
        run_dir = evolve(tmp_path / "run", "report_steps", steps=("print('SCORE: 0.1')",)).run_dir
    store = RunStore(run_dir)
    store.set_meta(status="running")  # as a run looks while it goes on
    with ReportServer(run_dir) as server:
        page, errors = open_page(browser, server.page_url)
        assert page.url == server.url  # the token went into a cookie; the page and its polls carry it
        assert page.locator("#tree .node").count() == 1
        assert page.locator("#live").inner_text() == "· live"
        experiment_id = store.add_experiment(1, 2, "a new idea", "improve")  # the engine adds one
        page.wait_for_function("document.querySelectorAll('#tree .node').length === 2", timeout=10_000)
        store.set_meta(status="finished")
        page.wait_for_function("document.getElementById('live').textContent === ''", timeout=10_000)
        page.locator(f"#tree .node[data-id='{experiment_id}']").click()
        assert page.locator("#detail-idea").inner_text() == "a new idea"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)
        assert errors == []
        page.close()
    store.close()


def test_a_benchmarks_report_shows_its_results_table(browser: Any, tmp_path: Path) -> None:
    from .test_run_data import bench_store

    page, errors = open_page(browser, write_report(bench_store(tmp_path)).as_uri())
    rows = page.locator("#bench-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t")[:4] == ["digits", "yes", "0.97", "above median"]
    assert HOSTILE in rows.nth(1).inner_text()  # shown as text, never run
    assert page.evaluate("window.pwned") is None
    assert page.locator("#bench-summary").inner_text().startswith("valid submissions 1/2")
    assert not page.locator("#bench").is_hidden() and page.locator("section.evolve").first.is_hidden()
    assert errors == []
    page.close()
