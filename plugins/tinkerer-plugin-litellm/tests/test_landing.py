"""Landing replies: any edit format, fragments merged by definition, cut-off answers, repeats of the parent."""

from __future__ import annotations

import pytest

from tinkerer_plugin_litellm.edit_applying import EditError, apply_search_replace
from tinkerer_plugin_litellm.edit_parsing import code_blocks, diff_edits
from tinkerer_plugin_litellm.landing import land_reply
from tinkerer_plugin_litellm.python_code import merge_definitions, parsing_prefix, same_program

PARENT = '''import math


def double(x):
    """Return x times 2."""
    return x + 2


def last(items):
    return items[0]


if __name__ == "__main__":
    print(double(2), last([1, 2]))
'''


def land(reply: str, edit_format: str = "whole", small: bool = True, parent: str = PARENT) -> dict[str, str]:
    """Land ``reply`` on a workspace whose main.py is ``parent``."""
    files = {"main.py": parent}
    return land_reply(reply, edit_format, "main.py", files, lambda path: files.get(path, ""), small)


def test_a_fragment_replaces_its_functions_and_keeps_the_rest() -> None:
    merged = merge_definitions(PARENT, "import os\n\ndef last(items):\n    return items[-1]\n\nprint(last([3]))\n")
    assert merged is not None
    assert "return items[-1]" in merged and "return items[0]" not in merged
    assert "return x + 2" in merged and 'if __name__ == "__main__":' in merged  # untouched
    assert merged.index("import os") < merged.index("def double")  # a new import joins the imports
    assert "print(last([3]))" not in merged  # the fragment's example call is dropped


def test_new_helpers_are_kept_only_when_used() -> None:
    fragment = (
        "def double(x):\n    return times(x, 2)\n\ndef times(a, b):\n    return a * b\n\n"
        "def unrelated():\n    return 0\n"
    )
    merged = merge_definitions(PARENT, fragment)
    assert merged is not None
    assert "def times(a, b)" in merged and "def unrelated" not in merged
    assert same_program(merged, merged) and not same_program(merged, PARENT)


def test_a_cut_off_reply_keeps_its_complete_statements() -> None:
    text = (
        "def double(x):\n    return x * 2\n\ndef last(items):\n    return items[-1]\n\ndef third(x):\n    return (x +"
    )
    assert parsing_prefix(text) == "def double(x):\n    return x * 2\n\ndef last(items):\n    return items[-1]\n\n"
    assert parsing_prefix("def f(:\n") is None
    (block,) = code_blocks("```python\n" + text, unclosed=True)
    assert not block.complete


def test_a_small_models_answer_is_an_edit_of_the_parents_definitions() -> None:
    reply = (
        "Here is the fix:\n```python\ndef double(x):\n    return x * 2\n\nassert double(3) == 7\n```\n"
        "And again:\n```python\ndef double(x):\n    return 0\n```"
    )
    (contents,) = land(reply).values()
    assert "return x * 2" in contents  # the first answer that lands wins for small models
    assert "assert double(3) == 7" not in contents  # stray checks dropped
    assert "def last(items)" in contents


def test_a_strong_models_last_block_wins() -> None:
    reply = "```python\ndef double(x):\n    return 0\n```\nBetter:\n```python\ndef double(x):\n    return x * 2\n```"
    assert "return x * 2" in land(reply, small=False)["main.py"]


def test_a_cut_off_answer_still_lands() -> None:
    reply = (
        "```python\ndef double(x):\n    return x * 2\n\ndef last(items):\n    return items[-1]\n\ndef junk(x):\n    re"
    )
    contents = land(reply)["main.py"]
    assert "return x * 2" in contents and "return items[-1]" in contents and "junk" not in contents


