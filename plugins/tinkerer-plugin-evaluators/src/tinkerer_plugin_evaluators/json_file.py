"""The file_json evaluator: the score is a value in a JSON file the program wrote."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import chz

from tinkerer_core import Evaluation, EvaluationContext, Evaluator
from tinkerer_core.validation import Rule, finite, not_empty
from tinkerer_plugin_evaluators.parsing import json_number


def _in_workspace(filename: str) -> bool:
    path = PurePosixPath(filename)
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts


IN_WORKSPACE = Rule("a path inside the workspace, like results.json", test=_in_workspace)
DOTTED_KEY = Rule(
    "a key, or keys joined by dots (metrics.auc), none of them empty",
    test=lambda key: isinstance(key, str) and all(part.strip() for part in key.split(".")),
)


@chz.chz
class FileJson(Evaluator):
    """Reads the score from a JSON file in the workspace."""

    filename: str = chz.field(
        default="results.json", validator=[not_empty(), IN_WORKSPACE], doc="the JSON file, relative to the workspace"
    )
    score_key: str = chz.field(
        default="score", validator=DOTTED_KEY, doc="the score's key; dots descend into objects (metrics.auc)"
    )
    default_score: float | None = chz.field(
        default=None, validator=finite(), doc="the score when the file, key or number is missing"
    )

    def evaluate(self, ctx: EvaluationContext) -> Evaluation:
        root = ctx.workspace.resolve()
        path = (root / self.filename).resolve()
        if not path.is_relative_to(root):
            return self._none(f"{self.filename} points outside the workspace")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return self._none(f"{self.filename} was not found in the workspace; the program should write it")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            return self._none(f"{self.filename} is not readable JSON: {error}")
        value: Any = data
        for key in self.score_key.split("."):
            if not isinstance(value, dict) or key not in value:
                return self._none(f"{self.filename} has no key {self.score_key!r} (missing {key!r})")
            value = value[key]
        score = json_number(value)
        if score is None:
            return self._none(f"{self.filename}: {self.score_key!r} is {json.dumps(value)[:200]}, not a number")
        return Evaluation(score=score, feedback=f"score {score:g} from {self.filename}:{self.score_key}")

    def _none(self, why: str) -> Evaluation:
        return Evaluation(score=self.default_score, feedback=why)
