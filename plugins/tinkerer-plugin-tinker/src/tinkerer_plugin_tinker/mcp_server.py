"""``tinkerer mcp serve``: one stateful training session exposed to agents as MCP tools over stdio.

Tools: init_sft, init_grpo, train_sft_step, train_grpo_step, sample, save, load, finish, knowledge_search.
One session at a time: every tool takes the session lock, and a call that cannot get it within the lock
timeout answers ``busy`` instead of queueing behind a long step. Each session logs to its own directory
(metrics, samples, checkpoints and every tool call).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinkerer_core import TinkererError
from tinkerer_plugin_tinker import data
from tinkerer_plugin_tinker.endpoint import LOCAL_DATA_DIR, renderer_for, tinker_endpoint
from tinkerer_plugin_tinker.rewards import Reward, load_reward, validate_reward
from tinkerer_plugin_tinker.runlog import TrainingLog
from tinkerer_plugin_tinker.session import GRPOSettings, TrainingSession
from tinkerer_plugin_tinker.sft import DEFAULT_BASE_MODEL


@dataclass
class _Active:
    """The session in progress and what its steps draw on."""

    kind: str  # "sft" or "grpo"
    session: TrainingSession
    log: TrainingLog
    resources: ExitStack
    rows: list[Any]
    learning_rate: float
    batch_size: int
    reward: Reward | None = None
    grpo: GRPOSettings | None = None
    cursor: int = 0
    best_reward: float = float("-inf")
    checkpoints: list[dict[str, Any]] = field(default_factory=list)


class TrainingTools:
    """The state behind the tools; each public method is one tool and returns a JSON-able dict."""

    def __init__(
        self, log_root: Path, kg_index: str | None = None, auto_threshold: float = 0.3, auto_min_steps: int = 3
    ) -> None:
        self.log_root = log_root
        self.kg_index = kg_index
        self.auto_threshold = auto_threshold
        self.auto_min_steps = auto_min_steps
        self.active: _Active | None = None

    def _start(self, kind: str, base_model: str, renderer: str | None, lora_rank: int, base_url: str | None) -> tuple:
        if self.active is not None:
            raise TinkererError(f"a {self.active.kind} session is running; call finish first")
        directory = self.log_root / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        resources = ExitStack()
        endpoint = resources.enter_context(tinker_endpoint(base_url, directory / LOCAL_DATA_DIR))
        try:
            session = TrainingSession(endpoint.base_url, base_model, renderer_for(base_model, renderer), lora_rank)
        except BaseException:
            resources.close()
            raise
        return directory, resources, session

    def init_sft(
        self,
        data_path: str,
        base_model: str = DEFAULT_BASE_MODEL,
        learning_rate: float = 1e-4,
        lora_rank: int = 16,
        batch_size: int = 8,
        renderer: str | None = None,
        base_url: str | None = None,
    ) -> dict[str, Any]:
        """Start an SFT session on a JSONL of chat conversations."""
        conversations = data.conversations(data_path)
        directory, resources, session = self._start("sft", base_model, renderer, lora_rank, base_url)
        log = TrainingLog(directory, f"MCP SFT of {base_model}", {"data": data_path, "learning_rate": learning_rate})
        self.active = _Active("sft", session, log, resources, conversations, learning_rate, batch_size)
        return {"status": "ready", "kind": "sft", "examples": len(conversations), "log_dir": str(directory)}

    def init_grpo(
        self,
        prompts_path: str,
        reward: str,
        base_model: str = DEFAULT_BASE_MODEL,
        learning_rate: float = 4e-5,
        lora_rank: int = 16,
        batch_size: int = 4,
        group_size: int = 4,
        max_tokens: int = 128,
        temperature: float = 1.0,
        renderer: str | None = None,
        base_url: str | None = None,
    ) -> dict[str, Any]:
        """Start a GRPO session on prompts scored by a reward function (checked on the data first)."""
        rows = data.prompts(prompts_path)
        reward_fn = load_reward(reward)
        validate_reward(reward_fn, rows)
        directory, resources, session = self._start("grpo", base_model, renderer, lora_rank, base_url)
        log = TrainingLog(directory, f"MCP GRPO of {base_model}", {"prompts": prompts_path, "reward": reward})
        settings = GRPOSettings(group_size, max_tokens, temperature, learning_rate)
        self.active = _Active("grpo", session, log, resources, rows, learning_rate, batch_size, reward_fn, settings)
        return {"status": "ready", "kind": "grpo", "prompts": len(rows), "log_dir": str(directory)}

    def _require(self, kind: str | None = None) -> _Active:
        if self.active is None:
            raise TinkererError("no training session; call init_sft or init_grpo first")
        if kind and self.active.kind != kind:
            raise TinkererError(f"this is a {self.active.kind} session; a {kind} step needs init_{kind}")
        return self.active

    def _batch(self, active: _Active) -> list[Any]:
        batch = [
            active.rows[(active.cursor + i) % len(active.rows)] for i in range(min(active.batch_size, len(active.rows)))
        ]
        active.cursor = (active.cursor + len(batch)) % len(active.rows)
        return batch

    def train_sft_step(self) -> dict[str, Any]:
        """One SFT step on the next batch of conversations."""
        active = self._require("sft")
        metrics = active.session.sft_step(self._batch(active), active.learning_rate)
        active.log.metrics(active.session.steps, metrics)
        return {"step": active.session.steps, **metrics}

    def train_grpo_step(self) -> dict[str, Any]:
        """One GRPO step; auto-checkpoints when the mean reward passes the threshold after enough steps."""
        active = self._require("grpo")
        assert active.reward is not None and active.grpo is not None
        metrics, samples = active.session.grpo_step(self._batch(active), active.reward, active.grpo)
        step = active.session.steps
        active.log.metrics(step, metrics)
        active.log.samples(step, samples[:4])
        answer: dict[str, Any] = {"step": step, **metrics, "samples": samples[:2]}
        reward_mean = metrics["reward_mean"]
        if step >= self.auto_min_steps and reward_mean >= self.auto_threshold and reward_mean > active.best_reward:
            active.best_reward = reward_mean
            answer["auto_checkpoint"] = self._save(active, f"auto-{step:06d}", metrics)
        return answer

    def sample(
        self, prompts: list[str], max_tokens: int = 128, temperature: float = 0.0, num_samples: int = 1
    ) -> dict[str, Any]:
        """The current weights' replies to each prompt."""
        active = self._require()
        replies = active.session.sample(prompts, max_tokens, temperature, num_samples)
        return {"replies": [{"prompt": p, "completions": r} for p, r in zip(prompts, replies, strict=True)]}

    def save(self, name: str) -> dict[str, Any]:
        """Save training state and sampler weights under ``name``."""
        active = self._require()
        return self._save(active, name, {})

    def _save(self, active: _Active, name: str, metrics: dict[str, Any]) -> dict[str, Any]:
        return active.log.add_checkpoint(name, active.session.steps, active.session.save(name), metrics)

    def load(self, path: str) -> dict[str, Any]:
        """Restore weights and optimizer state from a training checkpoint of this session's model."""
        active = self._require()
        active.session.load(path)
        return {"status": "loaded", "path": path}

    def finish(self) -> dict[str, Any]:
        """End the session: its checkpoints stay, a local server stops."""
        active = self._require()
        self.active = None
        try:
            summary = {"status": "finished", "steps": active.session.steps, "log_dir": str(active.log.run_dir)}
            summary["checkpoints"] = [c.uri for c in active.log.checkpoints()]
            active.log.store.set_meta(status="finished", stop_reason="finish tool")
        finally:
            active.log.store.close()
            active.resources.close()
        return summary

    def knowledge_search(self, query: str, top_k: int = 5) -> dict[str, Any]:
        """Pages of the knowledge index relevant to ``query``."""
        if not self.kg_index:
            raise TinkererError("no knowledge index: start the server with --kg-index PATH")
        from tinkerer_core import Tinkerer

        backend = Tinkerer(kg_index=str(self.kg_index)).knowledge
        assert backend is not None  # a kg_index always opens one
        try:
            hits = backend.search(query, top_k)
        finally:
            backend.close()
        return {
            "hits": [
                {"id": h.page.id, "title": h.page.title, "score": h.score, "overview": h.page.overview} for h in hits
            ]
        }

    def close(self) -> None:
        """Finish a session the client left open."""
        if self.active is not None:
            self.finish()


