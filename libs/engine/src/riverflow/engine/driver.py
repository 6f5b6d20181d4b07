"""In-process driver: folds a run to completion, executing node tasks with a callback."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from riverflow.contracts.events.v1 import (
    HumanInputSubmitted,
    NodeTaskChunk,
    NodeTaskRequested,
    NodeTaskResult,
    RunEvent,
    RunRequested,
)
from riverflow.engine.commands import Command, DispatchNodeTask, EmitRunEvent
from riverflow.engine.dsl.models import AppDefinition
from riverflow.engine.dsl.parser import parse_app
from riverflow.engine.machine import apply_event
from riverflow.engine.state import RunState

__all__ = ["HumanAnswer", "RunOutcome", "TaskReply", "TaskRunner", "run_in_process"]


@dataclass
class TaskReply:
    """A richer task result: chunks streamed before the outputs, a failure, a (virtual) duration."""

    outputs: dict[str, Any] = field(default_factory=dict)
    #: Streamed pieces, in order: a string is a ``text`` chunk, a pair is ``(field, chunk)``.
    chunks: list[str | tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    error_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    edge_source_handle: str | None = None
    #: Seconds the task takes on the run's virtual clock.
    duration: float = 0.0


#: Executes one node task: returns its outputs (a dict; a ``stream_chunks`` list in it is streamed
#: as ``text`` chunks and joined into ``text``), a ``TaskReply`` or a full ``NodeTaskResult``.
#: Raising an exception fails the attempt (its message becomes the error).
TaskRunner = Callable[[NodeTaskRequested], "dict[str, Any] | TaskReply | NodeTaskResult"]

#: Answers a paused human-input node: ``(node_id, pause reason)`` -> ``(action_id, form inputs)``,
#: or None to leave the run paused.
HumanAnswer = Callable[[str, dict[str, Any]], "tuple[str, dict[str, Any]] | None"]


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


def _reply(task: NodeTaskRequested, runner: TaskRunner) -> TaskReply | NodeTaskResult:
    try:
        produced = runner(task)
    except Exception as exc:  # noqa: BLE001 - any runner failure is a failed attempt
        return TaskReply(error=str(exc) or type(exc).__name__, error_type=type(exc).__name__)
    if isinstance(produced, (NodeTaskResult, TaskReply)):
        return produced
    outputs = dict(produced or {})
    if isinstance(outputs.get("stream_chunks"), list):
        chunks = [str(c) for c in outputs.pop("stream_chunks")]
        outputs.setdefault("text", "".join(chunks))
        return TaskReply(outputs=outputs, chunks=list(chunks))
    return TaskReply(outputs=outputs)


def _events(task: NodeTaskRequested, reply: TaskReply, at: float) -> list[NodeTaskChunk | NodeTaskResult]:
    key = task.idempotency_key
    events: list[NodeTaskChunk | NodeTaskResult] = []
    for index, piece in enumerate(reply.chunks):
        name, text = piece if isinstance(piece, tuple) else ("text", piece)
        events.append(
            NodeTaskChunk(
                event_id=f"{key}:chunk:{index}",
                run_id=task.run_id,
                node_id=task.node_id,
                attempt=task.attempt,
                index=index,
                field=name,
                chunk=text,
                at=at,
            )
        )
    events.append(
        NodeTaskResult(
            event_id=key,
            run_id=task.run_id,
            node_id=task.node_id,
            attempt=task.attempt,
            status="failed" if reply.error is not None else "succeeded",
            outputs=reply.outputs,
            process_data=reply.process_data,
            metadata=reply.metadata,
            error=reply.error,
            error_type=reply.error_type,
            edge_source_handle=reply.edge_source_handle,
            at=at,
        )
    )
    return events


def run_in_process(
    app_or_text: AppDefinition | str | bytes,
    inputs: dict[str, Any] | None = None,
    *,
    system: dict[str, Any] | None = None,
    task_runner: TaskRunner | None = None,
    run_id: str | None = None,
    at: float = 0.0,
    conversation_variables: dict[str, Any] | None = None,
    human_answer: HumanAnswer | None = None,
    raw_inputs: bool = False,
) -> RunOutcome:
    """Run an app to completion (or to a pause nobody answers) in this process.

    Tasks are executed one at a time in dispatch order. The clock is virtual (``at``, default 0)
    and only moves by ``TaskReply.duration``, so runs are reproducible. ``raw_inputs`` hands the
    inputs to the start node as given (Dify's graph-engine tests), skipping the form rules.
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
        **({"raw_inputs": True} if raw_inputs else {}),
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
    clock = at
    while not state.finished:
        if not pending:
            if (
                state.status != "paused"
                or human_answer is None
                or not _answer(state, events, human_answer, collect, clock)
            ):
                break
            continue
        task = pending.popleft()
        produced = _reply(task, runner)
        if isinstance(produced, NodeTaskResult):
            inbox: list[Any] = [produced]
        else:
            clock = max(clock, task.not_before or clock) + max(0.0, produced.duration)
            inbox = _events(task, produced, clock)
        for event in inbox:
            state, commands = apply_event(state, event)
            collect(commands)
    return RunOutcome(
        status=state.status,
        outputs={"answer": state.answer} if state.app_mode == "advanced-chat" else dict(state.outputs),
        error=state.error,
        events=events,
        answer=state.answer if state.app_mode == "advanced-chat" else None,
        state=state,
    )


def _answer(
    state: RunState,
    events: list[RunEvent],
    human_answer: HumanAnswer,
    collect: Callable[[list[Command]], None],
    at: float,
) -> bool:
    """Submit the first paused form through ``human_answer``; False when it declines."""
    reasons = next(
        (e.data.get("reasons") or [] for e in reversed(events) if e.event == "workflow_paused"), []
    )
    for reason in reasons:
        answer = human_answer(str(reason.get("node_id")), reason)
        if answer is None:
            continue
        action_id, form = answer
        node_id = str(reason.get("node_id"))
        submitted = HumanInputSubmitted(
            event_id=f"{state.run_id}:{node_id}:form:{state.seq}",
            run_id=state.run_id,
            node_id=node_id,
            action_id=action_id,
            inputs=dict(form),
            at=at,
        )
        before = state.seq
        _, commands = apply_event(state, submitted)
        collect(commands)
        return state.seq != before
    return False
