"""docs/plugins.md holds what it says.

Every block of "A plugin of each kind" is imported as it stands (one module per kind), registered in-process
and put to work: through the page's own "Use them" calls (an evolve run whose model replies are scripted, a
deployment, an index, a training run, a research) and on the branches the page describes. The web search
provider asks a stand-in SearXNG on 127.0.0.1 that speaks its JSON API (the real one needs the internet). The
public surface the page lists is the one ``tinkerer_core`` exports, and no block imports anything else.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import tinkerer_core
from tinkerer_core import (
    AgentRequest,
    Direction,
    EvaluationContext,
    Experiment,
    ExperimentStatus,
    KnowledgePage,
    RunResult,
    RunState,
    RunStore,
    SearchState,
    Solution,
    Tinkerer,
    TinkererError,
    WebSearchError,
    create_component,
    get_manager,
    hookimpl,
)
from tinkerer_core.cli import main
from tinkerer_core.kinds import KINDS
from tinkerer_core.plugins import TRACE_ENV

from .conftest import needs_defaults
from .test_architecture import PUBLIC, imports

ROOT = Path(__file__).parents[1]
PAGE = (ROOT / "docs" / "plugins.md").read_text()
HELLO_SRC = Path(__file__).parent / "fixtures" / "tinkerer-plugin-hello" / "src"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
LIMIT, KNOWLEDGE_LIMIT = 30, 40  # lines of a component, as the page states them
MODEL = '{"model": "openai/gpt-4o-mini"}'
SCRIPTED_MODEL = '{"model": "openai/gpt-4o-mini", "mock_responses": REPLIES}'
SEARXNG = '"http://127.0.0.1:8888"'
CODE = "`" * 3  # a fence, kept out of this file's own text


def section(title: str) -> str:
    """The text of the page's ``## title`` section."""
    return PAGE.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(title: str) -> list[str]:
    return FENCE.findall(section(title))


def kind_of(block: str) -> str:
    """The kind a block registers, from its one registration hook."""
    hooks = {kind.hook: kind.name for kind in KINDS.values()}
    found = [hooks[node.name] for node in ast.parse(block).body if getattr(node, "name", "") in hooks]
    assert len(found) == 1, f"a block of the page must register one kind, this one registers {found}"
    return found[0]


def component_lines(block: str) -> int:
    """The block's lines that are not blank, an import or its ``@hookimpl`` function."""
    skipped: set[int] = set()
    for node in ast.parse(block).body:
        decorators = getattr(node, "decorator_list", [])
        if isinstance(node, ast.Import | ast.ImportFrom) or any(ast.unparse(d) == "hookimpl" for d in decorators):
            start = min([node.lineno, *(d.lineno for d in decorators)])
            skipped.update(range(start, (node.end_lineno or node.lineno) + 1))
    return sum(1 for number, line in enumerate(block.splitlines(), 1) if line.strip() and number not in skipped)


def import_module_at(directory: Path, name: str, source: str) -> ModuleType:
    (directory / f"{name}.py").write_text(source)
    return importlib.import_module(name)


PORTABLE_AGENT = '''
import chz

from doc_coding_agent import WholeFile
from tinkerer_core import hookimpl


@chz.chz
class PortableWholeFile(WholeFile):
    """``whole_file``, allowed to run where an executor ships the experiment."""

    def can_run_remotely(self) -> bool:
        return True


@hookimpl
def tinkerer_register_coding_agents(register):
    register("portable_whole_file", PortableWholeFile)
'''


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory on ``sys.path`` for the page's blocks as modules (``doc_<kind>``): jobs that hold their
    components pickle by reference to them."""
    directory = tmp_path_factory.mktemp("doc_plugins")
    sys.path.insert(0, str(directory))
    yield directory
    sys.path.remove(str(directory))
    for name in [name for name in sys.modules if name.startswith("doc_")]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def doc(plugin_dir: Path) -> Iterator[dict[str, ModuleType]]:
    """Each block of "A plugin of each kind", imported as a module and registered as plugin ``doc-<kind>``; and a
    portable twin of the coding agent, for the executor's other path."""
    sources = {kind_of(block): block for block in blocks("A plugin of each kind")}
    loaded = {kind: import_module_at(plugin_dir, f"doc_{kind}", source) for kind, source in sources.items()}
    loaded["portable"] = import_module_at(plugin_dir, "doc_portable_agent", PORTABLE_AGENT)
    with ExitStack() as stack:
        for kind, module in loaded.items():
            stack.enter_context(get_manager().registered(module, f"doc-{kind}"))
        yield loaded


