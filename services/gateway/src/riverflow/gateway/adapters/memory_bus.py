"""``RunBus`` in process: drives the engine's ``advance`` itself (the reference implementation)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from riverflow.contracts.events.v1 import (
    NodeTaskRequested,
    NodeTaskResult,
    RunEvent,
    RunRequested,
    RunResumeRequested,
    RunStopRequested,
)
from riverflow.gateway.ports import EventHandler, RecordedHandler

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
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.state: Any = None
        self.driving = False

    @property
    def ended(self) -> bool:
        return bool(self.events) and self.events[-1].is_terminal

    def append(self, event: RunEvent) -> bool:
        if self.events and event.seq <= self.events[-1].seq:
            return False
        self.events.append(event)
        self.changed.set()
        self.changed = asyncio.Event()
        return True


def _engine_step() -> Step:
    from riverflow.engine import advance

    return advance


class InMemoryRunBus:
    """Runs each published request through ``step`` in a background task and keeps its events
    (for ``retention_seconds`` after the run ends, like the events stream's max age).

    Node tasks run concurrently and their results join the run's inbox, as do stop requests.
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
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handlers: list[EventHandler] = []
        self._recorded_handlers: list[RecordedHandler] = []
        self._grant_handlers: list[Callable[[], None]] = []
        self._deliveries: asyncio.Queue[RunEvent] = asyncio.Queue()

    def _spawn(self, coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

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
        self._spawn(self._drive(request, run), f"run-{request.run_id}")

    async def publish_stop(self, stop: RunStopRequested) -> None:
        run = self._runs.get(stop.run_id)
        if run is not None and run.started and not run.ended:
            run.inbox.put_nowait(stop)

    async def publish_resume(self, resume: RunResumeRequested) -> None:
        run = self._runs.get(resume.run_id)
        if run is None or not run.started:
            return  # an unknown run: nothing to resume, as the engine would decide
        if run.driving:
            run.inbox.put_nowait(resume)  # a run still going: the engine ignores the request
        else:
            self._spawn(self._drive(resume, run), f"resume-{resume.event_id}")

    async def last_seq(self, run_id: str) -> int:
        run = self._runs.get(run_id)
        return run.events[-1].seq if run is not None and run.events else 0

    async def events(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        run = self._runs.setdefault(run_id, _RunLog())
        index = 0
        while True:
            changed = run.changed
            while index < len(run.events):
                event = run.events[index]
                index += 1
                if event.seq <= after:
                    continue
                yield event
                if event.is_terminal:
                    return
            await changed.wait()

    async def consume_events(self, handler: EventHandler) -> None:
        self._handlers.append(handler)
        if len(self._handlers) == 1:
            self._spawn(self._deliver(), "deliver-run-events")

    async def announce_recorded(self, run_id: str) -> None:
        for handler in list(self._recorded_handlers):
            handler(run_id)

    async def on_recorded(self, handler: RecordedHandler) -> None:
        self._recorded_handlers.append(handler)

    async def announce_grants_changed(self) -> None:
        for handler in list(self._grant_handlers):
            handler()

    async def on_grants_changed(self, handler: Callable[[], None]) -> None:
        self._grant_handlers.append(handler)

    async def _deliver(self) -> None:
        while True:
            event = await self._deliveries.get()
            for handler in list(self._handlers):
                for attempt in range(5):  # at least once, as a durable consumer would
                    try:
                        await handler(event)
                        break
                    except Exception:
                        log.exception("run %s: event handler failed (attempt %d)", event.run_id, attempt + 1)
                        await asyncio.sleep(0.05 * (attempt + 1))

    def _emit(self, run: _RunLog, event: RunEvent) -> None:
        if run.append(event) and self._handlers:
            self._deliveries.put_nowait(event)

    async def _drive(self, first: RunRequested | RunResumeRequested, run: _RunLog) -> None:
        """Apply ``first`` and what follows from it until the run ends (again, after a resume)."""
        assert self._step is not None
        if isinstance(first, RunRequested):
            run.state = self._initial_state
        run.driving = True
        run.inbox.put_nowait(first)
        try:
            while True:
                event = await run.inbox.get()
                if isinstance(event, RunStopRequested | NodeTaskResult | RunResumeRequested):
                    event = event.model_copy(update={"processed_at": time.time()})
                run.state, commands = self._step(run.state, event)
                for command in commands:
                    kind = getattr(command, "kind", None)
                    if kind == "emit":
                        self._emit(run, command.event)
                    elif kind == "dispatch":
                        self._spawn(self._run_task(command.task, run), f"task-{command.task.idempotency_key}")
                if run.ended:
                    break
                if not commands and isinstance(event, RunRequested | RunResumeRequested):
                    break  # a step that produced nothing will never finish
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("run %s: the engine raised", first.run_id)
            if not run.ended:
                task_id = getattr(run.state, "task_id", None) or getattr(first, "task_id", first.run_id)
                self._emit(
                    run,
                    RunEvent(
                        run_id=first.run_id,
                        task_id=task_id,
                        seq=(run.events[-1].seq if run.events else 0) + 1,
                        event="error",
                        data={"status": 500, "code": "internal_server_error", "message": str(exc)},
                        created_at=int(time.time()),
                    ),
                )
        finally:
            run.driving = False
            if isinstance(first, RunRequested):
                asyncio.get_running_loop().call_later(self._retention, self._runs.pop, first.run_id, None)

    async def _run_task(self, task: NodeTaskRequested, run: _RunLog) -> None:
        if task.not_before is not None and task.not_before > time.time():
            await asyncio.sleep(task.not_before - time.time())
        if self._execute_task is not None:
            try:
                result = await self._execute_task(task)
            except Exception as exc:  # the executor's failure is the node's failure
                result = self._failed(task, str(exc), type(exc).__name__)
        else:
            result = self._failed(
                task,
                f"node type {task.node_type!r} needs a worker service; the in-memory bus has none",
                "NoExecutor",
            )
        run.inbox.put_nowait(result)

    @staticmethod
    def _failed(task: NodeTaskRequested, error: str, error_type: str) -> NodeTaskResult:
        return NodeTaskResult(
            event_id=task.idempotency_key,
            run_id=task.run_id,
            node_id=task.node_id,
            attempt=task.attempt,
            status="failed",
            error=error,
            error_type=error_type,
            at=time.time(),
        )
