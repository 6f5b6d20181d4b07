"""``RunBus`` in process: drives the engine's ``advance`` itself (the reference implementation)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, RunEvent, RunRequested

__all__ = ["InMemoryRunBus", "Step", "TaskExecutor"]

log = logging.getLogger("riverflow.gateway.memory_bus")

#: ``advance(state, event) -> (state, commands)``
Step = Callable[[Any, Any], tuple[Any, list[Any]]]
#: Executes a node task the engine dispatched (model, tool... calls) and returns its result.
TaskExecutor = Callable[[NodeTaskRequested], Awaitable[NodeTaskResult]]


class _RunLog:
    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self.started = False
        self.changed = asyncio.Event()

    def append(self, event: RunEvent) -> None:
        if self.events and event.seq <= self.events[-1].seq:
            return
        self.events.append(event)
        self.changed.set()
        self.changed = asyncio.Event()


def _engine_step() -> Step:
    from riverflow.engine import advance

    return advance


class InMemoryRunBus:
    """Runs each published request through ``step`` in a background task and keeps its events
    (for ``retention_seconds`` after the run ends, like the events stream's max age).

    Without ``execute_task``, node tasks (LLM, tools...) fail with a clear error, which the engine
    turns into a failed run.
    """

    def __init__(
        self,
        step: Step | None = None,
        *,
        initial_state: Any = None,
        execute_task: TaskExecutor | None = None,
        retention_seconds: float = 3600.0,
    ) -> None:
        self._step = step
        self._initial_state = initial_state
        self._execute_task = execute_task
        self._retention = retention_seconds
        self._runs: dict[str, _RunLog] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._step is None:
            self._step = _engine_step()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def publish_run(self, request: RunRequested) -> None:
        if self._step is None:
            await self.start()
        run = self._runs.setdefault(request.run_id, _RunLog())
        if run.started:  # same run id twice: one run, as with Nats-Msg-Id de-duplication
            return
        run.started = True
        task = asyncio.create_task(self._drive(request, run), name=f"run-{request.run_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def events(self, run_id: str) -> AsyncIterator[RunEvent]:
        run = self._runs.setdefault(run_id, _RunLog())
        index = 0
        while True:
            changed = run.changed
            while index < len(run.events):
                event = run.events[index]
                index += 1
                yield event
                if event.is_terminal:
                    return
            await changed.wait()

    async def _drive(self, request: RunRequested, run: _RunLog) -> None:
        assert self._step is not None
        state, inbox = self._initial_state, deque[Any]([request])
        try:
            while inbox:
                state, commands = self._step(state, inbox.popleft())
                for command in commands:
                    kind = getattr(command, "kind", None)
                    if kind == "emit":
                        run.append(command.event)
                    elif kind == "dispatch":
                        inbox.append(await self._run_task(command.task))
                await asyncio.sleep(0)
        except Exception as exc:
            log.exception("run %s: the engine raised", request.run_id)
            if not (run.events and run.events[-1].is_terminal):
                run.append(
                    RunEvent(
                        run_id=request.run_id,
                        task_id=request.task_id,
                        seq=(run.events[-1].seq if run.events else 0) + 1,
                        event="error",
                        data={"status": 500, "code": "internal_server_error", "message": str(exc)},
                        created_at=int(time.time()),
                    )
                )
        finally:
            asyncio.get_running_loop().call_later(self._retention, self._runs.pop, request.run_id, None)

    async def _run_task(self, task: NodeTaskRequested) -> NodeTaskResult:
        if self._execute_task is not None:
            return await self._execute_task(task)
        return NodeTaskResult(
            event_id=task.idempotency_key,
            run_id=task.run_id,
            node_id=task.node_id,
            attempt=task.attempt,
            status="failed",
            error=f"node type {task.node_type!r} needs a worker service; the in-memory bus has none",
            error_type="NoExecutor",
            at=time.time(),
        )