TOOL_NAMES = (
    "init_sft",
    "init_grpo",
    "train_sft_step",
    "train_grpo_step",
    "sample",
    "save",
    "load",
    "finish",
    "knowledge_search",
)


def build_server(tools: TrainingTools, lock_timeout: float) -> Any:
    """An MCP server whose tools call ``tools`` one at a time; a call that waits longer than ``lock_timeout`` is busy."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("tinkerer-training", instructions=__doc__)
    lock = asyncio.Lock()

    def exposed(method: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
        import functools

        import anyio

        @functools.wraps(method)
        async def call(**arguments: Any) -> dict[str, Any]:
            try:
                await asyncio.wait_for(lock.acquire(), timeout=None if lock_timeout < 0 else lock_timeout)
            except TimeoutError:
                return {
                    "status": "busy",
                    "error": f"another tool call holds the session for over {lock_timeout:g} s; retry",
                }
            started = time.monotonic()
            try:
                result = await anyio.to_thread.run_sync(functools.partial(method, **arguments))
            except TinkererError as error:
                result = {"status": "error", "error": str(error)}
            finally:
                lock.release()
            _log_call(tools, method.__name__, arguments, result, time.monotonic() - started)
            return result

        return call

    for name in TOOL_NAMES:
        server.tool(name=name)(exposed(getattr(tools, name)))
    return server


def _log_call(
    tools: TrainingTools, name: str, arguments: dict[str, Any], result: dict[str, Any], seconds: float
) -> None:
    directory = tools.active.log.run_dir if tools.active else tools.log_root
    directory.mkdir(parents=True, exist_ok=True)
    entry = {"tool": name, "arguments": arguments, "status": result.get("status", "ok"), "seconds": round(seconds, 3)}
    with open(directory / "tool_calls.jsonl", "a") as file:
        file.write(json.dumps(entry, default=str) + "\n")


def serve(log_dir: str, kg_index: str | None, lock_timeout: float) -> None:
    """Serve the training tools over stdio until the client disconnects."""
    tools = TrainingTools(Path(log_dir), kg_index)
    try:
        build_server(tools, lock_timeout).run("stdio")
    finally:
        tools.close()
