"""Suggested questions after an answer, through real gateway + orchestrator + agent processes: the
gateway asks the agent over NATS (``rf.v1.agent.suggest``), the agent calls the app's model (the
shipped mock, scripted) through litellm and parses Dify's JSON-array answer; Dify's own client
reads the result. Plus the parser on the answers models really give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dify_client import Client, errors, models
from riverflow.agent.suggestions import INSTRUCTION, parse_questions
from riverflow.mockllm import MockConfig, MockControl, MockServer

from tests.platform import Platform, running_platform

APPS = Path(__file__).resolve().parents[1] / "services" / "gateway" / "tests" / "apps"
MARKER = "three most likely questions"  # in the agent's suggestion prompt, never in a chat turn
SCRIPT = [
    # A conversation about a "broken delta" makes the model refuse the suggestion call.
    {"match": {"regex": f"broken delta[\\s\\S]*{MARKER}"}, "error": {"status": 400, "message": "refused"}},
    {
        "match": {"contains": MARKER},
        "reply": 'Sure! Here they are:\n```json\n["Where does it start?", "How long is it?", '
        '"Which [tributaries] join it?", "Is it navigable?"]\n```',
    },
]


@pytest.mark.parametrize(
    ("answer", "questions"),
    [
        ('["a?", "b?", "c?"]', ["a?", "b?", "c?"]),
        ('```json\n["a?", "b?", "c?", "d?"]\n```', ["a?", "b?", "c?"]),
        ('Questions: ["x [1]?", " y? ", "", 3, "x [1]?"] hope that helps', ["x [1]?", "y?"]),
        ('See [1]. ["real?"]', ["real?"]),
        ('{"question1": "one?", "question2": "two?"}', ["one?", "two?"]),
        ('{"questions": ["one?", "two?"]}', ["one?", "two?"]),
        ("I cannot help with that.", []),
        ('["unterminated', []),
        ("", []),
    ],
)
def test_model_answers_are_parsed_as_dify_does_and_more_robustly(answer: str, questions: list[str]) -> None:
    assert parse_questions(answer, 3) == questions


@pytest.fixture(scope="module")
def mock() -> Iterator[MockControl]:
    with MockServer(MockConfig()) as server:
        control = MockControl(server.base_url)
        control.script(SCRIPT)
        yield control


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, mock: MockControl) -> Iterator[Platform]:
    work = tmp_path_factory.mktemp("suggestions")
    env = {"AGENT_DEFAULT_MODEL_BASE_URL": mock.base_url, "AGENT_HEALTH_PORT": "0"}
    with running_platform(work, ("orchestrator", "agent"), env) as running:
        yield running


def _chat(platform: Platform, key: str, query: str, conversation_id: str = "") -> dict:
    body = {
        "query": query,
        "inputs": {"region": "africa"},
        "user": "alice",
        "response_mode": "blocking",
        "conversation_id": conversation_id,
    }
    response = httpx.post(
        f"{platform.base_url}/v1/chat-messages",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=600,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _suggestion_calls(mock: MockControl) -> list[dict]:
    return [r["body"] for r in mock.requests() if MARKER in str(r["body"].get("messages"))]


@pytest.mark.integration
def test_the_agent_suggests_questions_from_the_conversation(platform: Platform, mock: MockControl) -> None:
    key = platform.import_app(APPS / "suggesting_chat.yml")["api_key"]
    first = _chat(platform, key, "Tell me about the Nile")
    second = _chat(platform, key, "And the Congo?", first["conversation_id"])
    assert second["answer"] == "And the Congo?"  # the mock echoes chat turns
    client = Client(api_key=key, api_base=f"{platform.base_url}/v1")
    suggested = client.suggest_messages(second["message_id"], models.ChatSuggestRequest(user="alice"))
    assert suggested.result == "success"
    assert suggested.data == ["Where does it start?", "How long is it?", "Which [tributaries] join it?"]
    calls = _suggestion_calls(mock)
    assert len(calls) == 1
    call = calls[0]
    assert call["model"] == "gpt-4o-mini"  # the app's model, reached through litellm over HTTP
    assert call["temperature"] == 0 and call.get("max_tokens", call.get("max_completion_tokens")) == 256
    prompt = call["messages"][-1]["content"]
    assert prompt.index("Human: Tell me about the Nile") < prompt.index("Human: And the Congo?")
    assert "Assistant: And the Congo?" in prompt and INSTRUCTION.strip() in prompt
    # Asked again: the agent replays the checkpointed call, the model is not paid twice.
    again = client.suggest_messages(second["message_id"], models.ChatSuggestRequest(user="alice"))
    assert again.data == suggested.data and len(_suggestion_calls(mock)) == 1
    # The first message's suggestions only know the conversation up to it.
    earlier = client.suggest_messages(first["message_id"], models.ChatSuggestRequest(user="alice"))
    assert len(earlier.data) == 3
    last_prompt = _suggestion_calls(mock)[-1]["messages"][-1]["content"]
    assert "Human: Tell me about the Nile" in last_prompt and "Congo" not in last_prompt


@pytest.mark.integration
def test_a_failing_model_suggests_nothing_and_a_disabled_feature_says_so(
    platform: Platform, mock: MockControl
) -> None:
    key = platform.import_app(APPS / "suggesting_chat.yml")["api_key"]
    reply = _chat(platform, key, "What is a broken delta?")
    response = httpx.get(
        f"{platform.base_url}/v1/messages/{reply['message_id']}/suggested",
        params={"user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    assert response.status_code == 200 and response.json() == {"result": "success", "data": []}
    assert any("broken delta" in str(c["messages"]) for c in _suggestion_calls(mock))
    plain = platform.import_app(APPS / "assistant_chat.yml")["api_key"]
    off = httpx.post(
        f"{platform.base_url}/v1/chat-messages",
        json={"query": "hi", "inputs": {"team": "ops"}, "user": "alice", "response_mode": "blocking"},
        headers={"Authorization": f"Bearer {plain}"},
        timeout=600,
    ).json()
    client = Client(api_key=plain, api_base=f"{platform.base_url}/v1")
    with pytest.raises(errors.DifyAPIError) as disabled:
        client.suggest_messages(off["message_id"], models.ChatSuggestRequest(user="alice"))
    assert disabled.value.status == 400 and disabled.value.code == "bad_request"
    assert disabled.value.message == "Suggested Questions Is Disabled."