# --- the page: one block per kind, short, on the public surface ----------------------------------------------


def test_each_kind_has_one_block_whose_component_is_as_short_as_the_page_says() -> None:
    found = [kind_of(block) for block in blocks("A plugin of each kind")]
    assert sorted(found) == sorted(KINDS)
    for block in blocks("A plugin of each kind"):
        kind = kind_of(block)
        limit = KNOWLEDGE_LIMIT if kind == "knowledge_backend" else LIMIT
        assert component_lines(block) < limit, (
            f"the {kind} is {component_lines(block)} lines, the page says under {limit}"
        )
    said = " ".join(section("A plugin of each kind").split())
    named = re.findall(r"`(\w+)`", said.split("Below is", 1)[0])
    assert sorted(named) == sorted(kind.plural for kind in KINDS.values())
    assert f"is under {LIMIT} lines, blank lines not counted" in said
    assert f"the knowledge backend, with six methods to implement, is under {KNOWLEDGE_LIMIT}" in said


def test_the_blocks_and_the_hello_plugin_import_only_the_public_surface(plugin_dir: Path) -> None:
    paths = [HELLO_SRC / "tinkerer_plugin_hello" / "plugin.py"]
    for number, block in enumerate(blocks("A plugin of each kind") + blocks("Test a plugin in-process")):
        paths.append(plugin_dir / f"surface_{number}.py")
        paths[-1].write_text(block)
    for path in paths:
        for module, names, line in imports(path):
            assert module in PUBLIC, f"{path.name}:{line} imports {module}"
            for name in names:
                assert hasattr(importlib.import_module(module), name), f"{path.name}:{line}: {module}.{name}"
                assert module != "tinkerer_core" or name in tinkerer_core.__all__, f"{path.name}:{line}: {name}"


def test_the_page_lists_the_whole_public_surface() -> None:
    text = section("What a plugin imports")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| for ")]
    listed = [name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[2])]
    assert sorted(listed) == sorted(tinkerer_core.__all__)
    toolkit = [line for line in text.splitlines() if line.startswith("- `tinkerer_core.")]
    modules = [re.findall(r"`([\w.]+)`", line)[0] for line in toolkit]
    assert sorted(modules) == sorted(tinkerer_core.TOOLKIT)
    for module, line in zip(modules, toolkit, strict=True):
        for name in re.findall(r"`(\w+)`", line):
            assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"
    for private in re.findall(r"`(tinkerer_core\.\w+)`", text.split("Every other module", 1)[1].split(")", 1)[0]):
        assert private not in tinkerer_core.TOOLKIT
        importlib.import_module(private)


def test_tinkerer_list_shows_each_component_with_its_plugin(doc: dict[str, ModuleType], capsys) -> None:
    for kind in KINDS.values():
        assert main(["list", kind.plural]) == 0
        lines = [line for line in capsys.readouterr().out.splitlines() if line.endswith(f"(doc-{kind.name})")]
        assert len(lines) == 1, kind.plural
        name = lines[0].split()[0]
        assert get_manager().lookup(kind.name, name).plugin == f"doc-{kind.name}"


# --- the hello plugin: its rule, and the in-process testing examples ---------------------------------------


@pytest.fixture
def hello() -> Iterator[ModuleType]:
    """The hello fixture's plugin module, registered in-process as its entry point would."""
    sys.path.insert(0, str(HELLO_SRC))
    try:
        module = importlib.import_module("tinkerer_plugin_hello.plugin")
        with get_manager().registered(module, "hello"):
            yield module
    finally:
        sys.path.remove(str(HELLO_SRC))
        for name in [name for name in sys.modules if name.startswith("tinkerer_plugin_hello")]:
            del sys.modules[name]


