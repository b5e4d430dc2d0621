from __future__ import annotations

import re
from pathlib import Path

import pytest

from tinkerer_plugin_deploy_local import Entry, EntryError, find_entry


def test_a_predict_function_in_main_is_the_default_entry(solution_dir: Path) -> None:
    assert find_entry(solution_dir) == Entry("main", "predict")


def test_the_first_conventional_function_and_file_win(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("def helper(x):\n    pass\n\ndef handler(event):\n    return event\n")
    (tmp_path / "requirements.txt").write_text("numpy\n")
    assert find_entry(tmp_path) == Entry("solution", "handler", "requirements.txt")


def test_a_main_without_entry_function_is_served_as_a_program(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("def predict():\n    pass\nprint('hi')\n")  # takes no inputs
    assert find_entry(tmp_path) == Entry("main", None)


def test_tinkerer_toml_names_the_entry(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "serve.py").write_text("def answer(inputs):\n    return 42\n")
    (tmp_path / "tinkerer.toml").write_text('[deploy]\nentry = "pkg.serve:answer"\nrequirements = "reqs.txt"\n')
    assert find_entry(tmp_path) == Entry("pkg.serve", "answer", "reqs.txt")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[deploy]\nentry = "main predict"\n', 'should look like "module:function"'),
        ('[deploy]\nentry = "absent:predict"\n', "absent.py, which does not exist"),
        ('[deploy]\nentry = "main:nothing"\n', "has no top-level function nothing(inputs)"),
        ("[deploy\n", "is not valid TOML"),
    ],
)
def test_a_wrong_tinkerer_toml_says_what_is_wrong(solution_dir: Path, toml: str, message: str) -> None:
    (solution_dir / "tinkerer.toml").write_text(toml)
    with pytest.raises(EntryError, match=re.escape(message)):
        find_entry(solution_dir)


def test_no_entry_says_what_would_be_one(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to serve")
    with pytest.raises(EntryError, match=r"define `def predict\(inputs\)`.*tinkerer.toml"):
        find_entry(tmp_path)
    with pytest.raises(EntryError, match="does not exist"):
        find_entry(tmp_path / "missing")
