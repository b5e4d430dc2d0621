"""Knowledge end to end: learn from a repo and a file, index, search, research, and evolve with the context."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import chz
import pytest

from tinkerer_core import (
    ConfigError,
    KnowledgePage,
    Source,
    Tinkerer,
    WebResult,
    WebSearchError,
    WebSearchProvider,
    create_component,
    get_manager,
    hookimpl,
)
from tinkerer_core.knowledge.wiki import from_markdown, read_wiki, to_markdown

from .conftest import DEFAULT_PLUGINS, read_log

KEYWORDS_ONLY = {"embedder": "none"}  # the static embedder is covered by kg_sqlite's own tests


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small git repository: a README, a package whose modules import each other, requirements."""
    root = tmp_path / "ratelimit"
    (root / "ratelimit").mkdir(parents=True)
    (root / "README.md").write_text(
        "# ratelimit\n\nToken-bucket rate limiting for HTTP clients, with retries and backoff.\n\n"
        "## Install\n\npip install ratelimit\n\n## Usage\n\nWrap calls in a Bucket.\n"
    )
    (root / "ratelimit" / "__init__.py").write_text('"""Rate limiting."""\n')
    (root / "ratelimit" / "bucket.py").write_text(
        '"""A token bucket that refills at a fixed rate."""\n\n'
        'class Bucket:\n    """Allows bursts up to capacity, then a steady rate."""\n\n'
        'def take(bucket):\n    """Take one token or wait for it."""\n'
    )
    (root / "ratelimit" / "retry.py").write_text(
        '"""Retries with exponential backoff when the bucket is empty."""\n\nfrom ratelimit.bucket import take\n\n'
        'def with_backoff(call, attempts=5):\n    """Call, backing off exponentially between attempts."""\n'
    )
    (root / "requirements.txt").write_text("httpx>=0.27\n")
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", *command], cwd=root, check=True)
    return root


def test_wiki_pages_round_trip_with_typed_links(tmp_path: Path) -> None:
    page = KnowledgePage(
        "Principle/backoff",
        "Back off exponentially",
        "Principle",
        "Double the wait after each failure.",
        "Cap the wait; see [[implemented_by::Implementation:ratelimit.retry]].",
        ("http",),
        (("implemented_by", "Implementation/ratelimit.retry"), ("related_to", "Heuristic/jitter")),
        "tests",
    )
    parsed = from_markdown(to_markdown(page))
    assert parsed.edges == page.edges
    assert (parsed.id, parsed.title, parsed.page_type, parsed.overview, parsed.domains) == (
        page.id,
        page.title,
        page.page_type,
        page.overview,
        page.domains,
    )
    (tmp_path / "Principle").mkdir()
    (tmp_path / "Principle" / "bad.md").write_text("---\ntype: Opinion\n---\nx\n")
    with pytest.raises(ConfigError, match=r"bad.md: page type 'Opinion' is not one of Workflow, Principle"):
        read_wiki(tmp_path)


