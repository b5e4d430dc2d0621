"""``tinkerer mcp serve`` driven by the ``mcp`` package's own client over stdio: every tool, and a busy session."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

mcp = pytest.importorskip("mcp")
from mcp import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

TINY = "tinkerer/tiny-chat"


class Client:
    """Calls tools and returns their structured results."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def __call__(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        assert not result.is_error, result.content
        return result.structured_content


async def _with_server(log_dir: Path, extra: list[str], body) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "tinkerer_core.cli", "mcp", "serve", "--log-dir", str(log_dir), *extra],
        env={"TINKERER_QUIET": "1", "TINKER_API_KEY": "", "TINKER_BASE_URL": ""},
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await body(session, Client(session))


def _index(tmp_path: Path) -> Path:
    from tinkerer_core import Tinkerer

    wiki = tmp_path / "wiki"
    wiki.mkdir()
    (wiki / "lora_rank.md").write_text(
        "---\ntype: Principle\ntitle: LoRA rank\n---\nA higher LoRA rank trains more parameters.\n\n"
        "Raise the LoRA rank when the adapter underfits.\n"
    )
    return Tinkerer().index_kg(wiki_dir=str(wiki), save_to=str(tmp_path / "notes.index"))


@pytest.mark.slow
def test_every_tool_over_stdio(
    tmp_path: Path, prompts: Path, reward: str, chats: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the knowledge store lands under ./data
    index = _index(tmp_path)

    async def body(session: ClientSession, call: Client) -> None:
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert names == {
            "init_sft", "init_grpo", "train_sft_step", "train_grpo_step", "sample", "save", "load", "finish",
            "knowledge_search",
        }  # fmt: skip
        ready = await call(
            "init_grpo",
            prompts_path=str(prompts),
            reward=reward,
            base_model=TINY,
            batch_size=2,
            group_size=3,
            max_tokens=5,
        )
        assert ready["status"] == "ready" and ready["prompts"] == 6
        step = await call("train_grpo_step")
        assert step["step"] == 1 and {"reward_mean", "groups_no_variance", "samples"} <= step.keys()
        wrong_kind = await call("train_sft_step")
        assert wrong_kind["status"] == "error" and "init_sft" in wrong_kind["error"]
        replies = await call("sample", prompts=["What is 1 + 2?"], max_tokens=4, num_samples=2)
        assert len(replies["replies"][0]["completions"]) == 2
        saved = await call("save", name="mine")
        assert saved["state_path"].endswith("/weights/mine") and saved["sampler_path"].endswith("/sampler_weights/mine")
        assert (await call("load", path=saved["state_path"]))["status"] == "loaded"
        found = await call("knowledge_search", query="when to raise the LoRA rank", top_k=1)
        assert found["hits"][0]["title"] == "LoRA rank"
        finished = await call("finish")
        assert finished["checkpoints"] == [saved["state_path"]]

        assert (await call("init_sft", data_path=str(chats), base_model=TINY, batch_size=4))["examples"] == 8
        first = await call("train_sft_step")
        assert first["step"] == 1 and first["loss"] > 0
        assert (await call("finish"))["steps"] == 1

    asyncio.run(_with_server(tmp_path / "logs", ["--kg-index", str(index)], body))
    sessions = sorted((tmp_path / "logs").glob("*-*"))
    assert [s.name.split("-")[0] for s in sessions] == ["grpo", "sft"]
    calls = [json.loads(line)["tool"] for line in (sessions[0] / "tool_calls.jsonl").read_text().splitlines()]
    assert calls[:3] == ["init_grpo", "train_grpo_step", "train_sft_step"]
    assert (sessions[0] / "samples.jsonl").exists() and (sessions[1] / "metrics.jsonl").exists()


def test_a_call_that_cannot_get_the_session_answers_busy(tmp_path: Path, prompts: Path, reward: str) -> None:
    async def body(session: ClientSession, call: Client) -> None:
        await call(
            "init_grpo",
            prompts_path=str(prompts),
            reward=reward,
            base_model=TINY,
            batch_size=2,
            group_size=2,
            max_tokens=24,
        )
        step, second = await asyncio.gather(call("train_grpo_step"), call("sample", prompts=["hi"], max_tokens=2))
        assert step["step"] == 1
        assert second["status"] == "busy" and "retry" in second["error"]
        assert (await call("finish"))["status"] == "finished"

    asyncio.run(_with_server(tmp_path / "logs", ["--lock-timeout", "0.01"], body))


def test_tools_before_init_say_what_to_do(tmp_path: Path) -> None:
    async def body(session: ClientSession, call: Client) -> None:
        assert "call init_sft or init_grpo first" in (await call("train_sft_step"))["error"]
        assert "--kg-index" in (await call("knowledge_search", query="x"))["error"]

    asyncio.run(_with_server(tmp_path / "logs", [], body))
