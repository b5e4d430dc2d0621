"""Experience as data: the coding agent's calls in evolve runs' stores become SFT, hindsight and RL rows.

Each call of a coding agent (purpose ``agent:...``) answered a prompt for one experiment; the last such call
of an experiment wrote the program the experiment ran, so it takes the experiment's score (earlier calls of
the experiment were replies that did not land or programs a debug attempt replaced: they score nothing).

- ``sft.jsonl``: conversations (prompt + reply) whose program improved on its parent's score in the run's
  direction, or, for a draft, scored at all.
- ``hindsight.jsonl``: every scored reply, its prompt's goal relabelled with what the program reached
  (its score and the evaluator's verdict), so a program is paired with the checks it does satisfy.
- ``rl.jsonl``: one prompt row per distinct prompt, with every reply given to it and the evaluator's score
  of each (``replies``), the best reply as ``answer``: the fields a GRPO reward function can use.

The same prompt and reply appear once; a run whose goal is excluded contributes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinkerer_core import ConfigError, Direction, Experiment, ExperimentStatus, RunStore

AGENT_PURPOSE = "agent:"
SFT_FILE, HINDSIGHT_FILE, RL_FILE = "sft.jsonl", "hindsight.jsonl", "rl.jsonl"
FEEDBACK_CHARS = 300  # how much of the evaluator's verdict a hindsight goal quotes

Message = dict[str, str]


@dataclass(frozen=True)
class Reply:
    """One coding agent call of a run: the prompt it answered, its reply, and what came of it."""

    goal: str
    direction: Direction
    experiment: Experiment
    parent_score: float | None
    prompt: list[Message]
    text: str
    wrote_program: bool  # the experiment's last agent call: the program it ran is this reply's

    @property
    def score(self) -> float | None:
        """The evaluator's score of the program this reply wrote; None when it wrote none that ran."""
        return succeeded_score(self.experiment) if self.wrote_program else None

    @property
    def improved(self) -> bool:
        """Whether the reply's program scored and beat its parent's (a draft: scored at all)."""
        if self.score is None:
            return False
        return self.experiment.parent_id is None or self.direction.is_better(self.score, self.parent_score)

    def conversation(self, prompt: list[Message] | None = None) -> list[Message]:
        """The prompt (or ``prompt`` in its place) followed by the reply."""
        return [*(self.prompt if prompt is None else prompt), {"role": "assistant", "content": self.text}]


@dataclass
class Experience:
    """The rows built from some runs, and what was left out and why."""

    sft: list[dict[str, Any]] = field(default_factory=list)
    hindsight: list[dict[str, Any]] = field(default_factory=list)
    rl: list[dict[str, Any]] = field(default_factory=list)
    runs: int = 0
    calls: int = 0
    skipped_runs: dict[str, list[str]] = field(default_factory=dict)  # reason -> run directories
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> calls or rows

    def files(self) -> dict[str, list[dict[str, Any]]]:
        return {SFT_FILE: self.sft, HINDSIGHT_FILE: self.hindsight, RL_FILE: self.rl}

    def report(self) -> str:
        """How many rows each file got, and how many runs and calls were skipped and why."""
        lines = [f"{name}: {len(rows)} rows" for name, rows in self.files().items()]
        skipped_runs = sum(len(runs) for runs in self.skipped_runs.values())
        lines.append(f"runs: {self.runs} read, {skipped_runs} skipped")
        lines += [f"  {len(runs)} {reason}: {', '.join(runs)}" for reason, runs in self.skipped_runs.items()]
        lines.append(f"calls: {self.calls} read")
        lines += [f"  {count} skipped: {reason}" for reason, count in sorted(self.skipped.items())]
        return "\n".join(lines)


def succeeded_score(experiment: Experiment) -> float | None:
    """The score of an experiment that succeeded; None for one that failed, even if its output was scored."""
    return experiment.score if experiment.status is ExperimentStatus.SUCCEEDED else None


def normalized_goal(goal: str) -> str:
    """A goal compared by its words: case, line breaks and runs of spaces do not matter."""
    return " ".join(goal.split()).casefold()


