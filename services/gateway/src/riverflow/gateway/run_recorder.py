"""Writes what runs did to the store, from the run events themselves (whoever is listening).

Fed by ``RunBus.consume_events`` (a durable JetStream consumer on NATS), so a run's outcome is
recorded even when its client went away or the gateway that started it restarted: node executions
from ``node_finished``, then on the terminal event the run, its message (answer, usage, citations,
agent thoughts) and its conversation's variables. Every write is idempotent: events may arrive twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.agent_thoughts import agent_steps, stored_thoughts
from riverflow.gateway.generation_records import MessageOutcome
from riverflow.gateway.ports import Store
from riverflow.gateway.records import NodeExecutionRecord, RunRecord
from riverflow.gateway.reply_stream import retriever_resources
from riverflow.gateway.run_writes import RunWrites
from riverflow.gateway.runs import finish_record
from riverflow.gateway.usage import add_usage, empty_usage, node_usage

__all__ = ["RunRecorder", "node_execution"]

log = logging.getLogger("riverflow.gateway.recorder")


def node_execution(run: RunRecord, data: dict[str, Any], created_at: float) -> NodeExecutionRecord:
    """A ``node_finished`` event's data as a stored node execution."""
    started = data.get("created_at")
    return NodeExecutionRecord(
        id=str(data.get("id") or f"{run.id}:{data.get('node_id')}"),
        run_id=run.id,
        app_id=run.app_id,
        node_id=str(data.get("node_id") or ""),
        node_type=str(data.get("node_type") or ""),
        title=str(data.get("title") or ""),
        index=int(data.get("index") or 0),
        status=str(data.get("status") or "succeeded"),
        created_at=float(started) if isinstance(started, int | float) else created_at,
        inputs=data.get("inputs"),
        outputs=data.get("outputs"),
        process_data=data.get("process_data"),
        error=data.get("error"),
        elapsed_time=float(data.get("elapsed_time") or 0.0),
        execution_metadata=dict(data.get("execution_metadata") or {}),
        finished_at=float(data["finished_at"]) if isinstance(data.get("finished_at"), int | float) else None,
        predecessor_node_id=data.get("predecessor_node_id"),
    )


