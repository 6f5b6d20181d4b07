"""Agent thoughts: an agent node's ``agent_log`` as Dify's ``agent_thought`` events and stored items."""

from __future__ import annotations

import json
import time

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.agent_thoughts import agent_steps, stored_thoughts, stream_thoughts, thought_id
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.records import NewApp, RunRecord
from riverflow.gateway.reply_stream import ReplyContext, ReplyStream
from riverflow.gateway.run_recorder import RunRecorder

#: What the agent service's function-calling strategy logs for "weather in Paris" (two tools called
#: in the first round, then the answer), as found in ``node_finished.execution_metadata``.
AGENT_LOG = [
    {
        "id": "5b0c6f0e-0000-5000-8000-000000000001",
        "position": 1,
        "thought": "",
        "tool": "current_time;get_weather",
        "tool_labels": {"current_time": {"en_US": "Current Time"}, "get_weather": {"en_US": "Weather"}},
        "tool_input": json.dumps({"current_time": {}, "get_weather": {"city": "Paris"}}),
        "observation": json.dumps(
            {"current_time": "2026-11-25 15:30:00", "get_weather": '{"city":"Paris","sky":"sunny"}'}
        ),
        "files": [],
        "message_files": [],
        "created_at": 1764084600,
    },
    {
        "id": "5b0c6f0e-0000-5000-8000-000000000002",
        "position": 2,
        "thought": "Right now in Paris: sunny",
        "tool": "",
        "tool_labels": {},
        "tool_input": "",
        "observation": "",
        "files": [],
        "message_files": [],
        "created_at": 1764084601,
    },
]
USAGE = {
    "prompt_tokens": 9,
    "completion_tokens": 4,
    "total_tokens": 13,
    "total_price": "0",
    "currency": "USD",
}
STRING_FIELDS = (
    "id",
    "task_id",
    "message_id",
    "conversation_id",
    "thought",
    "observation",
    "tool",
    "tool_input",
)


def _agent_finished(log: list | None = None) -> dict:
    return {
        "id": "exec-agent",
        "node_id": "agent",
        "node_type": "agent",
        "index": 2,
        "status": "succeeded",
        "outputs": {"text": "Right now in Paris: sunny"},
        "execution_metadata": {"usage": USAGE, "agent_log": AGENT_LOG if log is None else log},
    }


def _events(*items: tuple[str, dict]) -> list[RunEvent]:
    return [
        RunEvent(run_id="r", task_id="t", seq=i, event=n, data=d, created_at=100 + i)
        for i, (n, d) in enumerate(items, 1)
    ]


def _agent_run() -> list[RunEvent]:
    return _events(
        ("workflow_started", {"id": "r"}),
        ("node_finished", {"node_type": "start", "node_id": "start"}),
        ("message", {"id": "m", "answer": "Right now in Paris: "}),
        ("message", {"id": "m", "answer": "sunny"}),
        ("node_finished", _agent_finished()),
        ("node_finished", {"node_type": "answer", "node_id": "answer", "outputs": {"answer": "x"}}),
        ("workflow_finished", {"status": "succeeded", "outputs": {"answer": "Right now in Paris: sunny"}}),
    )


def _frames(mode: str, events: list[RunEvent]) -> list[dict]:
    reply = ReplyStream(ReplyContext(mode, "t", "r", "m", "c"))
    return [frame for event in events for frame in reply.translate(event)]


def test_steps_become_agent_thought_frames_with_dify_fields() -> None:
    steps = agent_steps(_agent_finished())
    frames = stream_thoughts(
        steps, run_id="r", task_id="t", message_id="m", conversation_id="c", first_position=1, created_at=5
    )
    first, last = frames
    assert set(first) == {
        "event", "id", "task_id", "message_id", "conversation_id", "created_at", "position",
        "thought", "observation", "tool", "tool_labels", "tool_input", "message_files",
    }  # fmt: skip
    assert (first["event"], first["position"], first["tool"]) == (
        "agent_thought",
        1,
        "current_time;get_weather",
    )
    assert first["tool"].split(";") == ["current_time", "get_weather"]
    assert json.loads(first["tool_input"])["get_weather"] == {"city": "Paris"}
    assert json.loads(first["observation"])["current_time"].startswith("2026-")
    assert first["tool_labels"]["get_weather"] == {"en_US": "Weather"}
    assert (first["created_at"], first["message_files"]) == (1764084600, [])
    assert (last["position"], last["thought"], last["tool"], last["tool_input"]) == (
        2,
        "Right now in Paris: sunny",
        "",
        "",
    )
    # Ids are derived from the run and the position: the same on a replay, distinct per step.
    assert [f["id"] for f in frames] == [thought_id("r", 1), thought_id("r", 2)]
    assert thought_id("r", 1) != thought_id("other-run", 1)
    for frame in frames:
        assert all(isinstance(frame[k], str) for k in STRING_FIELDS), frame


