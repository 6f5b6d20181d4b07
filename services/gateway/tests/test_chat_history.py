"""A continued conversation hands its earlier turns to the run as ``sys.history`` (LLM memory)."""

from __future__ import annotations


async def test_second_message_carries_the_first_turn(gateway, monkeypatch) -> None:
    app = await gateway.import_app("answer_end_with_text.yml")
    published = []
    original = gateway.bus.publish_run

    async def spy(request) -> None:
        published.append(request)
        await original(request)

    monkeypatch.setattr(gateway.bus, "publish_run", spy)
    first = (await gateway.chat(app["api_key"], "first question")).json()
    assert first["answer"], first
    second = await gateway.chat(app["api_key"], "second question", conversation_id=first["conversation_id"])
    assert second.status_code == 200, second.text

    assert "history" not in published[0].system, "a new conversation has no history"
    assert published[1].system["history"] == [{"query": "first question", "answer": first["answer"]}]

    other = await gateway.chat(app["api_key"], "fresh start")
    assert "history" not in published[2].system, "another conversation does not see this one"
    assert other.json()["conversation_id"] != first["conversation_id"]
