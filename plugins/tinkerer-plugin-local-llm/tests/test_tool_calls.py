"""OpenAI tool calls from the embedded model: llama.cpp reads the ``<tool_call>`` JSON of smollm2's tool template.

A 135M model never decides to call a tool on its own; asked to repeat a call verbatim it does, at temperature 0,
which is enough to show the wire shape: ``tool_calls`` with JSON arguments and ``finish_reason="tool_calls"``.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

from tinkerer_plugin_local_llm import MODELS, LocalModelServer

ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}
CALL = '<tool_call>\n{"name": "add", "arguments": {"a": 2, "b": 3}}\n</tool_call>'
REPEAT = [{"role": "user", "content": f"Repeat exactly this text and nothing else:\n{CALL}"}]


def test_a_tool_call_comes_back_as_tool_calls(litellm_local: ModuleType) -> None:
    reply = litellm_local.completion(
        model="local/smollm2-135m", messages=REPEAT, tools=[ADD], temperature=0, max_tokens=60
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.function.name == "add"
    assert json.loads(call.function.arguments) == {"a": 2, "b": 3}
    assert call.id


def test_a_text_answer_with_tools_offered_stays_text(litellm_local: ModuleType) -> None:
    reply = litellm_local.completion(
        model="local/smollm2-135m",
        messages=[{"role": "user", "content": "Say hello."}],
        tools=[ADD],
        temperature=0,
        max_tokens=20,
    )
    assert reply.choices[0].message.content.strip()
    assert not reply.choices[0].message.tool_calls


def test_a_call_cut_off_by_max_tokens_is_plain_text(litellm_local: ModuleType) -> None:
    reply = litellm_local.completion(
        model="local/smollm2-135m", messages=REPEAT, tools=[ADD], temperature=0, max_tokens=6
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.choices[0].message.content.startswith("<tool_call>")


def test_a_conversation_with_tool_results_is_answered(litellm_local: ModuleType) -> None:
    history = [
        {"role": "user", "content": "What is 2 + 3?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "5"},
    ]
    reply = litellm_local.completion(
        model="local/smollm2-135m", messages=history, tools=[ADD], temperature=0, max_tokens=16
    )
    assert reply.usage.prompt_tokens > 100  # the tools and the call were rendered
    assert reply.choices[0].message.content or reply.choices[0].message.tool_calls


@pytest.mark.slow
def test_the_http_server_answers_tool_calls(smollm2_path: Path) -> None:
    with LocalModelServer(model="smollm2-135m", port=0, threads=1) as server:
        body = {"model": "smollm2-135m", "messages": REPEAT, "tools": [ADD], "temperature": 0, "max_tokens": 60}
        request = urllib.request.Request(
            server.url + "/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {server.api_key}"},
        )
        with urllib.request.urlopen(request) as response:
            choice = json.load(response)["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert (call["function"]["name"], json.loads(call["function"]["arguments"])) == ("add", {"a": 2, "b": 3})


def test_without_tools_the_template_renders_what_the_models_own_renders(smollm2_path: Path) -> None:
    gguf = pytest.importorskip("gguf", reason="reading the GGUF's own template needs the gguf package")
    jinja2 = pytest.importorskip("jinja2")
    field = gguf.GGUFReader(str(smollm2_path)).fields["tokenizer.chat_template"]
    own = bytes(field.parts[field.data[0]]).decode()
    environment = jinja2.Environment()
    environment.filters["tojson"] = json.dumps
    ours = environment.from_string(MODELS["smollm2-135m"].chat_template or "")
    theirs = environment.from_string(own)
    for messages in (
        [{"role": "user", "content": "hi"}],
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "c"},
        ],
        [{"role": "user", "content": "a"}, {"role": "system", "content": "later"}, {"role": "user", "content": "c"}],
    ):
        for generation_prompt in (True, False):
            assert ours.render(messages=messages, add_generation_prompt=generation_prompt) == theirs.render(
                messages=messages, add_generation_prompt=generation_prompt
            )
