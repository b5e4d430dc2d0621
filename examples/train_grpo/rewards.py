"""Reward for the sums in prompts.jsonl: 1 for the right number alone, 0.5 for it among other text, else 0."""

import re


def score(completion: str, row: dict) -> float:
    numbers = re.findall(r"-?\d+", completion)
    if completion.strip() == row["answer"]:
        return 1.0
    return 0.5 if row["answer"] in numbers else 0.0