@pytest.mark.parametrize(
    "reply",
    [
        f"```python\n{PARENT}```",
        "```python\n# the same program\ndef double(x):\n    '''Return x times 2.'''\n    return x+2\n```",
        "```python\ndef double(x):\n    return x + 2\n\ndef helper():\n    return 1\n```",  # unused helper only
    ],
)
def test_a_small_models_repeat_of_the_parent_is_rejected_before_running(reply: str) -> None:
    with pytest.raises(EditError, match="reply identical to parent") as caught:
        land(reply)
    assert caught.value.cause == "identical"


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        ("I would change the function.", "no_code"),
        ("```bash\npip install numpy\n```", "no_edit_block"),
        ("main.py\n```python\n<<<<<<< SEARCH\nreturn 1\n=======\nreturn 2\n>>>>>>> REPLACE\n```", "edit_mismatch"),
    ],
)
def test_failures_name_their_cause(reply: str, cause: str) -> None:
    with pytest.raises(EditError) as caught:
        land(reply, "search_replace", small=False)
    assert caught.value.cause == cause


def test_a_reply_in_another_format_than_asked_still_lands() -> None:
    whole = "```python\nimport math\n\ndef double(x):\n    return x * 2\n```"
    assert "return x * 2" in land(whole, "search_replace", small=False)["main.py"]  # fragment, merged
    diff = "```diff\n--- a/main.py\n+++ b/main.py\n@@ -6,1 +6,1 @@\n-    return x + 2\n+    return x * 2\n```"
    assert "return x * 2" in land(diff, "search_replace", small=False)["main.py"]
    search_replace = (
        "main.py\n```\n<<<<<<< SEARCH\n    return items[0]\n=======\n    return items[-1]\n>>>>>>> REPLACE\n```"
    )
    assert "return items[-1]" in land(search_replace, "whole", small=True)["main.py"]


def test_unified_diff_hunks_apply_by_their_text() -> None:
    reply = (
        "The fix:\n```diff\n--- a/main.py\n+++ b/main.py\n@@ -99,3 +99,3 @@ def last\n def last(items):\n"
        "-    return items[0]\n+    return items[-1]\n```\nThat is all."
    )
    (edit,) = diff_edits(reply, "main.py")
    assert (edit.search, edit.replace) == (
        "def last(items):\n    return items[0]\n",
        "def last(items):\n    return items[-1]\n",
    )
    contents = apply_search_replace([edit], lambda path: PARENT)
    assert "return items[-1]" in contents["main.py"]
    assert diff_edits("@@ -1 +1 @@\n-a = 1\n+a = 2\nprose after the hunk\n", "m.py")[0].replace == "a = 2\n"
    assert diff_edits("no diff here", "m.py") == []


def test_a_small_models_broken_rewrites_keep_the_parents_version() -> None:
    reply = (
        "```python\ndef double(x):\n    return x * 2\n\ndef last(items):\n    return last(items)\n\n"
        "def double(x):\n    return double(x) * 2\n```"
    )
    contents = land(reply)["main.py"]
    assert "return x * 2" in contents  # the first definition of a name, not a later drifting one
    assert "return items[0]" in contents  # last(items) can only recurse forever: the parent's stays
    merged = merge_definitions(PARENT, "def last(items):\n    return last(items)\n")
    assert merged is not None and "return last(items)" in merged  # careful merging is for small models only


def test_a_small_models_stub_or_undocumented_rewrite_keeps_the_parents_contract() -> None:
    reply = "```python\ndef double(x):\n    return x * 2\n\ndef last(items):\n    '''The last one.'''\n    ...\n```"
    contents = land(reply)["main.py"]
    assert '    """Return x times 2."""\n    return x * 2\n' in contents  # the dropped docstring comes back
    assert "return items[0]" in contents  # an empty body is no implementation: the parent's stays
    drifted = "```python\ndef double(x):\n    '''Return the last item.'''\n    return x * 2\n```"
    assert '    """Return x times 2."""\n    return x * 2\n' in land(drifted)["main.py"]  # the contract stays
