"""Turning sources into wiki pages by deterministic parsing: READMEs, module structure, docstrings,
requirements, research reports and the solutions Tinkerer built.

Files are read as bytes: binary ones (a NUL among the first 8000 bytes, git's rule) are skipped,
text that is not UTF-8 is decoded with replacement characters, and names that are not UTF-8 are skipped.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from tinkerer_core.components import KnowledgePage
from tinkerer_core.errors import ConfigError, MissingPluginError
from tinkerer_core.knowledge.wiki import link, page_id, slug
from tinkerer_core.llm import LLM, LLMError
from tinkerer_core.prompts import bounded
from tinkerer_core.types import Solution, Source
from tinkerer_core.workspace_files import is_binary_file, read_file_text

logger = logging.getLogger(__name__)
CONTENT_CHARS = 6000
MAX_LESSONS = 3
SKIPPED_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", "build", "dist", ".tox"}
MAX_MODULES = 200
HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)


def repo_checkout(source: Source.Repo, cache_dir: Path) -> Path:
    """A local path as it is (read only), or a URL cloned shallow into the cache; nothing is ever pushed."""
    local = Path(source.url).expanduser()
    if local.is_dir():
        return local.resolve()
    target = (
        cache_dir
        / f"{slug(source.url.rstrip('/').rpartition('/')[2])}-{hashlib.sha256(source.url.encode()).hexdigest()[:8]}"
    )
    if not target.is_dir():
        command = ["git", "clone", "--depth", "1", "--quiet", *(["--branch", source.branch] if source.branch else [])]
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        done = subprocess.run([*command, source.url, str(target)], capture_output=True, text=True, env=env, timeout=600)
        if done.returncode != 0:
            raise ConfigError(f"cannot clone {source.url}: {done.stderr.strip()[-500:]}")
    return target


def repo_pages(root: Path, name: str, source: str) -> list[KnowledgePage]:
    """A Workflow page from the README, an Implementation page per Python module, an Environment page."""
    modules = _python_modules(root)
    module_names = {module: _module_name(root, module) for module in modules}
    implementation = [_module_page(root, path, module_names, source) for path in modules]
    environment = _environment_page(root, name, source)
    readmes = (read_file_text(path) for path in sorted(root.glob("README*")) if path.is_file())
    text = next((text for text in readmes if text is not None), "")
    workflow_links = [link("implemented_by", page.id) for page in implementation[:50]]
    if environment:
        workflow_links.append(link("requires", environment.id))
    workflow = KnowledgePage(
        id=page_id("Workflow", name),
        title=f"{name}: how it works",
        page_type="Workflow",
        overview=_first_paragraph(text) or f"The {name} repository.",
        content=bounded(_outline(text), CONTENT_CHARS)
        + "\n\n## Parts\n"
        + "\n".join(f"- {item}" for item in workflow_links),
        domains=(slug(name),),
        edges=(),
        source=source,
    )
    return [workflow, *implementation, *([environment] if environment else [])]


def _python_modules(root: Path) -> list[Path]:
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        found += [
            Path(directory) / name
            for name in sorted(filenames)
            if name.endswith(".py") and _utf8_name(name) and not is_binary_file(Path(directory) / name)
        ]
    return found[:MAX_MODULES]


def _utf8_name(name: str) -> bool:
    """Whether a file name (as ``os`` decodes it) was valid UTF-8: names become page ids and titles."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    parts = parts[1:] if parts[0] == "src" and len(parts) > 1 else parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or path.stem


def _module_page(root: Path, path: Path, module_names: dict[Path, str], source: str) -> KnowledgePage:
    name = module_names[path]
    try:
        tree = ast.parse(read_file_text(path) or "")
    except (SyntaxError, ValueError):  # ValueError: a NUL byte past the first 8000
        tree = ast.Module(body=[], type_ignores=[])
    lines = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            doc = (ast.get_docstring(node) or "").strip().split("\n\n")[0]
            lines.append(f"- `{kind} {node.name}`" + (f": {doc}" if doc else ""))
    local = {module: page_id("Implementation", module) for module in module_names.values()}
    uses = []
    for child in ast.walk(tree):
        imported = [alias.name for alias in child.names] if isinstance(child, ast.Import) else []
        if isinstance(child, ast.ImportFrom) and child.module:
            imported = [child.module]
        uses += [local[m] for m in imported if m in local and m != name]
    content = "\n".join(lines) or "No public functions or classes."
    if uses:
        content += "\n\n## Uses\n" + "\n".join(f"- {link('uses', target)}" for target in dict.fromkeys(uses))
    return KnowledgePage(
        id=local[name],
        title=name,
        page_type="Implementation",
        overview=(ast.get_docstring(tree) or f"The module {name}.").strip().split("\n\n")[0],
        content=bounded(content, CONTENT_CHARS),
        domains=(),
        edges=(),
        source=f"{source}:{path.relative_to(root).as_posix()}",
    )


def _environment_page(root: Path, name: str, source: str) -> KnowledgePage | None:
    requirements = []
    for file in ("requirements.txt", "pyproject.toml", "environment.yml", "setup.cfg"):
        path = root / file
        text = read_file_text(path) if path.is_file() else None
        if text is not None:
            requirements.append(f"## {file}\n```\n{bounded(text, 2000)}\n```")
    if not requirements:
        return None
    return KnowledgePage(
        id=page_id("Environment", name),
        title=f"{name}: environment",
        page_type="Environment",
        overview=f"What {name} needs installed.",
        content="\n\n".join(requirements),
        source=source,
    )


