"""Research end to end: a provider searches the stand-in services, the reader reads the stand-in site, the model
(scripted) writes findings that cite the pages, deep research follows up, and a loaded index takes the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tinkerer_core import Tinkerer

from .standins import ARTICLES, BOILERPLATE_FOOTER, OPENAI_KEY, TAVILY_KEY, Web

QUERY = "gradient boosting for tabular data"
HISTOGRAM, LEARNING_RATE, CATEGORICAL, NEURAL, PRIVATE = ARTICLES
FINDINGS = (
    "- Histogram binning makes boosting fast on large tables [1].\n"
    "- Tree ensembles still beat deep networks on medium tables [2, 3].\n"
    "- Always train 5000 trees."
)
TINKERER = str(Path(sys.executable).with_name("tinkerer"))


def url(web: Web, article: Any) -> str:
    return f"{web.site.url}{article.path}"


def scripted(*replies: str) -> dict[str, Any]:
    return {"model": "openai/gpt-4o-mini", "mock_responses": replies}


def test_the_model_writes_from_the_pages_and_every_finding_points_to_its_urls(web: Web, keys: dict[str, str]) -> None:
    web.state.chat_replies = [FINDINGS]
    model = {"model": "openai/gpt-4o-mini", "api_base": f"{web.services.url}/v1", "retries": 0}
    report = Tinkerer().research(
        QUERY, mode="idea", llm_params=model, provider="ddgs", provider_params=web.service_params["ddgs"]
    )
    (chat,) = web.state.chats
    prompt = chat.json()["messages"][0]["content"]
    assert HISTOGRAM.paragraphs[1] in prompt  # the page's text, which no snippet holds
    assert f"[1] {HISTOGRAM.title} — {url(web, HISTOGRAM)}" in prompt
    assert BOILERPLATE_FOOTER not in prompt and PRIVATE.paragraphs[0] not in prompt
    lines = report.report_markdown.splitlines()
    assert lines[:3] == [
        f"# Research: {QUERY}",
        "",
        "Mode: idea · depth: light · web: ddgs, 1 searches, 4 sources, 3 pages read",
    ]
    assert lines[4] == "> No knowledge index is loaded (Tinkerer(kg_index=...))."
    assert report.sources == tuple(url(web, a) for a in (HISTOGRAM, NEURAL, CATEGORICAL, PRIVATE))
    findings = report.report_markdown.split("## Findings\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert findings == [
        f"- Histogram binning makes boosting fast on large tables. [[1]]({url(web, HISTOGRAM)})",
        f"- Tree ensembles still beat deep networks on medium tables. [[2]]({url(web, NEURAL)}) [[3]]({url(web, CATEGORICAL)})",
        "- Always train 5000 trees. *(no source: the model's own knowledge)*",
    ]
    assert f"1. [{HISTOGRAM.title}]({url(web, HISTOGRAM)}) — page read (" in report.report_markdown
    assert (
        f"4. [{PRIVATE.title}]({url(web, PRIVATE)}) — snippet only (read_pages=3 reads the top 3 of each search)"
    ) in report.report_markdown
    assert f"- round 1: `{QUERY}` — 4 new results" in report.report_markdown


def test_deep_research_searches_the_follow_up_queries_the_model_proposes(web: Web) -> None:
    queries = '{"queries": ["learning rate early stopping", "gradient boosting for tabular data", "xgboost"]}'
    findings = "- Stop early after 50 rounds without improvement [5].\n- Histogram bins make it fast [1]."
    report = Tinkerer().research(
        QUERY, depth="deep", llm_params=scripted(queries, findings), provider="ddgs",
        provider_params={**web.service_params["ddgs"], "read_pages": 2},
    )  # fmt: skip
    sent = [request.form()["q"][0] for request in web.services.seen("/html/")]
    assert sent == [QUERY, "learning rate early stopping", "xgboost"]  # the first query is not asked again
    assert report.sources[4] == url(web, LEARNING_RATE)  # found in round 2, numbered after round 1's four
    assert len(set(report.sources)) == len(report.sources) == 5  # pages found twice are one source
    assert (
        f"- Stop early after 50 rounds without improvement. [[5]]({url(web, LEARNING_RATE)})" in report.report_markdown
    )
    assert "- round 2: `learning rate early stopping` — 1 new results" in report.report_markdown
    assert "- round 2: `xgboost` — 0 new results" in report.report_markdown
    assert "web: ddgs, 3 searches, 5 sources, 3 pages read" in report.report_markdown.splitlines()[2]
    assert [r.path for r in web.site.requests].count(LEARNING_RATE.path) == 1


def test_deep_research_with_an_unusable_proposal_searches_once_and_says_so(web: Web) -> None:
    report = Tinkerer().research(
        QUERY, depth="deep", llm_params=scripted("I would search for more."), provider="ddgs",
        provider_params=web.service_params["ddgs"],
    )  # fmt: skip
    assert len(web.services.seen("/html/")) == 1
    note = report.report_markdown.splitlines()[4]
    assert note.startswith("> The model proposed no usable follow-up queries (the model's reply could not be parsed")
    assert note.endswith("the deep research searched once.")


def test_without_a_network_the_report_says_so_in_its_first_lines() -> None:
    closed = {"search_url": "http://127.0.0.1:9/html/"}
    report = Tinkerer().research(
        QUERY, depth="deep", llm_params=scripted("- Boost."), provider="ddgs", provider_params=closed
    )
    lines = report.report_markdown.splitlines()
    assert lines[2] == "Mode: both · depth: deep · web: ddgs, 1 searches, 0 sources, 0 pages read"
    assert lines[4].startswith("> Web search with ddgs failed (cannot reach DuckDuckGo (")
    assert "Connection refused" in lines[4]
    assert lines[4].endswith("): this report draws on the knowledge base and the model only.")
    assert "- Boost. *(no source: the model's own knowledge)*" in report.report_markdown


def index_of_one_page(folder: Path) -> Path:
    """A knowledge index (kg_sqlite, keywords only) holding one page about boosting."""
    wiki = folder / "wiki"
    wiki.mkdir()
    (wiki / "boosting.md").write_text(
        "---\ntitle: Boosting basics\ntype: Principle\n---\nGradient boosting for tabular data adds trees one at a "
        "time.\n\nEach tree fits the residuals.\n"
    )
    return Tinkerer().index_kg(
        wiki_dir=str(wiki), save_to=str(folder / "kb.index"),
        backend_params={"path": str(folder / "kb.sqlite"), "embedder": "none"},
    )  # fmt: skip


def test_a_loaded_index_takes_the_report_and_no_key_is_stored(web: Web, keys: dict[str, str], tmp_path: Path) -> None:
    index = index_of_one_page(tmp_path)
    tinkerer = Tinkerer(kg_index=str(index))
    report = tinkerer.research(
        QUERY, mode="implementation", llm_params=scripted("- Use histogram binning [1] as the notes say [kb]."),
        provider="tavily", provider_params=web.service_params["tavily"],
    )  # fmt: skip
    assert f"[[1]]({url(web, HISTOGRAM)}) (knowledge base)" in report.report_markdown
    assert "## From the knowledge base\n## Boosting basics [Principle]" in report.report_markdown
    page = tinkerer.knowledge.get("Implementation/gradient_boosting_for_tabular_data")
    assert page is not None and url(web, HISTOGRAM) in page.content
    assert tinkerer.knowledge.search("histogram binning", top_k=1)[0].page.id == page.id
    stored = (tmp_path / "kb.sqlite").read_bytes() + report.report_markdown.encode()
    assert TAVILY_KEY.encode() not in stored and b"TAVILY_API_KEY" not in stored


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TINKERER, *args], capture_output=True, text=True, timeout=180, cwd=cwd, env={**os.environ, **(env or {})}
    )


def test_the_cli_researches_with_a_named_provider_and_its_parameters(web: Web, tmp_path: Path) -> None:
    web.state.chat_replies = [FINDINGS]
    model_env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_API_BASE": f"{web.services.url}/v1"}
    params = [f"{key}={value}" for key, value in web.service_params["ddgs"].items()]
    index = index_of_one_page(tmp_path)
    done = run("research", QUERY, "--provider", "ddgs", *params, "read_pages=1", "--model", "openai/gpt-4o-mini",
               "--kg-index", str(index), env=model_env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"added to the knowledge index {index}"
    assert Tinkerer(kg_index=str(index)).knowledge.get("Principle/gradient_boosting_for_tabular_data") is not None
    assert done.stdout.startswith(
        f"# Research: {QUERY}\n\nMode: both · depth: light · web: ddgs, 1 searches, 4 sources, 1 pages read\n"
    )
    assert f"[[1]]({url(web, HISTOGRAM)})" in done.stdout
    assert json.loads(web.state.chats[0].body)["model"] == "gpt-4o-mini"


def test_the_cli_refuses_bad_provider_input_with_the_field_and_what_is_allowed() -> None:
    done = run("research", QUERY, "--provider", "dgs")
    assert done.returncode == 2
    assert "unknown web search provider 'dgs'; installed web search providers: " in done.stderr
    assert "did you mean 'ddgs'?" in done.stderr
    done = run("research", QUERY, "--provider", "ddgs", "read_pages=-1")
    assert (done.returncode, done.stderr.strip()) == (
        2, "error: web search provider 'ddgs': read_pages must be at least 0, got -1"
    )  # fmt: skip
    done = run("research", QUERY, "--provider", "ddgs", "read_pages")
    assert (
        done.stderr.strip() == "error: provider parameter 'read_pages' should look like key=value (e.g. read_pages=5)"
    )
    done = run("research", QUERY, "--provider", "tavily", env={"TAVILY_API_KEY": ""})
    assert done.returncode == 2 and "'tavily' cannot search here: TAVILY_API_KEY is not set" in done.stderr


def test_without_a_provider_plugin_the_report_says_how_to_get_one(tmp_path: Path) -> None:
    done = run("research", QUERY, env={"TINKERER_PLUGINS": "knowledge-sqlite"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[4] == (
        "> No web search provider is installed (pip install tinkerer-plugin-web-search): this report draws on the "
        "knowledge base and the model only."
    )
    assert "> No LLM gateway is installed: the report lists the sources only." in done.stdout


@pytest.mark.parametrize("mode", ["idea", "implementation", "both"])
def test_with_read_pages_0_every_mode_cites_the_snippets(web: Web, mode: str) -> None:
    report = Tinkerer().research(
        QUERY, mode=mode, llm_params=scripted("- Bin features [1]."), provider="ddgs",
        provider_params={**web.service_params["ddgs"], "read_pages": 0},
    )  # fmt: skip
    assert f"- Bin features. [[1]]({url(web, HISTOGRAM)})" in report.report_markdown
    assert f"1. [{HISTOGRAM.title}]({url(web, HISTOGRAM)}) — snippet only (read_pages=0)" in report.report_markdown
    assert web.site.requests == []
