"""What a contestant of an MLE-bench competition is told: MLE-bench's instructions, for a Tinkerer workspace.

MLE-bench mounts the public data at ``/home/data`` and grades ``/home/submission/submission.csv``; here the
public data is ``./data`` and the submission ``./submission/submission.csv``. The run scores each solution by
the validation score it prints (the test answers stay with the grader, as on Kaggle), so the solution
holds some training rows out and reports its metric on them.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinkerer_plugin_bench.submission import SUBMISSION

MAX_DESCRIPTION_CHARS = 20_000


def competition_goal(title: str, description: str, files: Sequence[str], sample: str, columns: Sequence[str]) -> str:
    """The goal of an evolve run on one competition."""
    listed = ", ".join(f"data/{name}" for name in files)
    text = description if len(description) <= MAX_DESCRIPTION_CHARS else description[:MAX_DESCRIPTION_CHARS] + "\n..."
    return f"""\
Solve the offline Kaggle competition "{title}" (MLE-bench). Write main.py, a Python program that:
1. reads the competition's data in data/ ({listed}), described below;
2. trains a model on the training data, holding part of it out as a validation split;
3. prints one line `Validation score: <value>` with the competition's metric on that validation split;
4. writes predictions for every row of the test data to {SUBMISSION} (create the folder), with exactly the
   columns of data/{sample}: {", ".join(columns)}.
numpy and scikit-learn are installed. The test answers are not available: never hand-label the data.

The competition's description (data/description.md):

{text}"""