class RunRecorder:
    """The event handler; ``wait`` lets a request read its own run's writes.

    Gateway replicas share the recorder's consumer, so the replica that writes a run's end is often
    not the one holding its request: ``announce`` tells every replica (``mark_recorded``).
    """

    def __init__(
        self,
        store: Store,
        remembered: int = 10_000,
        announce: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._announce = announce
        self._writes = RunWrites(store)
        self._done: OrderedDict[str, None] = OrderedDict()
        self._waiters: dict[str, asyncio.Event] = {}
        self._remembered = remembered
        # Runs seen in progress: a node_finished only needs the run's id and app, which never
        # change, so a run's later nodes (and its workflow_finished) skip re-reading it.
        # Forgotten at the terminal event.
        self._running: OrderedDict[str, RunRecord] = OrderedDict()
        self._loading: dict[str, asyncio.Future[RunRecord | None]] = {}

    async def handle(self, event: RunEvent) -> None:
        if event.event == "node_finished":
            run = await self._running_run(event.run_id)
            if run is not None:  # events of runs this gateway's database does not know are not ours
                await self._writes.save_node_execution(
                    node_execution(run, event.data, float(event.created_at))
                )
        elif event.is_terminal:
            await self._finish(event, self._running.pop(event.run_id, None))
            self.mark_recorded(event.run_id)
            if self._announce is not None:
                await self._announce(event.run_id)

    async def _running_run(self, run_id: str) -> RunRecord | None:
        run = self._running.get(run_id)
        if run is not None:
            return run
        # A run's node events are handled together: they share one read of the run.
        loading = self._loading.get(run_id)
        if loading is None:
            loading = self._loading[run_id] = asyncio.ensure_future(self._store.get_run_any(run_id))
            loading.add_done_callback(lambda _: self._loading.pop(run_id, None))
        run = await asyncio.shield(loading)
        if run is not None:
            self.expect(run)
        return run

    def expect(self, run: RunRecord) -> None:
        """A run in progress, as stored: its events need not read it back (the gateway that
        starts a run hands it over; other replicas read it once)."""
        self._running[run.id] = run
        while len(self._running) > self._remembered:
            self._running.popitem(last=False)

    async def wait(self, run_id: str, timeout: float) -> bool:
        """True once the run's terminal event was recorded (False after ``timeout``)."""
        if run_id in self._done:
            return True
        waiter = self._waiters.setdefault(run_id, asyncio.Event())
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            if not waiter.is_set() or run_id in self._done:
                self._waiters.pop(run_id, None)

    def reopen(self, run_id: str) -> None:
        """The run goes on (a resume): ``wait`` waits for its next terminal event again."""
        self._done.pop(run_id, None)

    def mark_recorded(self, run_id: str) -> None:
        """The run's end is in the database (written here or by another replica)."""
        self._done[run_id] = None
        while len(self._done) > self._remembered:
            self._done.popitem(last=False)
        waiter = self._waiters.pop(run_id, None)
        if waiter is not None:
            waiter.set()

    async def _finish(self, terminal: RunEvent, seen: RunRecord | None) -> None:
        # workflow_finished writes every final field whatever was stored; any other end needs the
        # stored run to tell whether it trails a recorded workflow_finished.
        run = seen if seen is not None and terminal.event == "workflow_finished" else None
        run = run or await self._store.get_run_any(terminal.run_id)
        if run is None:
            return
        if run.status != "running" and run.finished_at is not None and terminal.event != "workflow_finished":
            return  # already recorded from its workflow_finished; a trailing error adds nothing
        run = finish_record(run, terminal)
        run.exceptions_count = int(terminal.data.get("exceptions_count") or run.exceptions_count or 0)
        if run.message_id is None and "total_tokens" in terminal.data:
            # A workflow's end carries its totals; citations and thoughts belong to messages.
            await self._writes.finish_run(run)
            return
        usage, resources, thoughts = empty_usage(), [], []
        for execution in await self._store.list_node_executions(run.id):
            data = {
                "node_type": execution.node_type,
                "outputs": execution.outputs,
                "execution_metadata": execution.execution_metadata,
            }
            found = node_usage(data)
            if found is not None:
                usage = add_usage(usage, found)
            resources.extend(retriever_resources(data))
            if run.message_id is not None:
                thoughts += stored_thoughts(
                    agent_steps(data),
                    run_id=run.id,
                    message_id=run.message_id,
                    first_position=len(thoughts) + 1,
                    created_at=int(execution.finished_at or execution.created_at),
                )
        if not run.total_tokens:  # engines that do not count the nodes' usage themselves
            run.total_tokens = int(usage["total_tokens"])
        await self._writes.finish_run(run)
        if run.message_id is not None:
            await self._finish_message(run, terminal, usage, resources, thoughts)

    async def _finish_message(
        self,
        run: RunRecord,
        terminal: RunEvent,
        usage: dict[str, Any],
        resources: list[dict[str, Any]],
        thoughts: list[dict[str, Any]],
    ) -> None:
        answer = (run.outputs or {}).get("answer")
        variables = terminal.data.get("conversation_variables")
        failed = run.status == "failed"
        # A failed run leaves the conversation's variables as they were.
        kept = dict(variables) if isinstance(variables, dict) and not failed else None
        await self._store.close_generation(
            MessageOutcome(
                app_id=run.app_id,
                message_id=run.message_id or "",
                status="error" if failed else "normal",
                error=run.error if failed else None,
                answer=answer if isinstance(answer, str) else None,
                usage=usage,
                retriever_resources=resources,
                agent_thoughts=thoughts,
                conversation_id=run.conversation_id,
                conversation_variables=kept,
                at=time.time(),
            )
        )
