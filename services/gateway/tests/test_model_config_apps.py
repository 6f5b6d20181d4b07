"""chat, agent-chat and completion apps: their model_config becomes a chatflow graph that the same
run path serves; the reply keeps the app family's envelope. The node tasks (model calls) run in an
executor standing in for the agent service, returning text and Dify usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.engine import parse_app
from riverflow.gateway.model_config_app import to_chatflow_dsl
from riverflow.gateway.usage import USAGE_KEYS

from .conftest import succeeded

APPS = Path(__file__).resolve().parent / "apps"

USAGE = {
    "prompt_tokens": 7,
    "completion_tokens": 5,
    "total_tokens": 12,
    "prompt_unit_price": "0.15",
    "prompt_price_unit": "0.000001",
    "prompt_price": "0.0000011",
    "completion_unit_price": "0.6",
    "completion_price_unit": "0.000001",
    "completion_price": "0.000003",
    "total_price": "0.0000041",
    "currency": "USD",
    "latency": 0.25,
}


@pytest.fixture
def task_executor():
    async def execute(task: NodeTaskRequested) -> NodeTaskResult:
        if "fail" in json.dumps(task.data):
            raise RuntimeError("provider said no")
        text = f"{task.node_type} answer"
        return succeeded(task, {"text": text}, usage=USAGE, total_tokens=12)

    return execute


def _graph(name: str) -> tuple[dict, dict]:
    doc = json.loads(to_chatflow_dsl((APPS / name).read_text()))
    nodes = {n["id"]: n["data"] for n in doc["workflow"]["graph"]["nodes"]}
    return doc, nodes


def test_chat_app_becomes_start_llm_answer() -> None:
    doc, nodes = _graph("assistant_chat.yml")
    assert doc["app"]["mode"] == "advanced-chat" and list(nodes) == ["start", "llm", "answer"]
    assert nodes["start"]["variables"][0]["variable"] == "team"
    llm = nodes["llm"]
    assert llm["model"] == {
        "provider": "openai",
        "name": "gpt-4o-mini",
        "mode": "chat",
        "completion_params": {"temperature": 0.2},
    }
    assert llm["prompt_template"] == [
        {"role": "system", "text": "You are a helpful assistant for {{#start.team#}}."}
    ]
    assert llm["memory"]["query_prompt_template"] == "{{#sys.query#}}"
    assert nodes["answer"]["answer"] == "{{#llm.text#}}"
    assert doc["workflow"]["features"]["opening_statement"] == "Hi there"
    assert parse_app(json.dumps(doc, ensure_ascii=False)).is_runnable


def test_completion_and_agent_graphs() -> None:
    _, completion = _graph("writer_completion.yml")
    assert completion["llm"]["prompt_template"] == [
        {"role": "user", "text": "Write one line about {{#start.query#}}."}
    ]
    assert "memory" not in completion["llm"]
    _, agent = _graph("helper_agent.yml")
    assert list(agent) == ["start", "agent", "answer"]
    params = agent["agent"]["agent_parameters"]
    assert params["tools"]["value"][0]["tool_name"] == "current_time"
    assert params["model"]["value"]["model"] == "gpt-4o-mini" and params["maximum_iterations"]["value"] == 3
    assert params["query"]["value"] == "{{#sys.query#}}"


def test_knowledge_in_model_config_adds_a_retrieval_node() -> None:
    doc = yaml.safe_load((APPS / "assistant_chat.yml").read_text())
    doc["model_config"]["dataset_configs"] = {
        "datasets": {"datasets": [{"dataset": {"id": "ds-1", "enabled": True}}]},
        "top_k": 3,
    }
    converted = json.loads(to_chatflow_dsl(yaml.safe_dump(doc)))
    nodes = {n["id"]: n["data"] for n in converted["workflow"]["graph"]["nodes"]}
    assert list(nodes) == ["start", "knowledge", "llm", "answer"]
    assert nodes["knowledge"]["dataset_ids"] == ["ds-1"] and nodes["llm"]["context"]["enabled"]
    assert "{{#context#}}" in nodes["llm"]["prompt_template"][0]["text"]


async def test_chat_app_blocking_sums_usage_and_records_the_message(gateway) -> None:
    app = await gateway.import_app("assistant_chat.yml")
    response = await gateway.chat(app["api_key"], "hello", inputs={"team": "ops"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "chat" and body["answer"] == "llm answer"
    usage = body["metadata"]["usage"]
    assert set(usage) == set(USAGE_KEYS)
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (7, 5, 12)
    assert usage["total_price"] == "0.0000041" and usage["latency"] == 0.25
    stored = await gateway.app.state.services.store.get_message(app["id"], body["message_id"])
    assert stored.answer == "llm answer" and stored.status == "normal" and stored.usage["total_tokens"] == 12
    missing = await gateway.chat(app["api_key"], "hello")
    assert missing.status_code == 400 and missing.json()["message"] == "Team is required in input form"


async def test_chat_app_stream_shows_only_reply_events(gateway) -> None:
    app = await gateway.import_app("assistant_chat.yml")
    response = await gateway.chat(app["api_key"], "hello", inputs={"team": "ops"}, response_mode="streaming")
    frames = [f for f in gateway.parse_sse(response.text) if not f.get("_ping")]
    assert {f["event"] for f in frames} == {"message", "message_end"} and frames[-1]["event"] == "message_end"
    assert all("conversation_id" in f and "workflow_run_id" not in f for f in frames)
    assert frames[-1]["metadata"]["usage"]["total_tokens"] == 12


async def test_completion_app_has_no_conversation(gateway) -> None:
    app = await gateway.import_app("writer_completion.yml")
    path, headers = "/v1/completion-messages", gateway.auth(app["api_key"])
    blocking = await gateway.client.post(
        path, json={"inputs": {"query": "rivers"}, "query": "", "user": "u"}, headers=headers
    )
    assert blocking.status_code == 200, blocking.text
    body = blocking.json()
    assert body["mode"] == "completion" and "conversation_id" not in body and body["answer"] == "llm answer"
    streamed = await gateway.client.post(
        path, json={"inputs": {"query": "rivers"}, "user": "u", "response_mode": "streaming"}, headers=headers
    )
    frames = [f for f in gateway.parse_sse(streamed.text) if not f.get("_ping")]
    assert frames[-1]["event"] == "message_end" and all("conversation_id" not in f for f in frames)
    chat = await gateway.chat(app["api_key"], "q")
    assert chat.status_code == 400 and chat.json()["code"] == "not_chat_app"


async def test_agent_chat_streams_agent_messages_and_refuses_blocking(gateway) -> None:
    app = await gateway.import_app("helper_agent.yml")
    blocking = await gateway.chat(app["api_key"], "time?")
    assert blocking.status_code == 400 and "blocking" in blocking.json()["message"]
    response = await gateway.chat(app["api_key"], "time?", response_mode="streaming")
    frames = [f for f in gateway.parse_sse(response.text) if not f.get("_ping")]
    assert [f["event"] for f in frames] == ["agent_message", "message_end"]
    assert frames[0]["answer"] == "agent answer"


async def test_a_failed_model_call_is_an_error_event_or_a_400(gateway) -> None:
    app = await gateway.import_app("assistant_chat.yml")
    draft = (
        await gateway.client.get(f"/console/api/apps/{app['id']}/workflows/draft", headers=gateway.console)
    ).json()
    config = {**draft["model_config"], "pre_prompt": "please fail"}
    saved = await gateway.client.post(
        f"/console/api/apps/{app['id']}/model-config", json=config, headers=gateway.console
    )
    assert saved.status_code == 200, saved.text
    published = await gateway.client.post(
        f"/console/api/apps/{app['id']}/workflows/publish", headers=gateway.console
    )
    assert published.status_code == 200
    streamed = await gateway.chat(app["api_key"], "x", inputs={"team": "a"}, response_mode="streaming")
    frames = [f for f in gateway.parse_sse(streamed.text) if not f.get("_ping")]
    assert streamed.status_code == 200 and frames[-1]["event"] == "error"
    assert "provider said no" in frames[-1]["message"] and "task_id" not in frames[-1]
    blocking = await gateway.chat(app["api_key"], "x", inputs={"team": "a"})
    assert blocking.status_code == 400 and "provider said no" in blocking.json()["message"]


async def test_parameters_come_from_the_model_config(gateway) -> None:
    app = await gateway.import_app("assistant_chat.yml")
    body = (await gateway.client.get("/v1/parameters", headers=gateway.auth(app["api_key"]))).json()
    assert body["opening_statement"] == "Hi there"
    assert body["user_input_form"] == [
        {
            "text-input": {
                "label": "Team",
                "variable": "team",
                "required": True,
                "max_length": 40,
                "default": "",
            }
        }
    ]
    assert body["retriever_resource"] == {"enabled": True} and body["speech_to_text"] == {"enabled": False}
    assert body["system_parameters"]["file_size_limit"] == 15
