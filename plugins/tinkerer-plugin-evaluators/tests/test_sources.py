"""workspace_sources shows an LLM the workspace's code, bounded."""

from __future__ import annotations

from tinkerer_plugin_evaluators.sources import workspace_sources


def test_lists_source_files_and_skips_hidden_and_dependency_folders(tmp_path) -> None:
    (tmp_path / "main.py").write_text("print('main')\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "model.py").write_text("W = 1\n")
    (tmp_path / "data.csv").write_text("a,b\n")
    for skipped in (".git", ".venv", "__pycache__", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.py").write_text("hidden\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "main.py")
    assert workspace_sources(tmp_path) == "--- lib/model.py ---\nW = 1\n\n--- main.py ---\nprint('main')\n"


def test_stops_at_the_character_budget(tmp_path) -> None:
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("x" * 100)
    text = workspace_sources(tmp_path, max_chars=150)
    assert text.startswith("--- a.py ---\n" + "x" * 100)
    assert "--- b.py ---" in text and "[cut]" in text
    assert text.endswith("[1 more files not shown]")
    assert "c.py" not in text