def file_pages(path: Path) -> list[KnowledgePage]:
    """A Python file as an Implementation page; any other text as a Principle page; a binary file is refused."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"cannot learn from {str(path)!r}: no such file")
    text = read_file_text(path)
    if text is None:
        raise ConfigError(f"cannot learn from {str(path)!r}: it is a binary file; learn reads text and Python files")
    if path.suffix == ".py":
        return [_module_page(path.parent, path, {path: path.stem}, str(path))]
    heading = HEADING.search(text)
    return [_text_page("Principle", heading.group(1) if heading else path.stem, text, str(path))]


def paper_pages(location: str) -> list[KnowledgePage]:
    """A PDF (path or URL) as a Principle page: its text, split into an overview and content."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise MissingPluginError("learning from papers needs pypdf: pip install pypdf") from None
    if location.startswith(("http://", "https://")):
        import io
        import urllib.request

        with urllib.request.urlopen(location, timeout=60) as response:
            reader = PdfReader(io.BytesIO(response.read()))
    else:
        if not Path(location).is_file():
            raise ConfigError(f"cannot learn from the paper {location!r}: no such file")
        reader = PdfReader(location)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or Path(location).stem
    return [_text_page("Principle", title, text, location)]


def research_pages(research: Source.Research) -> list[KnowledgePage]:
    """A research report as a Principle page (ideas) or an Implementation page (implementation)."""
    page_type = "Implementation" if research.mode == "implementation" else "Principle"
    return [_text_page(page_type, research.objective, research.report_markdown, f"research: {research.objective}")]


def solution_pages(solution: Solution, llm: LLM | None = None) -> list[KnowledgePage]:
    """What a Tinkerer run built: its code as Implementation pages and a Heuristic page of what worked
    (with lessons the model draws from the scored ideas, when it answers with usable ones)."""
    name = f"solution_{slug(solution.goal)[:40] or solution.path.name}"
    pages = repo_pages(solution.path, name, str(solution.run_dir))
    ideas = _scored_ideas(solution)
    lessons = _lessons(solution.goal, ideas, llm) if llm is not None else []
    score = "none" if solution.score is None else f"{solution.score:g}"
    heuristic = KnowledgePage(
        id=page_id("Heuristic", f"lessons_{slug(solution.goal)[:60]}"),
        title=f"What worked for: {solution.goal[:80]}",
        page_type="Heuristic",
        overview=f"Best score {score} ({solution.direction.value}) after {solution.iterations} experiments.",
        content="## Ideas by score\n"
        + "\n".join(ideas)
        + ("\n\n## Lessons (drawn by the model)\n" + "\n".join(f"- {lesson}" for lesson in lessons) if lessons else "")
        + f"\n\n{link('learned_from', pages[0].id)}",
        source=str(solution.run_dir),
    )
    return [*pages, heuristic]


def _lessons(goal: str, ideas: list[str], llm: LLM) -> list[str]:
    """Up to MAX_LESSONS short lessons from the scored ideas; none when the model's answer is not usable."""
    prompt = (
        f"A search for: {goal}\nIts ideas, best first, with their scores:\n" + "\n".join(ideas[:12]) + "\n\n"
        f"State up to {MAX_LESSONS} general lessons for similar tasks, one sentence each. "
        'Answer JSON: {"lessons": ["...", ...]}'
    )

    def validate(answer: Any) -> list[str]:
        lessons = answer.get("lessons") if isinstance(answer, dict) else None
        if (
            not isinstance(lessons, list)
            or not lessons
            or not all(isinstance(x, str) and 10 <= len(x) <= 300 for x in lessons)
        ):
            raise ValueError("lessons must be a list of sentences (10-300 characters)")
        return [" ".join(x.split()) for x in lessons[:MAX_LESSONS]]

    try:
        return llm.complete_json([{"role": "user", "content": prompt}], validate, purpose="learn: lessons")
    except LLMError as error:
        logger.warning("learn: no lessons from the model (%s)", error)
        return []


def _scored_ideas(solution: Solution) -> list[str]:
    from tinkerer_core.store import RunStore

    if not RunStore.exists(solution.run_dir):
        return ["- (the run's store is not available)"]
    store = RunStore(solution.run_dir)
    try:
        experiments = [e for e in store.experiments() if e.score is not None]
    finally:
        store.close()
    ranked = sorted(experiments, key=lambda e: e.score or 0.0, reverse=solution.direction.value == "maximize")
    return [f"- {e.score:g}: {' '.join(e.idea.split())[:200]}" for e in ranked[:20]] or ["- no experiment scored"]


def _text_page(page_type: str, title: str, text: str, source: str) -> KnowledgePage:
    return KnowledgePage(
        id=page_id(page_type, title),
        title=title.strip()[:120],
        page_type=page_type,
        overview=_first_paragraph(text) or title,
        content=bounded(text.strip(), CONTENT_CHARS),
        source=source,
    )


def _first_paragraph(text: str) -> str:
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if block and not block.startswith(("#", "```", "<", "[![", "!")):
            return " ".join(block.split())[:600]
    return ""


def _outline(text: str) -> str:
    headings = HEADING.findall(text)
    return (
        "## Outline\n" + "\n".join(f"- {h.strip()}" for h in headings[:60])
        if headings
        else bounded(text, CONTENT_CHARS)
    )
