"""Reading whole files and SEARCH/REPLACE blocks out of replies, tolerantly."""

from __future__ import annotations

import pytest

from tinkerer_plugin_litellm.edit_parsing import SearchReplace, as_path, prose, search_replace_edits, whole_files


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("main.py", "main.py"),
        ("**src/app.py**", "src/app.py"),
        ("File: utils.py", "utils.py"),
        ("`main.py`:", "main.py"),
        ("# data/load.py", "data/load.py"),
        ("Here is the code:", None),
        ("Done.", None),
        ("3.14", None),
        ("...", None),
    ],
)
def test_a_path_line_is_recognized_through_markdown(line: str, path: str | None) -> None:
    assert as_path(line) == path


def test_paths_come_from_the_fence_or_the_line_before_it() -> None:
    reply = (
        "Sure, here you go.\n\n**utils.py**\n```python\ndef f():\n    return 1\n```\n"
        "```python path=main.py\nimport utils\n```\n"
        "```py app/cli.py\nrun()\n```\nThat's all."
    )
    assert whole_files(reply, "main.py") == {
        "utils.py": "def f():\n    return 1\n",
        "main.py": "import utils\n",
        "app/cli.py": "run()\n",
    }


def test_the_last_complete_block_per_file_wins() -> None:
    reply = "main.py\n```python\nv1\n```\nBetter:\nmain.py\n```python\nv2\n```\nmain.py\n```python\nv3 is cut o"
    assert whole_files(reply, "main.py") == {"main.py": "v2\n"}


def test_a_single_unlabelled_block_is_the_main_file_and_commands_are_not() -> None:
    reply = "Run it with:\n```bash\npython train.py\n```\nCode:\n```\nprint(1)\n```"
    assert whole_files(reply, "train.py") == {"train.py": "print(1)\n"}


def test_a_longer_fence_may_contain_backticks() -> None:
    reply = 'main.py\n````python\ndoc = """\n```\nexample\n```\n"""\n````\n'
    assert whole_files(reply, "main.py") == {"main.py": 'doc = """\n```\nexample\n```\n"""\n'}


def test_no_fences_means_no_files() -> None:
    assert whole_files("I would use a random forest here.", "main.py") == {}


def test_search_replace_blocks_follow_the_last_named_path() -> None:
    reply = (
        "Change the model:\n\nmain.py\n```python\n<<<<<<< SEARCH\nmodel = A()\n=======\nmodel = B()\n>>>>>>> REPLACE\n"
        "<<<<<<< SEARCH\nfit(model)\n=======\nfit(model, epochs=3)\n>>>>>>> REPLACE\n```\n"
        "And a helper:\n**lib/util.py**\n```python\n<<<<<<< SEARCH\n=======\nX = 1\n>>>>>>> REPLACE\n```\n"
    )
    assert search_replace_edits(reply, "main.py") == [
        SearchReplace("main.py", "model = A()\n", "model = B()\n"),
        SearchReplace("main.py", "fit(model)\n", "fit(model, epochs=3)\n"),
        SearchReplace("lib/util.py", "", "X = 1\n"),
    ]


def test_an_unlabelled_or_incomplete_search_replace_block() -> None:
    reply = "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nc\n=======\nd (cut"
    assert search_replace_edits(reply, "main.py") == [SearchReplace("main.py", "a\n", "b\n")]


def test_prose_keeps_the_words_outside_code() -> None:
    reply = "I switched to B.\n\nmain.py\n```python\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\nIt is faster."
    assert prose(reply) == "I switched to B. It is faster."
    assert prose("word " * 100, max_chars=20) == "word word word wo..."
