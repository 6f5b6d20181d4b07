"""The SQL store's runs: workflow runs (logs, detail) and node executions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riverflow.gateway.adapters import sql_models as m
from riverflow.gateway.adapters.sql_convert import dt, ts
from riverflow.gateway.records import NodeExecutionRecord, RunQuery, RunRecord
from sqlalchemy import String, bindparam, cast, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SqlRuns", "run_row"]

_RUN_FIELDS = (
    "status",
    "outputs",
    "error",
    "elapsed_time",
    "total_steps",
    "total_tokens",
    "exceptions_count",
)

_RUNS = m.WorkflowRun.__table__
_FINISH = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("run_id"))
    .values({name: bindparam(f"v_{name}") for name in (*_RUN_FIELDS, "finished_at")})
)


_EXECUTIONS = m.NodeExecution.__table__


def _upsert_execution(dialect: Any) -> Any:
    # On the table, not the mapped class: a plain executemany, without the ORM's bulk-insert path.
    statement = dialect.insert(_EXECUTIONS)
    replaced = {c.name: statement.excluded[c.name] for c in _EXECUTIONS.c if c.name != "id"}
    return statement.on_conflict_do_update(index_elements=[_EXECUTIONS.c.id], set_=replaced)


# Built once: one statement shape whatever the batch size, so its compiled form is cached.
_UPSERT_EXECUTION = {"sqlite": _upsert_execution(sqlite), "postgresql": _upsert_execution(postgresql)}


def _run(row: m.WorkflowRun) -> RunRecord:
    return RunRecord(
        id=row.id,
        app_id=row.app_id,
        workflow_id=row.workflow_id,
        task_id=row.task_id,
        status=row.status,
        inputs=row.inputs,
        user=row.created_by,
        created_at=ts(row.created_at) or 0.0,
        outputs=row.outputs,
        error=row.error,
        elapsed_time=row.elapsed_time,
        total_steps=row.total_steps,
        total_tokens=row.total_tokens,
        finished_at=ts(row.finished_at),
        mode=row.mode,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        end_user_id=row.end_user_id,
        exceptions_count=row.exceptions_count,
        created_from=row.created_from,
    )


def _execution(row: m.NodeExecution) -> NodeExecutionRecord:
    return NodeExecutionRecord(
        id=row.id,
        run_id=row.run_id,
        app_id=row.app_id,
        node_id=row.node_id,
        node_type=row.node_type,
        title=row.title,
        index=row.index,
        status=row.status,
        created_at=ts(row.created_at) or 0.0,
        inputs=row.inputs,
        outputs=row.outputs,
        process_data=row.process_data,
        error=row.error,
        elapsed_time=row.elapsed_time,
        execution_metadata=row.execution_metadata or {},
        finished_at=ts(row.finished_at),
        predecessor_node_id=row.predecessor_node_id,
    )


def _execution_row(execution: NodeExecutionRecord) -> dict[str, Any]:
    return {
        "id": execution.id,
        "run_id": execution.run_id,
        "app_id": execution.app_id,
        "node_id": execution.node_id,
        "node_type": execution.node_type,
        "title": execution.title,
        "index": execution.index,
        "predecessor_node_id": execution.predecessor_node_id,
        "status": execution.status,
        "inputs": execution.inputs,
        "outputs": execution.outputs,
        "process_data": execution.process_data,
        "error": execution.error,
        "elapsed_time": execution.elapsed_time,
        "execution_metadata": execution.execution_metadata,
        "created_at": dt(execution.created_at),
        "finished_at": dt(execution.finished_at),
    }


def run_row(run: RunRecord) -> m.WorkflowRun:
    return m.WorkflowRun(
        id=run.id,
        app_id=run.app_id,
        workflow_id=run.workflow_id,
        task_id=run.task_id,
        status=run.status,
        inputs=run.inputs,
        outputs=run.outputs,
        error=run.error,
        elapsed_time=run.elapsed_time,
        total_steps=run.total_steps,
        total_tokens=run.total_tokens,
        created_by=run.user,
        created_at=dt(run.created_at),
        finished_at=dt(run.finished_at),
        mode=run.mode,
        conversation_id=run.conversation_id,
        message_id=run.message_id,
        end_user_id=run.end_user_id,
        exceptions_count=run.exceptions_count,
        created_from=run.created_from,
    )


class SqlRuns:
    _session: async_sessionmaker[AsyncSession]

    async def create_run(self, run: RunRecord) -> None:
        async with self._session.begin() as session:
            session.add(run_row(run))

    async def finish_run(self, run: RunRecord) -> None:
        await self.save_run_writes((), (run,))

    async def get_run(self, app_id: str, run_id: str) -> RunRecord | None:
        run = await self.get_run_any(run_id)
        return run if run is not None and run.app_id == app_id else None

    async def get_run_any(self, run_id: str) -> RunRecord | None:
        async with self._session() as session:
            row = await session.get(m.WorkflowRun, run_id)
            return None if row is None else _run(row)

    async def get_run_by_task(self, app_id: str, task_id: str) -> RunRecord | None:
        async with self._session() as session:
            row = await session.scalar(
                select(m.WorkflowRun).where(m.WorkflowRun.task_id == task_id, m.WorkflowRun.app_id == app_id)
            )
            return None if row is None else _run(row)

    async def list_runs(self, app_id: str, query: RunQuery) -> tuple[list[RunRecord], int]:
        conditions: list[Any] = [m.WorkflowRun.app_id == app_id]
        if query.status:
            conditions.append(m.WorkflowRun.status == query.status)
        if query.user:
            conditions.append(m.WorkflowRun.created_by == query.user)
        if query.created_from:
            conditions.append(m.WorkflowRun.created_from == query.created_from)
        if query.created_after is not None:
            conditions.append(m.WorkflowRun.created_at >= dt(query.created_after))
        if query.created_before is not None:
            conditions.append(m.WorkflowRun.created_at <= dt(query.created_before))
        if query.keyword:
            pattern = f"%{query.keyword.lower()}%"
            conditions.append(
                or_(
                    func.lower(cast(m.WorkflowRun.inputs, String)).like(pattern),
                    func.lower(cast(m.WorkflowRun.outputs, String)).like(pattern),
                    m.WorkflowRun.id == query.keyword,
                )
            )
        async with self._session() as session:
            total = await session.scalar(select(func.count()).select_from(m.WorkflowRun).where(*conditions))
            rows = await session.scalars(
                select(m.WorkflowRun)
                .where(*conditions)
                .order_by(m.WorkflowRun.created_at.desc(), m.WorkflowRun.id.desc())
                .offset((query.page - 1) * query.limit)
                .limit(query.limit)
            )
            return [_run(row) for row in rows], int(total or 0)

    async def save_run_writes(
        self, executions: Sequence[NodeExecutionRecord], finished: Sequence[RunRecord] = ()
    ) -> None:
        async with self._session.begin() as session:  # a hot path: no reads, one statement per kind
            if executions:
                # One executemany upsert (events may arrive twice); the last of one id wins.
                rows = list({e.id: _execution_row(e) for e in executions}.values())
                await session.execute(_UPSERT_EXECUTION[session.bind.dialect.name], rows)
            if finished:  # one executemany UPDATE; a run that is not stored matches no row
                await session.execute(
                    _FINISH,
                    [
                        {
                            "run_id": run.id,
                            "v_finished_at": dt(run.finished_at),
                            **{f"v_{name}": getattr(run, name) for name in _RUN_FIELDS},
                        }
                        for run in finished
                    ],
                )

    async def list_node_executions(self, run_id: str) -> list[NodeExecutionRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(m.NodeExecution)
                .where(m.NodeExecution.run_id == run_id)
                .order_by(m.NodeExecution.index, m.NodeExecution.id)
            )
            return [_execution(row) for row in rows]
