"""ReplyStream: run events as each app family's frames (envelopes, closing order, usage, citations)."""

from __future__ import annotations

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.reply_stream import ReplyContext, ReplyStream

USAGE = {
    "prompt_tokens": 3,
    "completion_tokens": 4,
    "total_tokens": 7,
    "total_price": "0.001",
    "currency": "USD",
}
CITATION = {
    "content": "Rivers flow.",
    "metadata": {
        "position": 1,
        "dataset_id": "ds",
        "dataset_name": "Geo",
        "document_id": "doc",
        "document_name": "geo.txt",
        "segment_id": "seg",
        "score": 0.9,
    },
}


def _events(*items: tuple[str, dict]) -> list[RunEvent]:
    return [
        RunEvent(run_id="r", task_id="t", seq=i, event=n, data=d, created_at=100 + i)
        for i, (n, d) in enumerate(items, 1)
    ]


def _frames(mode: str, events: list[RunEvent]) -> tuple[ReplyStream, list[dict]]:
    reply = ReplyStream(ReplyContext(mode, "t", "r", "m", None if mode == "completion" else "c"))
    return reply, [frame for event in events for frame in reply.translate(event)]


def _run(status: str = "succeeded", answer: str = "Rivers flow.", error: str | None = None) -> list[RunEvent]:
    return _events(
        ("workflow_started", {"id": "r"}),
        ("node_finished", {"node_type": "knowledge-retrieval", "outputs": {"result": [CITATION]}}),
        ("message", {"id": "m", "answer": "Rivers "}),
        ("message", {"id": "m", "answer": "flow."}),
        ("node_finished", {"node_type": "llm", "execution_metadata": {"usage": USAGE}}),
        ("workflow_finished", {"status": status, "outputs": {"answer": answer}, "error": error}),
    )


def test_chatflow_frames_close_with_message_end_then_workflow_finished() -> None:
    reply, frames = _frames("advanced-chat", _run())
    assert [f["event"] for f in frames] == [
        "workflow_started",
        "node_finished",
        "message",
        "message",
        "node_finished",
        "message_end",
        "workflow_finished",
    ]
    end = frames[-2]
    assert (
        end["metadata"]["usage"]["total_tokens"] == 7 and end["metadata"]["usage"]["total_price"] == "0.001"
    )
    (citation,) = end["metadata"]["retriever_resources"]
    assert (citation["dataset_name"], citation["segment_id"], citation["content"]) == (
        "Geo",
        "seg",
        "Rivers flow.",
    )
    assert (
        reply.blocking_body()["answer"] == "Rivers flow." and reply.blocking_body()["mode"] == "advanced-chat"
    )


def test_a_failed_chatflow_ends_with_workflow_finished_then_error_and_no_message_end() -> None:
    reply, frames = _frames("advanced-chat", _run(status="failed", error="model down"))
    assert [f["event"] for f in frames][-2:] == ["workflow_finished", "error"]
    assert "message_end" not in [f["event"] for f in frames]
    assert frames[-1] == {
        "event": "error",
        "message_id": "m",
        "conversation_id": "c",
        "status": 400,
        "code": "invalid_param",
        "message": "Run failed: model down",
    }
    assert reply.status == "failed"


def test_easy_ui_families_hide_the_graph() -> None:
    _, chat = _frames("chat", _run())
    assert [f["event"] for f in chat] == ["message", "message", "message_end"]
    _, agent = _frames("agent-chat", _run())
    assert [f["event"] for f in agent] == ["agent_message", "agent_message", "message_end"]
    _, completion = _frames("completion", _run())
    assert all("conversation_id" not in f for f in completion) and completion[-1]["event"] == "message_end"


def test_an_engine_message_end_is_not_doubled() -> None:
    events = _events(
        ("message", {"answer": "a"}),
        ("message_end", {"metadata": {"usage": USAGE}}),
        ("workflow_finished", {"status": "succeeded", "outputs": {"answer": "a"}}),
    )
    _, frames = _frames("advanced-chat", events)
    assert [f["event"] for f in frames] == ["message", "message_end", "workflow_finished"]


def test_workflow_frames_keep_the_workflow_envelope() -> None:
    _, frames = _frames(
        "workflow", _events(("text_chunk", {"text": "x"}), ("workflow_finished", {"status": "succeeded"}))
    )
    assert frames[0] == {"event": "text_chunk", "task_id": "t", "workflow_run_id": "r", "data": {"text": "x"}}
