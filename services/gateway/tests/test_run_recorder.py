"""RunRecorder: what a run's events write to the store, idempotently, whoever started the run."""

from __future__ import annotations

import asyncio
import time

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.records import NewApp, RunRecord
from riverflow.gateway.run_recorder import RunRecorder


async def _seed(store: InMemoryStore) -> tuple[str, RunRecord]:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(NewApp(ws, "a", "advanced-chat", "", "", "app: {}", None))
    now = time.time()
    await store.create_conversation(
        ConversationRecord("c", app.id, "u", "n", {}, now, now, variables={"x": 1})
    )
    run = RunRecord(
        id="r",
        app_id=app.id,
        workflow_id=version.id,
        task_id="t",
        status="running",
        inputs={},
        user="u",
        created_at=now,
        mode="advanced-chat",
        conversation_id="c",
        message_id="m",
    )
    await store.create_run(run)
    await store.create_message(MessageRecord("m", app.id, "c", "u", "r", "t", "advanced-chat", "q", {}, now))
    return app.id, run


def _event(seq: int, name: str, data: dict, run_id: str = "r") -> RunEvent:
    return RunEvent(run_id=run_id, task_id="t", seq=seq, event=name, data=data, created_at=int(time.time()))


async def test_terminal_events_finish_the_run_message_and_conversation() -> None:
    store = InMemoryStore()
    app_id, _ = await _seed(store)
    recorder = RunRecorder(store)
    usage = {
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "total_tokens": 5,
        "total_price": "0.01",
        "currency": "USD",
    }
    events = [
        _event(
            1,
            "node_finished",
            {
                "id": "e1",
                "node_id": "llm",
                "node_type": "llm",
                "index": 1,
                "status": "succeeded",
                "execution_metadata": {"usage": usage},
            },
        ),
        _event(
            2,
            "workflow_finished",
            {
                "status": "succeeded",
                "outputs": {"answer": "hi"},
                "total_steps": 2,
                "conversation_variables": {"x": 2},
            },
        ),
    ]
    for event in events + events:  # at-least-once delivery: twice changes nothing
        await recorder.handle(event)
    assert await recorder.wait("r", 0.1)
    run = await store.get_run_any("r")
    assert (run.status, run.outputs, run.total_tokens, run.total_steps) == (
        "succeeded",
        {"answer": "hi"},
        5,
        2,
    )
    message = await store.get_message(app_id, "m")
    assert (message.answer, message.status, message.usage["total_tokens"], message.usage["total_price"]) == (
        "hi",
        "normal",
        5,
        "0.01",
    )
    assert (await store.get_conversation(app_id, "c")).variables == {"x": 2}
    assert len(await store.list_node_executions("r")) == 1


async def test_a_failed_run_marks_its_message_and_keeps_the_variables() -> None:
    store = InMemoryStore()
    app_id, _ = await _seed(store)
    recorder = RunRecorder(store)
    await recorder.handle(
        _event(
            1, "workflow_finished", {"status": "failed", "error": "boom", "conversation_variables": {"x": 9}}
        )
    )
    message = await store.get_message(app_id, "m")
    assert (message.status, message.error) == ("error", "boom")
    assert (await store.get_conversation(app_id, "c")).variables == {"x": 1}


async def test_events_of_unknown_runs_are_ignored_and_wait_times_out() -> None:
    store = InMemoryStore()
    recorder = RunRecorder(store)
    await recorder.handle(_event(1, "node_finished", {"id": "e", "node_id": "n"}, run_id="other"))
    await recorder.handle(_event(2, "workflow_finished", {"status": "succeeded"}, run_id="other"))
    assert store.executions == {} and store.runs == {}
    assert not await recorder.wait("never", 0.05)


async def test_ends_are_announced_and_an_end_recorded_elsewhere_ends_the_wait() -> None:
    store = InMemoryStore()
    await _seed(store)
    announced: list[str] = []

    async def announce(run_id: str) -> None:
        announced.append(run_id)

    recorder = RunRecorder(store, announce=announce)
    waiting = asyncio.create_task(recorder.wait("on-another-replica", 30))
    await asyncio.sleep(0)
    recorder.mark_recorded("on-another-replica")  # that replica's announcement
    assert await waiting and announced == []
    await recorder.handle(_event(1, "workflow_finished", {"status": "succeeded"}))
    assert announced == ["r"] and await recorder.wait("r", 0.01)


async def test_a_run_handed_over_by_its_gateway_is_recorded_without_reading_it_back() -> None:
    store = InMemoryStore()
    _, run = await _seed(store)
    reads: list[str] = []
    read = store.get_run_any

    async def counted(run_id: str) -> RunRecord | None:
        reads.append(run_id)
        return await read(run_id)

    store.get_run_any = counted  # type: ignore[method-assign]
    recorder = RunRecorder(store)
    recorder.expect(run)
    await recorder.handle(_event(1, "node_finished", {"id": "e1", "node_id": "n", "index": 1}))
    await recorder.handle(_event(2, "node_finished", {"id": "e2", "node_id": "m", "index": 2}))
    assert reads == [] and len(await store.list_node_executions("r")) == 2
    other = RunRecorder(store)  # another replica reads the run once for all its node events
    await other.handle(_event(1, "node_finished", {"id": "e1", "node_id": "n", "index": 1}))
    await other.handle(_event(2, "node_finished", {"id": "e2", "node_id": "m", "index": 2}))
    assert reads == ["r"]