def test_learn_extracts_typed_pages_from_a_repo_and_a_file(repo: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Jitter\n\nAdd random jitter to backoff so clients do not retry in lockstep.\n")
    result = Tinkerer().learn(
        Source.Repo(str(repo)), Source.File(str(notes)), wiki_dir=str(tmp_path / "wiki"), skip_merge=True
    )
    by_id = {page.id: page for page in result.pages}
    assert result.total_pages_extracted == len(result.paths) == 6
    assert by_id["Workflow/ratelimit"].overview.startswith("Token-bucket rate limiting for HTTP clients")
    assert ("implemented_by", "Implementation/ratelimit.retry") in by_id["Workflow/ratelimit"].edges
    retry = by_id["Implementation/ratelimit.retry"]
    assert retry.overview == "Retries with exponential backoff when the bucket is empty."
    assert "`def with_backoff`: Call, backing off exponentially between attempts." in retry.content
    assert retry.edges == (("uses", "Implementation/ratelimit.bucket"),)
    assert "httpx>=0.27" in by_id["Environment/ratelimit"].content
    assert by_id["Principle/Jitter"].overview.startswith("Add random jitter")
    assert {page.id for page in read_wiki(tmp_path / "wiki")} == set(by_id)
    assert subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout == ""


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_index_search_and_an_evolve_whose_agent_sees_the_knowledge(
    repo: Path, workdir: Path, scripted_agent: str
) -> None:
    wiki = workdir / "wiki"
    Tinkerer().learn(Source.Repo(str(repo)), wiki_dir=str(wiki), skip_merge=True)
    index = Tinkerer().index_kg(
        wiki_dir=str(wiki), save_to="indexes/ratelimit.index", backend_params={"path": "kg.sqlite", **KEYWORDS_ONLY}
    )
    record = json.loads(index.read_text())
    assert record["search_backend"] == "kg_sqlite" and record["page_count"] == 5 and record["version"] == "1.0"
    assert record["backend_refs"]["path"] == str((workdir / "kg.sqlite").resolve())

    tinkerer = Tinkerer(kg_index=str(index))
    assert (
        tinkerer.knowledge.search("exponential backoff retries", top_k=1)[0].page.id == "Implementation/ratelimit.retry"
    )
    solution = tinkerer.evolve(
        goal="retry HTTP calls with exponential backoff",
        coding_agent=scripted_agent,
        coding_agent_params={"steps": ("print('SCORE: 1')",), "log": str(workdir / "requests.jsonl")},
        evaluator="regex_pattern",
        search_strategy="linear_search",
        max_iterations=1,
        run_dir="run",
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": ('{"ideas": ["add jitter"]}',)},
    )
    assert solution.score == 1.0
    context = read_log(workdir / "requests.jsonl")[0]["knowledge_context"]
    assert "## ratelimit.retry [Implementation]" in context
    assert "Retries with exponential backoff when the bucket is empty." in context


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_a_json_graph_is_indexed_and_force_clears_only_this_index(workdir: Path) -> None:
    graph = workdir / "kg.json"
    graph.write_text(
        json.dumps(
            {
                "nodes": [
                    {
                        "id": "n1",
                        "name": "Feature engineering",
                        "type": "Workflow",
                        "description": "Build features first.",
                    },
                    {
                        "id": "n2",
                        "name": "Target encoding",
                        "type": "Heuristic",
                        "description": "Encode categories by target mean.",
                    },
                ],
                "edges": [{"source": "n1", "target": "n2", "type": "uses"}],
            }
        )
    )
    params = {"path": "kg.sqlite", "namespace": "graph", **KEYWORDS_ONLY}
    other = create_component("knowledge_backend", "kg_sqlite", {**params, "namespace": "other"})
    other.index([KnowledgePage("Principle/keep", "Keep me", "Principle", "another index", "stays")])
    tinkerer = Tinkerer()
    path = tinkerer.index_kg(data_path=str(graph), search_type="kg_sqlite", backend_params=params, force=True)
    assert json.loads(path.read_text())["page_count"] == 2
    assert [p.id for p in tinkerer.knowledge.neighbors("Workflow/Feature_engineering")] == ["Heuristic/Target_encoding"]
    tinkerer.index_kg(data_path=str(graph), save_to=str(path), backend_params=params, force=True)
    assert Tinkerer(kg_index=str(path)).knowledge.count() == 2 and other.count() == 1
    graph.write_text(
        json.dumps({"nodes": [{"id": "a"}, {"id": "b"}], "edges": [{"source": "a", "target": "b", "type": "DROP ALL"}]})
    )
    with pytest.raises(ConfigError, match=r"edge type 'DROP ALL' .* is not an identifier"):
        tinkerer.index_kg(data_path=str(graph), backend_params=params)
    with pytest.raises(ConfigError, match="exactly one of wiki_dir"):
        tinkerer.index_kg()


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_a_missing_or_broken_index_is_refused_before_anything_runs(workdir: Path, scripted_agent: str) -> None:
    with pytest.raises(ConfigError, match="does not exist; create it with Tinkerer"):
        Tinkerer(kg_index="nowhere.index")
    (workdir / "broken.index").write_text("{")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        Tinkerer().evolve(goal="g", coding_agent=scripted_agent, kg_index="broken.index", run_dir="run")
    assert not (workdir / "run").exists()


@chz.chz
class CannedSearch(WebSearchProvider):
    """One fixed result for any query, or a failure when ``down``."""

    down: bool = False

    def search(self, query: str, max_results: int) -> list[WebResult]:
        if self.down:
            raise WebSearchError("no route to the search service")
        return [WebResult("Backoff in practice", "https://example.org/backoff", f"about {query}")][:max_results]


class CannedSearchPlugin:
    @hookimpl
    def tinkerer_register_web_search_providers(self, register):
        register("canned", CannedSearch)


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_research_cites_its_web_sources_and_says_what_it_lacked(repo: Path, workdir: Path) -> None:
    reply = "- Use capped exponential backoff with jitter [1].\n- Retry forever."
    scripted = {"model": "openai/gpt-4o-mini", "mock_responses": (reply,)}
    offline = Tinkerer().research("retry strategies", mode="idea", llm_params=scripted, provider="none")
    assert offline.mode == "idea" and offline.objective == "retry strategies" and offline.sources == ()
    lines = offline.report_markdown.splitlines()
    assert lines[:3] == ["# Research: retry strategies", "", "Mode: idea · depth: light"]
    assert lines[4].startswith("> Web search is off (provider 'none'): this report draws on the knowledge base")
    assert "- Use capped exponential backoff with jitter." in offline.report_markdown  # [1] names no source here
    assert "- Retry forever. *(no source: the model's own knowledge)*" in offline.report_markdown
    assert offline.to_context_string().startswith("# Research: retry strategies (mode: idea)")
    with get_manager().registered(CannedSearchPlugin(), "canned-search"):
        online = Tinkerer().research("retry strategies", depth="deep", llm_params=scripted, provider="canned")
        down = Tinkerer().research(
            "retry strategies", llm_params=scripted, provider="canned", provider_params={"down": True}
        )
        with pytest.raises(ConfigError, match=r"unknown web search provider 'caned'; .* did you mean 'canned'"):
            Tinkerer().research("x", provider="caned")
        with pytest.raises(ConfigError, match=r"provider_params .* need a provider to set: name one"):
            Tinkerer().research("x", provider_params={"down": True})
    assert online.sources == ("https://example.org/backoff",)
    assert "- Use capped exponential backoff with jitter. [[1]](https://example.org/backoff)" in online.report_markdown
    assert "1. [Backoff in practice](https://example.org/backoff) — snippet only" in online.report_markdown
    assert "Mode: both · depth: deep · web: canned, 1 searches, 1 sources, 0 pages read" in online.report_markdown
    assert "Web search" not in online.report_markdown.split("## Findings")[0]
    assert "> Web search with canned failed (no route to the search service)" in down.report_markdown.splitlines()[4]
    result = Tinkerer().learn(online, wiki_dir=str(workdir / "wiki"), skip_merge=True)
    assert result.pages[0].id == "Principle/retry_strategies"
    with pytest.raises(ConfigError, match="research mode 'ideas'; choose one of: idea, implementation, both"):
        Tinkerer().research("x", mode="ideas", provider="none")


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_the_cli_learns_and_indexes(repo: Path, tmp_path: Path) -> None:
    tinkerer = str(Path(sys.executable).with_name("tinkerer"))
    run = lambda *args: subprocess.run([tinkerer, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)  # noqa: E731
    done = run("learn", str(repo), "--wiki-dir", "wiki", "--skip-merge")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "5 pages written under wiki; 0 merged"
    done = run("index-kg", "--wiki-dir", "wiki", "--save-to", "x.index")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "x.index").read_text())["page_count"] == 5
    done = run("learn", "no-such-thing")
    assert done.returncode == 2 and "cannot learn from 'no-such-thing'" in done.stderr


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose content stream shows ``text`` (what pypdf reads back)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_a_paper_becomes_a_principle_page(tmp_path: Path) -> None:
    paper = tmp_path / "backoff_study.pdf"
    paper.write_bytes(minimal_pdf("Exponential backoff with jitter halves retry storms."))
    result = Tinkerer().learn(Source.Paper(str(paper)), wiki_dir=str(tmp_path / "wiki"), skip_merge=True)
    (page,) = result.pages
    assert page.id == "Principle/backoff_study"
    assert "Exponential backoff with jitter halves retry storms." in page.content
    with pytest.raises(ConfigError, match="no such file"):
        Tinkerer().learn(Source.Paper(str(tmp_path / "missing.pdf")), skip_merge=True)


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_a_solution_is_learned_with_its_scored_ideas_and_the_model_s_lessons(
    workdir: Path, scripted_agent: str
) -> None:
    solution = Tinkerer().evolve(
        goal="print a good score",
        output_path="best",
        coding_agent=scripted_agent,
        coding_agent_params={"steps": ("print('SCORE: 0.2')", "def predict(x):\n    return x\nprint('SCORE: 0.9')")},
        evaluator="regex_pattern",
        search_strategy="linear_search",
        max_iterations=2,
        run_dir="run",
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": ('{"ideas": ["print a higher score"]}',)},
    )
    lessons = '{"lessons": ["Printing the score line last keeps the evaluator happy."]}'
    result = Tinkerer().learn(
        Source.Solution(solution),
        wiki_dir="wiki",
        skip_merge=True,
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": (lessons,)},
    )
    heuristic = next(page for page in result.pages if page.page_type == "Heuristic")
    assert heuristic.overview == "Best score 0.9 (maximize) after 2 experiments."
    assert heuristic.content.index("- 0.9: ") < heuristic.content.index("- 0.2: ")
    assert (
        "## Lessons (drawn by the model)\n- Printing the score line last keeps the evaluator happy."
        in heuristic.content
    )
    assert any(page.id.startswith("Implementation/") and "`def predict`" in page.content for page in result.pages)

    junk = Tinkerer().learn(
        Source.Solution(solution),
        wiki_dir="wiki2",
        skip_merge=True,
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": ("I think it went well!",)},
    )
    assert "## Lessons" not in next(page for page in junk.pages if page.page_type == "Heuristic").content


@pytest.mark.needs(*DEFAULT_PLUGINS, "knowledge-sqlite")
def test_the_seed_s_navigation_graph_json_is_indexed(workdir: Path) -> None:
    graph = workdir / "kg_data.json"
    graph.write_text(
        json.dumps(
            {
                "nodes": {
                    "spec": {"name": "Specialization", "type": "specialization", "content": "Tune models.\nMore."},
                    "lr": {"name": "Learning rate", "type": "technique", "content": "Warm up the LR."},
                },
                "edges": [{"source": "spec", "target": "lr", "relationship": "uses"}],
            }
        )
    )
    index = Tinkerer().index_kg(data_path=str(graph), backend_params={"path": "kg.sqlite", **KEYWORDS_ONLY})
    kg = Tinkerer(kg_index=str(index)).knowledge
    spec = kg.get("Principle/Specialization")
    assert (spec.title, spec.overview, spec.domains, spec.edges) == (
        "Specialization",
        "Tune models.",
        ("specialization",),
        (("uses", "Principle/Learning_rate"),),
    )
    assert kg.search("warm up", top_k=1)[0].page.title == "Learning rate"
