"""The recorder's group commit: writes made at the same time share one store call; a failed call
fails each of its writers (their events are redelivered) and later writes go on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest
from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.records import NewApp, NodeExecutionRecord, RunRecord
from riverflow.gateway.run_recorder import RunRecorder
from riverflow.gateway.run_writes import RunWrites


class CountingStore(InMemoryStore):
    """Records each ``save_run_writes`` call; the call takes a moment, as a commit does."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int]] = []
        self.listed: list[str] = []
        self.reads: list[str] = []
        self.fail_next = False

    async def save_run_writes(
        self, executions: Sequence[NodeExecutionRecord], finished: Sequence[RunRecord] = ()
    ) -> None:
        self.calls.append((len(executions), len(finished)))
        await asyncio.sleep(0.02)
        if self.fail_next:
            self.fail_next = False
            raise OSError("database is locked")
        await super().save_run_writes(executions, finished)

    async def list_node_executions(self, run_id: str) -> list[NodeExecutionRecord]:
        self.listed.append(run_id)
        return await super().list_node_executions(run_id)

    async def get_run_any(self, run_id: str) -> RunRecord | None:
        self.reads.append(run_id)
        await asyncio.sleep(0.01)
        return await super().get_run_any(run_id)


async def _runs(store: InMemoryStore, count: int, mode: str = "workflow") -> list[RunRecord]:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(NewApp(ws, "a", mode, "", "", "app: {}", None))
    runs = []
    for i in range(count):
        run = RunRecord(f"r{i}", app.id, version.id, f"t{i}", "running", {}, "u", time.time(), mode=mode)
        await store.create_run(run)
        runs.append(run)
    return runs


def _execution(run: RunRecord, node: str) -> NodeExecutionRecord:
    return NodeExecutionRecord(
        f"{run.id}:{node}", run.id, run.app_id, node, "code", node, 1, "succeeded", time.time()
    )


async def test_concurrent_writes_share_one_call_and_a_lone_write_goes_at_once() -> None:
    store = CountingStore()
    runs = await _runs(store, 10)
    writes = RunWrites(store)
    await writes.save_node_execution(_execution(runs[0], "start"))
    assert store.calls == [(1, 0)]
    for run in runs:
        run.status, run.finished_at = "succeeded", time.time()
    burst = [writes.save_node_execution(_execution(run, node)) for run in runs for node in ("a", "b")]
    await asyncio.gather(*burst, *(writes.finish_run(run) for run in runs))
    assert store.calls[1:] == [(20, 10)]
    assert len(store.executions) == 21
    assert all(store.runs[run.id].status == "succeeded" for run in runs)
    # Writes made while a call is in flight wait for it, then go together in the next one.
    first = asyncio.create_task(writes.save_node_execution(_execution(runs[0], "c")))
    await asyncio.sleep(0.005)
    await asyncio.gather(first, *(writes.save_node_execution(_execution(run, "d")) for run in runs))
    assert store.calls[2:] == [(1, 0), (10, 0)]


async def test_a_failed_call_fails_each_of_its_writers_and_the_next_batch_goes_on() -> None:
    store = CountingStore()
    runs = await _runs(store, 3)
    writes = RunWrites(store)
    store.fail_next = True
    outcomes = await asyncio.gather(
        *(writes.save_node_execution(_execution(run, "a")) for run in runs), return_exceptions=True
    )
    assert [type(o).__name__ for o in outcomes] == ["OSError"] * 3 and store.executions == {}
    await asyncio.gather(*(writes.save_node_execution(_execution(run, "a")) for run in runs))  # redelivered
    assert sorted(store.executions) == ["r0:a", "r1:a", "r2:a"] and len(store.calls) == 2


def _event(run_id: str, seq: int, name: str, data: dict) -> RunEvent:
    return RunEvent(run_id=run_id, task_id="t", seq=seq, event=name, data=data, created_at=int(time.time()))


async def test_a_workflow_end_with_totals_writes_without_reading_its_nodes_back() -> None:
    store = CountingStore()
    (run,) = await _runs(store, 1)
    recorder = RunRecorder(store)
    await recorder.handle(
        _event(run.id, 1, "node_finished", {"id": "e1", "node_id": "n", "status": "succeeded"})
    )
    finished = {"status": "succeeded", "outputs": {"x": 1}, "total_tokens": 0, "total_steps": 1}
    await recorder.handle(_event(run.id, 2, "workflow_finished", finished))
    await recorder.handle(_event(run.id, 3, "error", {"message": "late"}))  # trails the recorded end
    stored = await store.get_run_any(run.id)
    assert (stored.status, stored.outputs, stored.error, stored.total_steps) == (
        "succeeded",
        {"x": 1},
        None,
        1,
    )
    assert store.listed == [] and await recorder.wait(run.id, 0.01)


@pytest.mark.parametrize("data", [{"status": "succeeded"}, {"status": "succeeded", "total_tokens": 0}])
async def test_node_usage_is_summed_when_the_end_has_no_totals_or_a_message(data: dict) -> None:
    store = CountingStore()
    (run,) = await _runs(store, 1, mode="workflow" if "total_tokens" not in data else "advanced-chat")
    if "total_tokens" in data:  # a chat run: its message needs the nodes' usage and citations
        store.runs[run.id].message_id = "m"
    recorder = RunRecorder(store)
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    node = {"id": "e1", "node_id": "llm", "node_type": "llm", "execution_metadata": {"usage": usage}}
    await recorder.handle(_event(run.id, 1, "node_finished", node))
    await recorder.handle(_event(run.id, 2, "workflow_finished", data))
    assert store.listed == [run.id]
    assert (await store.get_run_any(run.id)).total_tokens == 3


async def test_a_runs_node_events_handled_together_read_it_once_and_write_once() -> None:
    store = CountingStore()
    (run,) = await _runs(store, 1)
    recorder = RunRecorder(store)
    events = [_event(run.id, i, "node_finished", {"id": f"e{i}", "node_id": f"n{i}"}) for i in range(1, 6)]
    await asyncio.gather(*(recorder.handle(e) for e in events))
    assert store.reads == [run.id] and store.calls == [(5, 0)]
    assert sorted(e.node_id for e in await store.list_node_executions(run.id)) == [
        "n1",
        "n2",
        "n3",
        "n4",
        "n5",
    ]
