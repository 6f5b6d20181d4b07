"""dify-client-python 1.0.3 (typed models, SSE parsed by the client), unmodified, against a
gateway process: chat (blocking, streaming, sync and async), workflow, stops, feedback, suggested,
upload, audio, and errors mapped from Dify's error bodies."""

from __future__ import annotations

import pytest
from dify_client import AsyncClient, Client, errors, models

pytestmark = pytest.mark.integration


def _field(data, name: str):
    return data[name] if isinstance(data, dict) else getattr(data, name)


@pytest.fixture
def client(live_gateway):
    return lambda name: Client(api_key=live_gateway.keys[name], api_base=live_gateway.v1)


def test_chatflow_blocking_and_streaming(client) -> None:
    chat = client("chatflow")
    reply = chat.chat_messages(
        models.ChatRequest(query="river", inputs={}, user="alice", response_mode=models.ResponseMode.BLOCKING)
    )
    assert reply.answer == "prefixriversuffix" and reply.mode == "advanced-chat"
    assert reply.metadata.usage.currency == "USD" and reply.metadata.usage.total_tokens == 0
    events = list(
        chat.chat_messages(
            models.ChatRequest(
                query="delta",
                inputs={},
                user="alice",
                response_mode=models.ResponseMode.STREAMING,
            )
        )
    )
    names = [str(e.event) for e in events]
    assert names[0] == "workflow_started" and names[-2:] == ["message_end", "workflow_finished"]
    answer = "".join(e.answer for e in events if str(e.event) == "message")
    assert answer == "prefixdeltasuffix"
    assert all(e.task_id == events[0].task_id for e in events)


def test_conversation_continues_with_the_client(client) -> None:
    chat = client("greeting")
    first = list(
        chat.chat_messages(
            models.ChatRequest(
                query="one", inputs={"name": "Ann"}, user="bob", response_mode=models.ResponseMode.STREAMING
            )
        )
    )
    end = next(e for e in first if str(e.event) == "message_end")
    assert end.conversation_id
    second = chat.chat_messages(
        models.ChatRequest(
            query="two",
            inputs={},
            user="bob",
            response_mode=models.ResponseMode.BLOCKING,
            conversation_id=end.conversation_id,
        )
    )
    assert second.answer == "Hello, Ann: two"


def test_workflow_blocking_streaming_and_stop(client) -> None:
    workflow = client("workflow")
    done = workflow.run_workflows(
        models.WorkflowsRunRequest(
            inputs={"query": "flow"}, user="carol", response_mode=models.ResponseMode.BLOCKING
        )
    )
    assert done.data.status == "succeeded" and done.data.outputs == {"query": "flow"}
    events = list(
        workflow.run_workflows(
            models.WorkflowsRunRequest(
                inputs={"query": "flow"}, user="carol", response_mode=models.ResponseMode.STREAMING
            )
        )
    )
    assert [str(e.event) for e in events][0] == "workflow_started" and str(
        events[-1].event
    ) == "workflow_finished"
    # The client keeps workflow event payloads as dicts (its union lists Dict[str, Any]).
    assert _field(events[-1].data, "status") == "succeeded"
    assert "".join(_field(e.data, "text") for e in events if str(e.event) == "text_chunk") == "flow"
    stopped = workflow.stop_workflows(events[0].task_id, models.StopRequest(user="carol"))
    assert stopped.result == "success"
    assert (
        client("chatflow").stop_chat_messages("no-such-task", models.StopRequest(user="carol")).result
        == "success"
    )


def test_feedback_suggested_and_upload(client) -> None:
    chat = client("greeting")
    reply = chat.chat_messages(
        models.ChatRequest(query="q", inputs={}, user="dan", response_mode=models.ResponseMode.BLOCKING)
    )
    feedback = chat.feedback_messages(
        reply.message_id, models.FeedbackRequest(rating=models.Rating.LIKE, user="dan")
    )
    assert feedback.result == "success"
    suggested = chat.suggest_messages(reply.message_id, models.ChatSuggestRequest(user="dan"))
    assert suggested.result == "success" and suggested.data == []
    uploaded = chat.upload_files(
        ("notes.txt", b"river notes", "text/plain"), models.UploadFileRequest(user="dan")
    )
    assert (uploaded.name, uploaded.size, uploaded.extension) == ("notes.txt", 11, "txt")
    with pytest.raises(errors.DifyAPIError) as disabled:
        client("chatflow").suggest_messages(reply.message_id, models.ChatSuggestRequest(user="dan"))
    assert disabled.value.status == 404  # another app's message


def test_errors_are_mapped_from_difys_bodies(client, live_gateway) -> None:
    with pytest.raises(errors.DifyAPIError) as unauthorized:
        Client(api_key="app-nope", api_base=live_gateway.v1).chat_messages(
            models.ChatRequest(query="q", inputs={}, user="u", response_mode=models.ResponseMode.BLOCKING)
        )
    assert (unauthorized.value.status, unauthorized.value.code) == (401, "unauthorized")
    with pytest.raises(errors.DifyAPIError) as wrong_mode:
        client("workflow").chat_messages(
            models.ChatRequest(query="q", inputs={}, user="u", response_mode=models.ResponseMode.BLOCKING)
        )
    assert wrong_mode.value.code == "not_chat_app"
    with pytest.raises(errors.DifyAPIError) as audio:
        client("chatflow").audio_to_text(("a.mp3", b"ID3", "audio/mpeg"), models.AudioToTextRequest(user="u"))
    assert audio.value.code == "provider_not_support_speech_to_text"


def test_a_failing_completion_is_an_error_the_client_understands(client) -> None:
    """No model is wired to this gateway: the run fails, as Dify reports it (400 / in-stream error)."""
    completion = client("completion")
    request = dict(inputs={"query": "rivers"}, user="eve")
    with pytest.raises(errors.DifyAPIError) as blocking:
        completion.completion_messages(
            models.CompletionRequest(response_mode=models.ResponseMode.BLOCKING, **request)
        )
    assert blocking.value.status == 400 and "Run failed" in blocking.value.message
    streamed = list(
        completion.completion_messages(
            models.CompletionRequest(response_mode=models.ResponseMode.STREAMING, **request)
        )
    )
    assert str(streamed[-1].event) == "error" and "Run failed" in streamed[-1].message


async def test_async_client_streams(live_gateway) -> None:
    chat = AsyncClient(api_key=live_gateway.keys["chatflow"], api_base=live_gateway.v1)
    stream = await chat.achat_messages(
        models.ChatRequest(query="async", inputs={}, user="fay", response_mode=models.ResponseMode.STREAMING)
    )
    events = [event async for event in stream]
    assert "".join(e.answer for e in events if str(e.event) == "message") == "prefixasyncsuffix"