@needs_defaults
def test_a_field_rule_is_shown_by_help_and_a_refused_value_names_the_field(hello: ModuleType, capsys) -> None:
    assert main(["evolve", "goal=x", "evaluator=hello_length", "--help"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "evaluator.max_chars " in line)
    assert row.endswith("characters beyond this many do not count [at least 1]")
    assert main(["evolve", "goal=x", "evaluator=hello_length", "evaluator.max_chars=0"]) == 2
    assert capsys.readouterr().err == "error: evaluator.max_chars must be at least 1, got 0\n"


def test_the_in_process_testing_examples_pass(hello: ModuleType, plugin_dir: Path, tmp_path: Path) -> None:
    examples = blocks("Test a plugin in-process")
    assert len(examples) == 2
    for number, block in enumerate(examples):
        module = import_module_at(plugin_dir, f"doc_testing_{number}", block)
        tests = [value for name, value in vars(module).items() if name.startswith("test_")]
        assert tests
        for test in tests:
            test(**({"tmp_path": tmp_path} if "tmp_path" in inspect.signature(test).parameters else {}))
    with pytest.raises(ValueError, match="already registered"):
        get_manager().register(hello, "hello-again")


def test_component_registration_hooks_stay_out_of_the_trace(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "TINKERER_PLUGINS"}
    traced = subprocess.run(
        [sys.executable, "-m", "tinkerer_core.cli", "runs"],
        cwd=tmp_path,
        env={**env, TRACE_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "tinkerer_register_commands [hook]" in traced.stderr
    assert "tinkerer_register_evaluators [hook]" not in traced.stderr


# --- "Use them": the evolve run, its deployment, the index, the training, the research ---------------------


def reply(sort: str) -> str:
    """A model's answer: the whole program, sorting with ``sort``; it also says where it ran."""
    program = (
        "import os\n\n\n"
        "def predict(inputs):\n"
        f"    return {sort}\n\n\n"
        'if __name__ == "__main__":\n'
        '    with open("data/words.txt") as words:\n'
        '        print("\\n".join(predict({"words": words.read().split()})))\n'
        '    print("ran in", os.environ["TINKERER_WORKSPACE"])\n'
    )
    return f"Here is the program.\n\n{CODE}python\n{program}{CODE}\n"


REVERSED = reply('sorted(inputs["words"], reverse=True)')
SORTED = reply('sorted(inputs["words"])')


def ran_in(experiment: Experiment) -> Path:
    """The workspace an experiment's solution ran in, as it printed it."""
    assert experiment.result is not None
    return Path(experiment.result.output.split("ran in ", 1)[1].strip())


def run_block(block: str, replacements: dict[str, str], **names: Any) -> dict[str, Any]:
    """Run a "Use them" block with ``replacements`` made (each must be there), ``Tinkerer`` and ``names`` given."""
    for old, new in replacements.items():
        assert old in block, f"the page's block no longer holds {old}"
        block = block.replace(old, new)
    namespace: dict[str, Any] = {"Tinkerer": Tinkerer, **names}
    exec(compile(block, "docs/plugins.md", "exec"), namespace)
    return namespace


@pytest.fixture
def words(workdir: Path) -> Path:
    (workdir / "data").mkdir()
    (workdir / "data" / "words.txt").write_text("pear\napple\nfig\n")
    return workdir


@needs_defaults
@pytest.mark.slow
def test_the_evolve_run_uses_every_doc_component_and_deploys_its_best(
    doc: dict[str, ModuleType], words: Path, capsys
) -> None:
    evolve = blocks("Use them")[0]
    ran = run_block(evolve, {MODEL: SCRIPTED_MODEL}, REPLIES=(REVERSED,))
    solution: Solution = ran["solution"]
    assert solution.score == pytest.approx(1 / 3)  # pear fig apple: only "fig" is in its place
    assert solution.stop_reason == "no better score in the last 2 experiments"
    store = RunStore(solution.run_dir)
    experiments = store.experiments()
    assert [(e.kind, e.parent_id, e.idea) for e in experiments] == [
        ("draft", None, "a first solution"),
        ("improve", 1, "simplify the code"),
        ("improve", 1, "handle edge cases"),
    ]
    assert {e.evaluation.feedback for e in experiments if e.evaluation} == {"line 1: expected 'apple', got 'pear'"}
    assert [call["purpose"] for call in store.llm_calls()] == ["whole_file"] * 3
    assert [ran_in(e) for e in experiments] == [solution.run_dir / "workspaces" / f"exp-{e.id}" for e in experiments]
    assert 'sorted(inputs["words"], reverse=True)' in (solution.path / "main.py").read_text()
    printed = capsys.readouterr().out.splitlines()
    assert f"{solution.score} {solution.stop_reason}" in printed
    assert "{'status': 'success', 'output': ['pear', 'fig', 'apple']}" in printed
    assert not ran["software"].is_healthy()  # the with block stopped it


@needs_defaults
@pytest.mark.slow
def test_a_portable_experiment_runs_in_a_copy_and_its_commits_are_replayed(
    doc: dict[str, ModuleType], words: Path
) -> None:
    solution = Tinkerer().evolve(
        "print the words of data/words.txt in alphabetical order, one per line",
        data_dir="data",
        evaluator="expected_lines",
        evaluator_params={"expected": ("apple", "fig", "pear")},
        stop_condition="good_enough",
        search_strategy="greedy",
        coding_agent="portable_whole_file",
        executor="copies",
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": (SORTED,)},
    )
    assert (solution.score, solution.stop_reason) == (1.0, "the best score 1 reached the target 1")
    (experiment,) = RunStore(solution.run_dir).experiments()
    assert not ran_in(experiment).is_relative_to(solution.run_dir)  # a scratch copy, with the run's data linked in
    assert not ran_in(experiment).exists()  # and gone
    repo = solution.run_dir / "repo"
    log = subprocess.run(["git", "log", "--format=%s", experiment.commit], cwd=repo, capture_output=True, text=True)
    assert log.stdout.startswith("exp-1 attempt 1: a first solution")  # replayed here, as a commit of the run
    assert 'sorted(inputs["words"])' in (solution.path / "main.py").read_text()


def test_the_index_reopens_and_finds_pages_with_their_links(doc: dict[str, ModuleType], workdir: Path, capsys) -> None:
    graph = {
        "nodes": {
            "backoff": {
                "name": "Exponential backoff",
                "type": "Principle",
                "content": "Retry after a delay that doubles with each failure.",
            },
            "jitter": {"name": "Jitter", "type": "Heuristic", "content": "Add randomness to the retry delay."},
            "timeouts": {"name": "Timeouts", "type": "Principle", "content": "Give every request a deadline."},
        },
        "edges": [
            {"source": "backoff", "target": "jitter", "relationship": "refined_by"},
            {"source": "jitter", "target": "timeouts", "relationship": "needs"},
        ],
    }
    (workdir / "graph.json").write_text(json.dumps(graph))
    run_block(blocks("Use them")[1], {})
    assert capsys.readouterr().out.splitlines() == [
        "4 Exponential backoff ['Jitter']",  # retry, with, exponential, backoff
        "1 Jitter ['Exponential backoff', 'Timeouts']",  # retry
    ]
    assert json.loads((workdir / "retries.index").read_text())["backend_refs"] == {"path": "retries.json"}


def test_the_trainer_fits_the_line_and_saves_its_checkpoint_and_metrics(
    doc: dict[str, ModuleType], workdir: Path, capsys
) -> None:
    points = [{"x": x / 4, "y": 2 * x / 4 + 1} for x in range(-4, 5)]  # y = 2x + 1
    (workdir / "points.jsonl").write_text("".join(json.dumps(point) + "\n" for point in points))
    steps: list[int] = []

    class Listener:
        @hookimpl
        def tinkerer_train_metrics(self, run_dir: str, step: int, metrics: dict[str, float]) -> None:
            steps.append(step)

    with get_manager().registered(Listener(), "metrics-listener"):
        result = run_block(blocks("Use them")[2], {})["result"]
    fit = json.loads(Path(result.checkpoints[-1].uri).read_text())
    assert fit == pytest.approx({"w": 2.0, "b": 1.0}, abs=1e-3)
    logged = [json.loads(line) for line in (workdir / "runs/line/metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in logged] == steps == list(range(1, 301))
    assert logged[-1]["loss"] < 1e-6 < logged[0]["loss"]
    assert capsys.readouterr().out.split()[1] == "runs/line/fit.json"


class SearXNGStandIn(ThreadingHTTPServer):
    """SearXNG's search API as its docs give it: ``GET /search?q=...&format=json``; 403 when json is off."""

    RESULTS = [
        {"url": "https://example.org/backoff", "title": "Exponential backoff", "content": "Double the delay."},
        {"url": "https://example.org/jitter", "title": "Jitter", "content": "Randomize the delay."},
    ]

    def __init__(self, json_enabled: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), SearXNGHandler)
        self.json_enabled, self.queries = json_enabled, list[dict[str, list[str]]]()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class SearXNGHandler(BaseHTTPRequestHandler):
    server: SearXNGStandIn

    def do_GET(self) -> None:
        address = urlsplit(self.path)
        query = parse_qs(address.query)
        self.server.queries.append(query)
        if address.path != "/search" or query.get("format") != ["json"] or not self.server.json_enabled:
            self.send_error(403)
            return
        body = json.dumps(
            {
                "query": query["q"][0],
                "number_of_results": 2,
                "results": self.server.RESULTS,
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": [],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def searxng() -> Iterator[SearXNGStandIn]:
    server = SearXNGStandIn()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


FINDINGS = "- Double the delay after each failure [1].\n- Randomize it so clients do not retry together [2]."


@needs_defaults
def test_a_research_searches_through_the_provider_and_cites_its_results(
    doc: dict[str, ModuleType], searxng: SearXNGStandIn, capsys
) -> None:
    research = blocks("Use them")[3]
    report = run_block(research, {MODEL: SCRIPTED_MODEL, SEARXNG: repr(searxng.url)}, REPLIES=(FINDINGS,))["report"]
    assert searxng.queries == [{"q": ["how should a client retry a failed request?"], "format": ["json"]}]
    assert report.sources == ("https://example.org/backoff", "https://example.org/jitter")
    findings = report.report_markdown.split("## Findings\n", 1)[1]
    assert "https://example.org/backoff" in findings.splitlines()[0]
    assert "https://example.org/jitter" in findings.splitlines()[1]
    assert report.report_markdown.strip() in capsys.readouterr().out


# --- each component's other branches, as the page describes them -------------------------------------------


def test_a_searxng_that_refuses_json_or_does_not_answer_is_a_reason_in_the_report(
    doc: dict[str, ModuleType], searxng: SearXNGStandIn
) -> None:
    searxng.json_enabled = False
    provider = create_component("web_search_provider", "searxng", {"url": searxng.url})
    with pytest.raises(WebSearchError, match=rf"SearXNG at {searxng.url} gave no results: HTTP Error 403"):
        provider.search("anything", 5)
    report = Tinkerer().research(
        "anything",
        provider="searxng",
        provider_params={"url": searxng.url},
        llm_params={"model": "openai/gpt-4o-mini", "mock_responses": ("- nothing to cite",)},
    )
    assert "> Web search with searxng failed (SearXNG at" in report.report_markdown
    searxng.shutdown()
    searxng.server_close()  # nothing listens there any more
    with pytest.raises(WebSearchError, match="Connection refused"):
        provider.search("anything", 5)


def context(output: str, workspace: Path) -> EvaluationContext:
    result = RunResult(command="python main.py", exit_code=0, duration_s=0.1, output=output)
    return EvaluationContext(goal="sort", result=result, workspace=workspace)


def test_the_evaluator_scores_lines_in_place_and_names_the_first_miss(
    doc: dict[str, ModuleType], tmp_path: Path
) -> None:
    evaluator = create_component("evaluator", "expected_lines", {"expected": ("apple", "fig", "pear")})
    assert evaluator.evaluate(context("apple\nfig\npear\nmore\n", tmp_path)).score == 1.0
    short = evaluator.evaluate(context("apple\n", tmp_path))
    assert (short.score, short.feedback) == (pytest.approx(1 / 3), "line 2: expected 'fig', got nothing")


def test_the_stop_condition_stops_at_its_target_or_when_patience_runs_out(doc: dict[str, ModuleType]) -> None:
    stop = create_component("stop_condition", "good_enough", {"target": 0.9, "patience": 2})

    def state(scores: list[float | None], direction: Direction = Direction.MAXIMIZE) -> RunState:
        return RunState(len(scores), 1.0, 0.0, scores, 0, direction)

    assert stop.check(state([0.5, 0.95])).reason == "the best score 0.95 reached the target 0.9"
    assert not stop.check(state([0.5, 0.6, 0.6])).stop
    assert stop.check(state([0.5, 0.6, 0.6, None])).reason == "no better score in the last 2 experiments"
    assert stop.check(state([2.0, 0.8], Direction.MINIMIZE)).reason == "the best score 0.8 reached the target 0.9"


def experiment(number: int, status: ExperimentStatus, score: float | None = None, kind: str = "draft") -> Experiment:
    from tinkerer_core import Evaluation

    evaluation = Evaluation(score=score) if score is not None else None
    return Experiment(number, None, number, "", status, kind=kind, evaluation=evaluation)


def test_the_search_debugs_a_failure_once_and_improves_the_best_with_each_idea(doc: dict[str, ModuleType]) -> None:
    greedy = create_component("search_strategy", "greedy", {"ideas": ("a", "b", "c")})

    def propose(experiments: list[Experiment], count: int = 1) -> list[tuple[int | None, str, str]]:
        state = SearchState("goal", Direction.MAXIMIZE, experiments, len(experiments), 10, 0)
        return [(p.parent_id, p.idea, p.kind) for p in greedy.propose(state, count)]

    failed = experiment(1, ExperimentStatus.FAILED)
    assert propose([]) == [(None, "a first solution", "draft")]
    assert propose([failed]) == [(1, "fix the error of the last run", "debug")]
    assert propose([failed, experiment(2, ExperimentStatus.FAILED, kind="debug")]) == [
        (None, "a first solution", "draft")
    ]
    scored = [experiment(1, ExperimentStatus.SUCCEEDED, 0.2), experiment(2, ExperimentStatus.SUCCEEDED, 0.7)]
    assert propose(scored, count=2) == [(2, "c", "improve"), (2, "a", "improve")]


@needs_defaults
def test_the_coding_agent_reports_a_reply_without_code_and_a_missing_model(
    doc: dict[str, ModuleType], tmp_path: Path
) -> None:
    from tinkerer_core import LLMConfig, LLMLedger, open_llm

    agent = create_component("coding_agent", "whole_file")
    llm = open_llm(LLMConfig(model="openai/gpt-4o-mini", mock_responses=("I would rather not.",)), LLMLedger())
    refused = agent.implement(AgentRequest(goal="g", workspace=tmp_path, idea="", llm=llm))
    assert (refused.changed_files, refused.error) == ((), "the reply holds no ```python block")
    alone = agent.implement(AgentRequest(goal="g", workspace=tmp_path, idea=""))
    assert alone.error == "no model to ask: pip install tinkerer-plugin-litellm"
    assert list(tmp_path.iterdir()) == []


def page(
    page_id: str, page_type: str = "Principle", domains: tuple[str, ...] = (), edges=(), content: str = ""
) -> KnowledgePage:
    return KnowledgePage(
        id=page_id, title=page_id, page_type=page_type, overview="", content=content, domains=domains, edges=edges
    )


def test_the_knowledge_backend_filters_follows_links_and_clears_only_its_file(
    doc: dict[str, ModuleType], tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    other.write_text("{}")
    backend = create_component("knowledge_backend", "keyword_file", {"path": str(tmp_path / "kb.json")})
    pages = [
        page("a", edges=(("uses", "b"),), content="cache invalidation", domains=("web",)),
        page("b", "Heuristic", edges=(("uses", "c"),), content="cache warming"),
        page("c", content="retries"),
    ]
    assert backend.index(pages) == 3
    assert backend.index([page("c", content="retries and timeouts")]) == 1  # updated by id
    reopened = create_component("knowledge_backend", "keyword_file", backend.refs())
    assert reopened.count() == 3 and reopened.get("c").content == "retries and timeouts"
    assert [(hit.page.id, hit.score) for hit in reopened.search("cache invalidation")] == [("a", 2), ("b", 1)]
    assert [hit.page.id for hit in reopened.search("cache", filters={"page_types": ["Heuristic"]})] == ["b"]
    assert [hit.page.id for hit in reopened.search("cache", filters={"domains": ["web"]})] == ["a"]
    assert [p.id for p in reopened.neighbors("c")] == ["b"]
    assert [p.id for p in reopened.neighbors("c", depth=2)] == ["a", "b"]
    assert reopened.get("missing") is None
    reopened.clear()
    assert (reopened.count(), sorted(path.name for path in tmp_path.iterdir())) == (0, ["other.json"])


def test_the_deployer_reports_failures_as_results_and_serves_again_after_a_stop(
    doc: dict[str, ModuleType], tmp_path: Path
) -> None:
    (tmp_path / "main.py").write_text("def predict(inputs):\n    return 10 / inputs['x']\n")
    software = Tinkerer().deploy(tmp_path, "in_process")
    assert software.run({"x": 4}) == {"status": "success", "output": 2.5}
    assert software.run({"x": 0}) == {"status": "error", "error": "ZeroDivisionError: division by zero"}
    software.stop()
    assert not software.is_healthy()
    assert software.run({"x": 4}) == {"status": "error", "error": "stopped: start() it again"}
    software.start()
    assert software.is_healthy() and software({"x": 5}) == {"status": "success", "output": 2.0}
    assert software.logs() == "{'x': 4} -> 2.5\n{'x': 5} -> 2.0"
    (tmp_path / "main.py").write_text("def run(inputs):\n    return 1\n")
    with pytest.raises(TinkererError, match=r"main.py defines no predict\(inputs\) to serve"):
        Tinkerer().deploy(tmp_path, "in_process")


def test_a_plugin_deployer_is_chosen_by_name_and_a_wrong_name_lists_the_installed(
    doc: dict[str, ModuleType], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert Tinkerer().plan_deploy(tmp_path, "in_process").deployer == "in_process"
    with pytest.raises(TinkererError, match=r"unknown deployer 'in_proces'; installed deployers: .*in_process"):
        Tinkerer().deploy(tmp_path, "in_proces")
    (tmp_path / "main.py").write_text("def predict(inputs):\n    return inputs['x'] * 2\n")
    assert main(["deploy", str(tmp_path), "--strategy", "in_process", "--input", '{"x": 21}']) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"status": "success", "output": 42} and "deploying with in_process" in err
    assert main(["deploy", str(tmp_path), "--strategy", "in_proces", "--input", "{}"]) == 2
    assert "did you mean 'in_process'?" in capsys.readouterr().err


def test_the_trainer_refuses_bad_values_and_imports_numpy_only_to_train(
    doc: dict[str, ModuleType], plugin_dir: Path, workdir: Path
) -> None:
    with pytest.raises(TinkererError, match=r"^trainer\.steps must be at least 1, got 0$"):
        Tinkerer().train("line_fit", data="points.jsonl", steps=0)
    listing = (
        "import sys; import doc_trainer; from tinkerer_core.plugins import PluginManager; "
        "manager = PluginManager(load_entry_points=False); manager.register(doc_trainer, 'doc'); "
        "print(manager.names('trainer'), 'numpy' in sys.modules)"
    )
    listed = subprocess.run([sys.executable, "-c", listing], cwd=plugin_dir, capture_output=True, text=True, timeout=60)
    assert listed.stdout == "['line_fit'] False\n", listed.stderr


def test_the_benchmark_suite_prepares_its_view_and_grades_with_the_hidden_answer(
    doc: dict[str, ModuleType], workdir: Path
) -> None:
    suite = create_component("benchmark_suite", "capitals", {})
    (problem,) = suite.problems()
    setup = suite.prepare(problem.id, workdir / "view")
    assert [path.name for path in setup.data_dir.iterdir()] == ["country.txt"]  # the answer is not in the view
    assert suite.private_paths(problem.id) == ((workdir / "capitals-private").resolve(),)
    solution = workdir / "solution"
    solution.mkdir()
    assert (suite.grade(problem.id, solution).valid_submission, suite.grade(problem.id, solution).verdict) == (
        False,
        "no answer.txt",
    )
    for written, score in (("Lyon\n", 0.0), ("Paris\n", 1.0)):
        (solution / "answer.txt").write_text(written)
        grade = suite.grade(problem.id, solution)
        assert (grade.valid_submission, grade.score) == (True, score)
