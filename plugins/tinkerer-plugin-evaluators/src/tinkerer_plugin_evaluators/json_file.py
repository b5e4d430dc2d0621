"""The file_json evaluator: the score is a value in a JSON file the program wrote."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import chz

from tinkerer_core.components import EvaluationContext, Evaluator
from tinkerer_core.errors import ConfigError
from tinkerer_core.types import Evaluation
from tinkerer_plugin_evaluators.parsing import json_number


@chz.chz
class FileJson(Evaluator):
    """Reads the score from a JSON file in the workspace."""

    filename: str = chz.field(default="results.json", doc="the JSON file, relative to the workspace")
    score_key: str = chz.field(default="score", doc="the score's key; dots descend into objects (metrics.auc)")
    default_score: float | None = chz.field(default=None, doc="the score when the file, key or number is missing")

    @chz.validate
    def _stays_in_workspace(self) -> None:
        path = PurePosixPath(self.filename)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ConfigError(
                f"file_json filename {self.filename!r} must be a path inside the workspace, like results.json"
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
