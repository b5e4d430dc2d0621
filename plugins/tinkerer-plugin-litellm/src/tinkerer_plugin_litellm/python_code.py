"""Python-aware help for landing edits: does a candidate compile, is it the parent again, is it a fragment.

Small models often answer with just the function they changed, add example calls around it, or repeat the
parent unchanged. A fragment's definitions are spliced into the parent by name (``merge_definitions``), so
a one-function answer edits that function and keeps the rest of the file.
"""

from __future__ import annotations

import ast
import warnings

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
IMPORTS = (ast.Import, ast.ImportFrom)


def parse(text: str) -> ast.Module | None:
    """The module ``text`` parses to, or None when it is not valid Python."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences in a model's strings
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def syntax_error(text: str) -> str:
    """Why ``text`` is not valid Python (``line 3: invalid syntax``), or an empty string."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as error:
        return f"line {error.lineno}: {error.msg}"
    except ValueError as error:
        return str(error)
    return ""


def _without_docstrings(tree: ast.Module) -> ast.Module:
    """``tree`` with the docstrings of the module, its functions and classes removed (in place)."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, *DEFINITIONS)) and body and is_docstring(body[0]):
            node.body = body[1:] or [ast.Pass()]
    return tree


def is_docstring(node: ast.stmt) -> bool:
    """A bare string statement: the docstring, when it comes first in a body."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def same_program(a: str, b: str) -> bool:
    """Whether two sources are the same program up to formatting, comments and docstrings (both must parse)."""
    tree_a, tree_b = parse(a), parse(b)
    if tree_a is None or tree_b is None:
        return False
    return ast.dump(_without_docstrings(tree_a)) == ast.dump(_without_docstrings(tree_b))


def parsing_prefix(text: str) -> str | None:
    """The longest run of whole top-level statements at the start of ``text`` that parses (a cut-off reply's
    complete part), or None when not even the first statement does."""
    lines = text.splitlines(keepends=True)
    starts = [index for index, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "\n", "#", ")", "]", "}")]
    for end in reversed(starts[1:]):
        prefix = "".join(lines[:end])
        if parse(prefix) is not None and prefix.strip():
            return prefix
    return None


def defined_names(tree: ast.Module) -> list[str]:
    """The names of the module's top-level functions and classes, in order."""
    return [node.name for node in tree.body if isinstance(node, DEFINITIONS)]


def is_fragment(parent: ast.Module, candidate: ast.Module) -> bool:
    """A candidate that redefines some of the parent's functions but leaves others out: a partial answer."""
    ours, theirs = set(defined_names(parent)), set(defined_names(candidate))
    return bool(ours & theirs) and not ours <= theirs


def span(node: ast.stmt) -> tuple[int, int]:
    """The 0-based line range of a statement, decorators included."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(decorator.lineno for decorator in decorators)]) - 1
    return start, node.end_lineno or node.lineno


def _source(lines: list[str], node: ast.stmt) -> str:
    start, end = span(node)
    return "".join(lines[start:end]).rstrip("\n") + "\n"


def _referenced(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


BRANCHES = (ast.If, ast.IfExp, ast.While, ast.For, ast.Try, ast.BoolOp, ast.Match)


def recurses_unconditionally(node: ast.stmt) -> bool:
    """A function that calls itself with no branch anywhere in its body: it can only recurse forever."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    inner = [child for statement in node.body for child in ast.walk(statement)]
    calls_itself = any(
        isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == node.name
        for child in inner
    )
    return calls_itself and not any(isinstance(child, BRANCHES) for child in inner)


