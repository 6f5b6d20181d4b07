"""The ``Store`` behaviour suite, runs: workflow runs, their node executions and the recorder's
batched writes (in memory, SQLite and PostgreSQL)."""

from __future__ import annotations

import time
import uuid

import pytest
from riverflow.gateway.records import NodeExecutionRecord, RunQuery, RunRecord

from .conftest import STORES
from .test_store_conformance import _new_app

pytestmark = pytest.mark.parametrize("store", STORES, indirect=True)


def _now() -> float:
    return float(int(time.time()))


async def test_runs_are_recorded_finished_and_app_scoped(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    other, _, _ = await store.create_app(_new_app(ws, key_hash="o" * 64))
    now = float(int(time.time()))
    run = RunRecord(
        id=str(uuid.uuid4()),
        app_id=app.id,
        workflow_id=version.id,
        task_id=str(uuid.uuid4()),
        status="running",
        inputs={"query": "q", "n": [1, 2]},
        user="u1",
        created_at=now,
    )
    await store.create_run(run)
    running = await store.get_run(app.id, run.id)
    assert running is not None and running.status == "running" and running.finished_at is None
    assert running.inputs == {"query": "q", "n": [1, 2]} and running.user == "u1"
    run.status, run.outputs, run.error = "failed", {"x": {"y": "ü"}}, "boom"
    run.elapsed_time, run.total_steps, run.total_tokens, run.finished_at = 1.5, 3, 7, now + 2
    await store.finish_run(run)
    done = await store.get_run(app.id, run.id)
    assert done is not None
    assert (done.status, done.outputs, done.error) == ("failed", {"x": {"y": "ü"}}, "boom")
    assert (done.elapsed_time, done.total_steps, done.total_tokens) == (1.5, 3, 7)
    assert done.created_at == now and done.finished_at == now + 2
    assert await store.get_run(other.id, run.id) is None


async def test_runs_by_task_listing_and_node_executions(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    now = _now()
    runs = []
    for i, status in enumerate(["succeeded", "failed", "succeeded"]):
        run = RunRecord(
            id=str(uuid.uuid4()),
            app_id=app.id,
            workflow_id=version.id,
            task_id=f"task-{i}",
            status=status,
            inputs={"q": f"word{i}"},
            user=f"user{i % 2}",
            created_at=now + i,
            mode="advanced-chat",
            conversation_id=str(uuid.uuid4()),
            message_id=str(uuid.uuid4()),
            end_user_id="eu",
        )
        await store.create_run(run)
        runs.append(run)
    assert (await store.get_run_by_task(app.id, "task-1")).id == runs[1].id
    assert await store.get_run_by_task("other", "task-1") is None
    page, total = await store.list_runs(app.id, RunQuery(limit=2))
    assert total == 3 and [r.id for r in page] == [runs[2].id, runs[1].id]
    assert [r.id for r in (await store.list_runs(app.id, RunQuery(page=2, limit=2)))[0]] == [runs[0].id]
    assert [r.id for r in (await store.list_runs(app.id, RunQuery(status="failed")))[0]] == [runs[1].id]
    assert [r.id for r in (await store.list_runs(app.id, RunQuery(user="user0")))[0]] == [
        runs[2].id,
        runs[0].id,
    ]
    assert [r.id for r in (await store.list_runs(app.id, RunQuery(keyword="word1")))[0]] == [runs[1].id]
    assert (await store.list_runs(app.id, RunQuery(created_after=now + 1.5)))[1] == 1
    stored = await store.get_run_any(runs[0].id)
    assert (stored.mode, stored.message_id, stored.end_user_id) == ("advanced-chat", runs[0].message_id, "eu")
    execution = NodeExecutionRecord(
        id="exec-1",
        run_id=runs[0].id,
        app_id=app.id,
        node_id="llm",
        node_type="llm",
        title="LLM",
        index=2,
        status="succeeded",
        created_at=now,
        outputs={"text": "ü"},
        execution_metadata={"usage": {"total_tokens": 3}},
        finished_at=now + 1,
    )
    await store.save_run_writes([execution])
    execution.status = "failed"
    await store.save_run_writes([execution])  # delivered twice: replaced, not duplicated
    start = NodeExecutionRecord(
        id="exec-0",
        run_id=runs[0].id,
        app_id=app.id,
        node_id="start",
        node_type="start",
        title="",
        index=1,
        status="succeeded",
        created_at=now,
    )
    await store.save_run_writes([start])
    found = await store.list_node_executions(runs[0].id)
    assert [(e.id, e.status) for e in found] == [("exec-0", "succeeded"), ("exec-1", "failed")]
    assert found[1].outputs == {"text": "ü"} and found[1].execution_metadata == {"usage": {"total_tokens": 3}}


async def test_run_writes_of_several_runs_in_one_call(store) -> None:
    """The recorder's group commit: node executions (one id twice: the last wins) and the ends of
    several runs in one call; an unknown run's end changes nothing."""
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    now = _now()
    runs = [
        RunRecord(
            id=str(uuid.uuid4()),
            app_id=app.id,
            workflow_id=version.id,
            task_id=f"t{i}",
            status="running",
            inputs={},
            user="u",
            created_at=now,
        )
        for i in range(2)
    ]
    for run in runs:
        await store.create_run(run)

    def execution(run: RunRecord, node: str, status: str) -> NodeExecutionRecord:
        return NodeExecutionRecord(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run.id}:{node}")),
            run_id=run.id,
            app_id=app.id,
            node_id=node,
            node_type="code",
            title=node,
            index=1 if node == "a" else 2,
            status=status,
            created_at=now,
        )

    for run in runs:
        run.status, run.outputs, run.total_steps, run.finished_at = (
            "succeeded",
            {"n": run.task_id},
            2,
            now + 1,
        )
    ghost = RunRecord(
        id="no-such-run",
        app_id=app.id,
        workflow_id=version.id,
        task_id="t",
        status="failed",
        inputs={},
        user="u",
        created_at=now,
        finished_at=now,
    )
    await store.save_run_writes(
        [
            execution(runs[0], "a", "running"),
            execution(runs[1], "a", "succeeded"),
            execution(runs[0], "a", "succeeded"),
            execution(runs[0], "b", "failed"),
        ],
        [runs[0], runs[1], ghost],
    )
    first = await store.list_node_executions(runs[0].id)
    assert [(e.node_id, e.status) for e in first] == [("a", "succeeded"), ("b", "failed")]
    assert [e.node_id for e in await store.list_node_executions(runs[1].id)] == ["a"]
    for run in runs:
        stored = await store.get_run_any(run.id)
        assert (stored.status, stored.outputs, stored.total_steps) == ("succeeded", {"n": run.task_id}, 2)
        assert stored.finished_at == pytest.approx(now + 1, abs=1e-3)
    assert await store.get_run_any("no-such-run") is None
