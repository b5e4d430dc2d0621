"""Benchmarks run for real: suites prepare their data in a temporary folder, problems run as real evolve runs
whose coding agent (``llm_edit``) gets scripted whole-file replies through the real litellm gateway."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinkerer_plugin_bench.views import DATA_ENV

MODEL = "openai/gpt-4o-mini"

KNAPSACK_BY_RATIO = """\
import sys

numbers = [int(token) for token in sys.stdin.read().split()]
count, capacity = numbers[0], numbers[1]
items = [(numbers[2 + 2 * i], numbers[3 + 2 * i], i) for i in range(count)]
items.sort(key=lambda item: -item[1] / item[0])
chosen, weight = [], 0
for w, v, i in items:
    if weight + w <= capacity:
        chosen.append(i)
        weight += w
print(" ".join(map(str, chosen)))
"""

ROUTE_IN_ORDER = """\
import sys

count = int(sys.stdin.read().split()[0])
print(" ".join(str(i) for i in range(count)))
"""

DIABETES_RIDGE = """\
import csv
import os

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def table(name):
    with open(os.path.join("data", name)) as file:
        rows = list(csv.DictReader(file))
    return rows


train, test = table("train.csv"), table("test.csv")
features = [name for name in train[0] if name not in ("id", "progression")]
x = np.array([[float(row[name]) for name in features] for row in train])
y = np.array([float(row["progression"]) for row in train])
model = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
cut = len(x) * 4 // 5
model.fit(x[:cut], y[:cut])
error = float(np.sqrt(np.mean((model.predict(x[cut:]) - y[cut:]) ** 2)))
print(f"Validation score: {error:.4f}")
model.fit(x, y)
predictions = model.predict(np.array([[float(row[name]) for name in features] for row in test]))
os.makedirs("submission", exist_ok=True)
with open("submission/submission.csv", "w") as file:
    file.write("id,progression\\n")
    for row, value in zip(test, predictions):
        file.write(f"{row['id']},{value:.4f}\\n")
"""


def whole_file_reply(code: str, path: str = "main.py") -> str:
    """A model reply holding one complete file, as ``llm_edit`` asks for."""
    return f"Here is the complete program.\n\n{path}\n```python\n{code.rstrip()}\n```\n"


def scripted(*codes: str) -> list[str]:
    """Overrides that script ``llm_edit``'s replies (one whole main.py each, in turn) through litellm's mock."""
    return [f"llm.model={MODEL}", *(f"llm.mock_responses.{i}={whole_file_reply(code)}" for i, code in enumerate(codes))]


@pytest.fixture(scope="session")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the suites prepare their data for the whole session (ladders are trained once)."""
    folder = tmp_path_factory.mktemp("bench-data")
    saved = os.environ.get(DATA_ENV)
    os.environ[DATA_ENV] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop(DATA_ENV, None)
    else:
        os.environ[DATA_ENV] = saved


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bench_data: Path) -> Path:
    """Each test runs in its own folder (runs/ lands there), with the session's bench data."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINKERER_QUIET", "1")
    return tmp_path