def excluded_goals(path: Path, option: str = "--exclude-goals") -> set[str]:
    """The goals in ``path``: one per line, or JSON lines with a ``goal`` (or ``prompt``) string."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{option} {path} cannot be read ({error}): give a text file, one goal per line") from None
    goals = {normalized_goal(_goal_of(line)) for line in lines if line.strip()}
    if not goals:
        raise ConfigError(f"{option} {path} holds no goal: give a text file, one goal per line")
    return goals


def _goal_of(line: str) -> str:
    if line.lstrip().startswith("{"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return line
        for key in ("goal", "prompt"):
            if isinstance(row.get(key), str):
                return str(row[key])
    return line


def from_runs(run_dirs: Sequence[Path], exclude: Iterable[str] = ()) -> Experience:
    """The training rows of ``run_dirs`` (``RUN_DIR`` arguments), leaving out runs whose goal is in ``exclude``."""
    excluded = {normalized_goal(goal) for goal in exclude}
    experience = Experience()
    replies: list[Reply] = []
    for run_dir in run_dirs:
        store = _open_run(run_dir)
        try:
            meta = store.meta()
            if normalized_goal(str(meta.get("goal", ""))) in excluded:
                experience.skipped_runs.setdefault("goal excluded", []).append(str(run_dir))
                continue
            experience.runs += 1
            replies.extend(_replies(store, meta, experience))
        finally:
            store.close()
    experience.sft = _unique([{"messages": r.conversation()} for r in replies if r.improved], "sft", experience)
    experience.hindsight = _unique(_hindsight_rows(replies, experience), "hindsight", experience)
    experience.rl = _rl_rows(replies, experience)
    return experience


def _open_run(run_dir: Path) -> RunStore:
    if not run_dir.is_dir():
        raise ConfigError(f"RUN_DIR {run_dir} is not a directory: give run directories `tinkerer evolve` wrote")
    if not RunStore.exists(run_dir):
        raise ConfigError(
            f"RUN_DIR {run_dir} is not a run directory (it holds no run.sqlite): give run directories "
            "`tinkerer evolve` wrote"
        )
    return RunStore(run_dir)


def _replies(store: RunStore, meta: dict[str, Any], experience: Experience) -> list[Reply]:
    """The coding agent's calls in ``store`` that can become rows; the others counted in ``experience``."""
    goal = str(meta.get("goal", ""))
    direction = Direction(meta.get("direction", Direction.MAXIMIZE.value))
    experiments = {experiment.id: experiment for experiment in store.experiments()}
    calls = store.llm_calls(texts=True)
    experience.calls += len(calls)
    agent_calls = [call for call in calls if call["purpose"].startswith(AGENT_PURPOSE)]
    experience.skipped["not a coding agent's call"] += len(calls) - len(agent_calls)
    last_call = {call["experiment_id"]: call["id"] for call in agent_calls}
    replies = []
    for call in agent_calls:
        experiment = experiments.get(call["experiment_id"])
        reason = _unusable(call) if experiment else "no experiment"
        if reason or experiment is None:
            experience.skipped[reason] += 1
            continue
        parent = experiments.get(experiment.parent_id) if experiment.parent_id is not None else None
        replies.append(
            Reply(
                goal=goal,
                direction=direction,
                experiment=experiment,
                parent_score=succeeded_score(parent) if parent else None,
                prompt=call["messages"],
                text=call["reply"],
                wrote_program=last_call[experiment.id] == call["id"],
            )
        )
    return replies


def _unusable(call: dict[str, Any]) -> str:
    """Why a coding agent call cannot become a row, or empty."""
    if call["messages"] is None:
        return "no recorded text (stored before run stores kept it)"
    if not call["messages"]:
        return "no recorded prompt (the agent calls its model itself)"
    if call["truncated"]:
        return "text cut to the store's limit"
    return ""


def hindsight_goal(goal: str, score: float, feedback: str) -> str:
    """``goal`` relabelled with what a program reached: its score and the first line of the evaluator's verdict."""
    verdict = feedback.strip().splitlines()[0][:FEEDBACK_CHARS] if feedback.strip() else ""
    return f"{goal}\n\nThe program to write reaches score {score:g}" + (f" ({verdict})" if verdict else "") + "."


def _hindsight_rows(replies: Iterable[Reply], experience: Experience) -> list[dict[str, Any]]:
    rows = []
    for reply in replies:
        if reply.score is None:
            continue
        quoting = [index for index, message in enumerate(reply.prompt) if reply.goal in message["content"]]
        quoting.sort(key=lambda index: reply.prompt[index]["role"] != "user")  # the goal as the user gave it first
        if not reply.goal or not quoting:
            experience.skipped["hindsight: the prompt does not quote the goal"] += 1
            continue
        feedback = reply.experiment.evaluation.feedback if reply.experiment.evaluation else ""
        prompt = [dict(message) for message in reply.prompt]
        first = prompt[quoting[0]]
        first["content"] = first["content"].replace(reply.goal, hindsight_goal(reply.goal, reply.score, feedback), 1)
        rows.append({"messages": reply.conversation(prompt)})
    return rows


def _rl_rows(replies: Iterable[Reply], experience: Experience) -> list[dict[str, Any]]:
    """One prompt row per distinct single-turn prompt; its replies (each once) with their scores as the group."""
    groups: dict[str, list[Reply]] = {}
    for reply in replies:
        groups.setdefault(json.dumps(reply.prompt), []).append(reply)
    rows = []
    for group in groups.values():
        first = group[0]
        *system, user = first.prompt
        if user["role"] != "user" or any(message["role"] != "system" for message in system):
            experience.skipped["rl: a multi-turn prompt"] += 1
            continue
        scored: dict[str, float | None] = {}
        for reply in group:
            if reply.text in scored:
                experience.skipped["rl: duplicate reply"] += 1
            else:
                scored[reply.text] = reply.score
        if all(score is None for score in scored.values()):
            experience.skipped["rl: no reply in the group scored"] += 1
            continue
        best = first.direction.best(scored.values())
        rows.append(
            {
                "prompt": user["content"],
                "system": "\n\n".join(message["content"] for message in system),
                "answer": next(text for text, score in scored.items() if score == best),
                "replies": [{"completion": text, "score": score} for text, score in scored.items()],
                "goal": first.goal,
                "direction": first.direction.value,
                "parent_score": first.parent_score,
            }
        )
    return rows


def _unique(rows: Iterable[dict[str, Any]], kind: str, experience: Experience) -> list[dict[str, Any]]:
    """``rows`` without repeats (the same prompt and reply once)."""
    seen: set[str] = set()
    unique = []
    for row in rows:
        key = json.dumps(row, sort_keys=True)
        if key in seen:
            experience.skipped[f"{kind}: duplicate"] += 1
            continue
        seen.add(key)
        unique.append(row)
    return unique


def write(experience: Experience, out: Path) -> None:
    """Write the three JSONL files in ``out``."""
    for name, rows in experience.files().items():
        (out / name).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