def test_nulls_and_odd_shapes_become_strings_and_only_agent_nodes_count() -> None:
    odd = [
        {
            "thought": None,
            "tool": ["a", "b"],
            "tool_input": {"a": 1},
            "observation": None,
            "tool_labels": None,
        },
        {"label": "ROUND 1", "data": {}},  # Dify plugin-style tree entries are not thoughts
        "junk",
    ]
    steps = agent_steps(_agent_finished(odd))
    assert len(steps) == 1
    (frame,) = stream_thoughts(
        steps, run_id="r", task_id="t", message_id=None, conversation_id=None, first_position=4, created_at=7
    )
    assert (frame["thought"], frame["observation"], frame["tool"], frame["tool_labels"]) == (
        "",
        "",
        "a;b",
        {},
    )
    assert json.loads(frame["tool_input"]) == {"a": 1}
    assert (frame["position"], frame["created_at"], frame["message_id"], frame["conversation_id"]) == (
        4,
        7,
        "",
        "",
    )
    assert agent_steps({"node_type": "llm", "execution_metadata": {"agent_log": AGENT_LOG}}) == []
    assert agent_steps({"node_type": "agent", "execution_metadata": {}}) == []


def test_agent_chat_stream_sends_thoughts_before_message_end() -> None:
    frames = _frames("agent-chat", _agent_run())
    names = [f["event"] for f in frames]
    assert names == ["agent_message", "agent_message", "agent_thought", "agent_thought", "message_end"]
    thoughts = [f for f in frames if f["event"] == "agent_thought"]
    assert [t["position"] for t in thoughts] == [1, 2]
    assert all((t["task_id"], t["message_id"], t["conversation_id"]) == ("t", "m", "c") for t in thoughts)
    assert frames[-1]["metadata"]["usage"]["total_tokens"] == 13


def test_chatflow_agent_node_thoughts_come_before_its_node_finished_and_message_end() -> None:
    events = _agent_run()
    second = dict(_agent_finished(), id="exec-agent-2", node_id="agent2")
    events.insert(
        5, RunEvent(run_id="r", task_id="t", seq=50, event="node_finished", data=second, created_at=150)
    )
    names = [f["event"] for f in _frames("advanced-chat", events)]
    agent_done = names.index("node_finished", names.index("message"))
    assert names[agent_done - 2 : agent_done] == ["agent_thought", "agent_thought"]
    assert names[-2:] == ["message_end", "workflow_finished"]
    frames = _frames("advanced-chat", events)
    positions = [f["position"] for f in frames if f["event"] == "agent_thought"]
    assert positions == [1, 2, 3, 4]  # numbered across the run's agent nodes


def test_relayed_agent_thoughts_are_not_derived_twice() -> None:
    events = _agent_run()
    live = {"id": "x", "position": 1, "thought": "t", "tool": "", "tool_input": "", "observation": ""}
    events.insert(
        2, RunEvent(run_id="r", task_id="t", seq=60, event="agent_thought", data=live, created_at=102)
    )
    names = [f["event"] for f in _frames("agent-chat", events)]
    assert names.count("agent_thought") == 1


def test_the_recorder_stores_the_thoughts_on_the_message_with_the_streamed_ids() -> None:
    items = stored_thoughts(
        agent_steps(_agent_finished()), run_id="r", message_id="m", first_position=1, created_at=0
    )
    assert set(items[0]) == {
        "id", "chain_id", "message_id", "position", "thought", "tool", "tool_labels",
        "tool_input", "observation", "files", "created_at",
    }  # fmt: skip
    assert [i["id"] for i in items] == [thought_id("r", 1), thought_id("r", 2)]


async def test_recorded_message_has_agent_thoughts() -> None:
    store = InMemoryStore()
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(NewApp(ws, "a", "agent-chat", "", "", "app: {}", None))
    now = time.time()
    await store.create_conversation(ConversationRecord("c", app.id, "u", "n", {}, now, now))
    await store.create_run(
        RunRecord(
            id="r",
            app_id=app.id,
            workflow_id=version.id,
            task_id="t",
            status="running",
            inputs={},
            user="u",
            created_at=now,
            mode="agent-chat",
            conversation_id="c",
            message_id="m",
        )  # fmt: skip
    )
    await store.create_message(MessageRecord("m", app.id, "c", "u", "r", "t", "agent-chat", "q", {}, now))
    recorder = RunRecorder(store)
    streamed = [f for f in _frames("agent-chat", _agent_run()) if f["event"] == "agent_thought"]
    for event in _agent_run():
        await recorder.handle(event)
    message = await store.get_message(app.id, "m")
    assert [t["id"] for t in message.agent_thoughts] == [f["id"] for f in streamed]
    first = message.agent_thoughts[0]
    assert (first["message_id"], first["position"], first["tool"]) == ("m", 1, "current_time;get_weather")
    assert message.usage["total_tokens"] == 13