def is_empty(node: ast.stmt) -> bool:
    """A function whose body is only a docstring, ``pass`` or ``...``: a stub, not an implementation."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return all(
        isinstance(child, ast.Pass) or (isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant))
        for child in node.body
    )


def with_parent_docstring(lines: list[str], node: ast.stmt, parent_lines: list[str], parent_node: ast.stmt) -> str:
    """The source of ``node`` with ``parent_node``'s docstring in place of its own (or of none)."""
    source = _source(lines, node)
    body, parent_body = getattr(node, "body", []), getattr(parent_node, "body", [])
    if not body or not parent_body or not is_docstring(parent_body[0]):
        return source
    if body[0].lineno == node.lineno:  # a one-line definition: nowhere to put it
        return source
    start = span(node)[0]
    docstring = _source(parent_lines, parent_body[0]).splitlines(keepends=True)
    indent = " " * body[0].col_offset
    docstring = [indent + line[parent_body[0].col_offset :] if line.strip() else line for line in docstring]
    own = source.splitlines(keepends=True)
    at = body[0].lineno - 1 - start
    after = (body[0].end_lineno or body[0].lineno) - start if is_docstring(body[0]) else at
    return "".join([*own[:at], *docstring, *own[after:]])


def merge_definitions(parent: str, fragment: str, *, careful: bool = False) -> str | None:
    """``parent`` with the fragment's functions and classes put in place of the same-named ones.

    New definitions that the merged code uses go after the parent's last definition, new imports after its
    imports; the fragment's other top-level statements (example calls, asserts, prints) and unused new
    definitions are dropped. ``careful`` (for small models): a name defined twice takes its first definition,
    a definition that can only recurse forever or has an empty body keeps the parent's, and a rewrite keeps
    the parent's docstring (the contract: small models drop or drift it). None when either does not parse.
    """
    parent_tree, fragment_tree = parse(parent), parse(fragment)
    if parent_tree is None or fragment_tree is None:
        return None
    parent_lines = parent.splitlines(keepends=True)
    fragment_lines = fragment.splitlines(keepends=True)
    fragment_defs: dict[str, ast.stmt] = {}
    for node in fragment_tree.body:
        if not isinstance(node, DEFINITIONS) or (careful and (recurses_unconditionally(node) or is_empty(node))):
            continue
        if not careful or node.name not in fragment_defs:
            fragment_defs[node.name] = node
    parent_defs = {node.name: node for node in parent_tree.body if isinstance(node, DEFINITIONS)}
    ours = set(parent_defs)
    used = _referenced(parent_tree).union(*(_referenced(fragment_defs[name]) for name in ours & set(fragment_defs)))
    while True:  # a new helper is kept when kept code uses it, transitively
        grown = used.union(*(_referenced(node) for name, node in fragment_defs.items() if name in used))
        if grown == used:
            break
        used = grown
    new_defs = {
        name: with_parent_docstring(fragment_lines, node, parent_lines, parent_defs[name])
        if careful and name in parent_defs
        else _source(fragment_lines, node)
        for name, node in fragment_defs.items()
        if name in ours or name in used
    }
    existing_imports = {ast.dump(node) for node in parent_tree.body if isinstance(node, IMPORTS)}
    new_imports = [
        _source(fragment_lines, node)
        for node in fragment_tree.body
        if isinstance(node, IMPORTS) and ast.dump(node) not in existing_imports
    ]
    replaced: dict[int, str] = {}  # start line -> new text, for each parent definition redefined
    skip: set[int] = set()
    last_def_end = 0
    last_import_end = 0
    for node in parent_tree.body:
        start, end = span(node)
        if isinstance(node, IMPORTS):
            last_import_end = end
        if isinstance(node, DEFINITIONS):
            last_def_end = end
            if node.name in new_defs:
                replaced[start] = new_defs.pop(node.name)
                skip.update(range(start, end))
    out: list[str] = []
    for index, line in enumerate(parent_lines):
        if index == last_import_end and new_imports and last_import_end:
            out.extend(new_imports)
        if index in replaced:
            out.append(replaced[index])
        if index not in skip:
            out.append(line)
        if index + 1 == last_def_end and new_defs:
            out.extend(["\n", "\n", *"\n\n".join(new_defs.values()).splitlines(keepends=True)])
    if new_imports and not last_import_end:
        out = [*new_imports, "\n", *out]
    if new_defs and not last_def_end:
        out.extend(["\n", *new_defs.values()])
    return "".join(out)
