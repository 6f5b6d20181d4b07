"""In-process driver: folds a run to completion, executing node tasks with a callback."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, RunEvent, RunRequested
from riverflow.engine.commands import Command, DispatchNodeTask, EmitRunEvent
from riverflow.engine.dsl.models import AppDefinition
from riverflow.engine.dsl.parser import parse_app
from riverflow.engine.machine import apply_event
from riverflow.engine.state import RunState

__all__ = ["RunOutcome", "TaskRunner", "run_in_process"]

#: Executes one node task: returns its outputs (a dict) or a full ``NodeTaskResult``; raising
#: an exception fails the attempt (its message becomes the error).
TaskRunner = Callable[[NodeTaskRequested], "dict[str, Any] | NodeTaskResult"]


@dataclass
class RunOutcome:
    """The result of ``run_in_process``."""

    status: str
    outputs: dict[str, Any]
    error: str | None
    events: list[RunEvent] = field(default_factory=list)
    answer: str | None = None
    state: RunState | None = None

    @property
    def chunks(self) -> list[str]:
        """Streamed text in order (``text_chunk`` texts or ``message`` answers)."""
        return [
            e.data.get("text", "") if e.event == "text_chunk" else e.data.get("answer", "")
            for e in self.events
            if e.event in ("text_chunk", "message")
        ]


def _no_runner(task: NodeTaskRequested) -> dict[str, Any]:
    raise RuntimeError(f"no task runner for node type {task.node_type!r}")


def _result(task: NodeTaskRequested, runner: TaskRunner, at: float) -> NodeTaskResult:
    try:
        produced = runner(task)
    except Exception as exc:  # noqa: BLE001 - any runner failure is a failed attempt
        return NodeTaskResult(
            event_id=task.idempotency_key,
            run_id=task.run_id,
            node_id=task.node_id,
            attempt=task.attempt,
            status="failed",
            error=str(exc) or type(exc).__name__,
            error_type=type(exc).__name__,
            at=at,
        )
    if isinstance(produced, NodeTaskResult):
        return produced
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="succeeded",
        outputs=dict(produced or {}),
        at=at,
    )


def run_in_process(
    app_or_text: AppDefinition | str | bytes,
    inputs: dict[str, Any] | None = None,
    *,
    system: dict[str, Any] | None = None,
    task_runner: TaskRunner | None = None,
    run_id: str | None = None,
    at: float = 0.0,
    conversation_variables: dict[str, Any] | None = None,
) -> RunOutcome:
    """Run an app to completion in this process.

    Tasks are executed one at a time in dispatch order (retry delays are not waited for). The
    clock is virtual (``at``, default 0) so that runs are reproducible.
    """
    app = app_or_text if isinstance(app_or_text, AppDefinition) else parse_app(app_or_text)
    run_id = run_id or str(uuid.uuid4())
    request = RunRequested(
        event_id=run_id,
        run_id=run_id,
        task_id=run_id,
        app_id="",
        app_mode=app.mode,
        workflow_id="",
        dsl=app.source,
        inputs=dict(inputs or {}),
        system=dict(system or {}),
        conversation_variables=conversation_variables,
        at=at,
    )
    runner = task_runner or _no_runner
    events: list[RunEvent] = []
    pending: deque[NodeTaskRequested] = deque()

    def collect(commands: list[Command]) -> None:
        for command in commands:
            if isinstance(command, EmitRunEvent):
                events.append(command.event)
            elif isinstance(command, DispatchNodeTask):
                pending.append(command.task)

    state, commands = apply_event(None, request)
    collect(commands)
    while pending and not state.finished:
        task = pending.popleft()
        state, commands = apply_event(state, _result(task, runner, at))
        collect(commands)
    return RunOutcome(
        status=state.status,
        outputs={"answer": state.answer} if state.app_mode == "advanced-chat" else dict(state.outputs),
        error=state.error,
        events=events,
        answer=state.answer if state.app_mode == "advanced-chat" else None,
        state=state,
    )
