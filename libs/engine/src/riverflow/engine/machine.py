"""The run state machine: ``advance(state, event) -> (state, commands)``, pure and deterministic."""

from __future__ import annotations

import copy
from collections import deque
from typing import Any

from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import (
    NodeTaskRequested,
    NodeTaskResult,
    RunEvent,
    RunRequested,
    RunStopRequested,
)
from riverflow.engine import streaming
from riverflow.engine.bootstrap import initial_state
from riverflow.engine.commands import Command, DispatchNodeTask, EmitRunEvent
from riverflow.engine.dsl.node_types import dispatch_service
from riverflow.engine.dsl.parser import parse_app
from riverflow.engine.errors import DslError, InputError, NodeError
from riverflow.engine.graph import RuntimeGraph, runtime_graph
from riverflow.engine.inputs import validate_inputs
from riverflow.engine.nodes import INLINE_EXECUTORS, ExecContext, NodeOutcome
from riverflow.engine.payloads import (
    node_finished,
    node_started,
    stable_id,
    workflow_finished,
    workflow_started,
)
from riverflow.engine.state import NodeRun, RunState
from riverflow.engine.strategies import default_outputs, retry_policy

__all__ = ["InboxEvent", "advance", "apply_event"]

InboxEvent = RunRequested | NodeTaskResult | RunStopRequested


def advance(state: RunState | None, event: InboxEvent) -> tuple[RunState, list[Command]]:
    """Apply one inbox event. Never mutates ``state``; same inputs always give the same result.

    Re-applying an already applied ``event_id`` returns the state unchanged with no commands.
    """
    if state is not None:
        if event.event_id in state.applied_event_ids:
            return state, []
        state = state.model_copy(deep=True)
    return apply_event(state, event)


def apply_event(state: RunState | None, event: InboxEvent) -> tuple[RunState, list[Command]]:
    """Like ``advance`` but mutates ``state`` in place (for drivers that own their state)."""
    if state is None:
        if not isinstance(event, RunRequested):
            raise ValueError("the first event of a run must be RunRequested")
        return _Step.start(event)
    if event.event_id in state.applied_event_ids:
        return state, []
    state.applied_event_ids[event.event_id] = True
    if state.finished or isinstance(event, RunRequested):
        return state, []
    step = _Step(state, runtime_graph(parse_app(state.dsl)), event.now)
    if isinstance(event, RunStopRequested):
        step.finish("stopped", None)
    else:
        step.on_result(event)
    return state, step.commands


class _Step:
    """One ``advance`` call: mutates its state and collects commands."""

    def __init__(self, state: RunState, graph: RuntimeGraph | None, at: float) -> None:
        self.state = state
        self.graph = graph
        self.at = at
        self.commands: list[Command] = []
        self.ready: deque[tuple[str, str | None]] = deque()
        self.queued: set[str] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls, event: RunRequested) -> tuple[RunState, list[Command]]:
        app, problem = None, None
        try:
            app = parse_app(event.dsl)
            if not app.is_runnable:
                problem = f"app mode {app.mode!r} is not a workflow app"
        except DslError as exc:
            problem = exc.message
        state = initial_state(event, app)
        state.applied_event_ids[event.event_id] = True
        step = cls(state, runtime_graph(app) if app is not None and problem is None else None, event.now)
        if app is not None and problem is None:
            try:
                state.inputs = validate_inputs(app, event.inputs)
            except InputError as exc:
                problem = exc.message
        if problem is not None:
            state.inputs = dict(event.inputs)
            step.emit("workflow_started", workflow_started(state))
            step.finish("failed", problem)
            return state, step.commands
        graph = step.graph
        assert graph is not None and graph.root_id is not None
        step.emit("workflow_started", workflow_started(state))
        for other in graph.other_roots:
            step.skip(other)
        streaming.activate_sessions(state, graph)
        step.ready.append((graph.root_id, None))
        step.queued.add(graph.root_id)
        step.pump()
        return state, step.commands

    def pump(self) -> None:
        """Run ready nodes until none is left, then finish the run if nothing is in flight."""
        while self.ready and not self.state.finished:
            node_id, predecessor = self.ready.popleft()
            self.start_node(node_id, predecessor)
        if not self.state.finished and not any(n.status == "running" for n in self.state.nodes.values()):
            self.finish("succeeded", None)

    def finish(self, status: str, error: str | None) -> None:
        state = self.state
        if status == "succeeded" and state.exceptions_count:
            status = "partial-succeeded"
        state.status = status  # type: ignore[assignment]
        state.error = error
        state.finished_at = self.at
        outputs = {"answer": state.answer} if state.app_mode == "advanced-chat" else dict(state.outputs)
        self.emit("workflow_finished", workflow_finished(state, outputs))

    # -- events ------------------------------------------------------------------------------

    def emit(self, name: str, data: dict[str, Any]) -> None:
        self.state.seq += 1
        event = RunEvent(
            run_id=self.state.run_id,
            task_id=self.state.task_id,
            seq=self.state.seq,
            event=name,
            data=data,
            created_at=int(self.at),
        )
        self.commands.append(EmitRunEvent(event=event))

    def chunk(self, text: str, selector: list[str]) -> None:
        if self.state.app_mode == "advanced-chat":
            self.emit(
                "message", {"id": self.state.message_id, "answer": text, "from_variable_selector": selector}
            )
        else:
            self.emit("text_chunk", {"text": text, "from_variable_selector": selector})

    def flush(self) -> None:
        assert self.graph is not None
        streaming.flush(self.state, self.graph, self.chunk)

    def title(self, node_id: str) -> str:
        assert self.graph is not None
        return self.graph.nodes[node_id].data.title

    # -- nodes -------------------------------------------------------------------------------

    def start_node(self, node_id: str, predecessor: str | None) -> None:
        graph, state = self.graph, self.state
        assert graph is not None
        node_type = graph.nodes[node_id].node_type
        state.steps += 1
        run = NodeRun(
            node_id=node_id,
            node_type=node_type,
            execution_id=stable_id(state.run_id, node_id, 1),
            index=state.steps,
            predecessor_node_id=predecessor,
            started_at=self.at,
        )
        state.nodes[node_id] = run
        self.emit("node_started", node_started(run, self.title(node_id)))
        executor = INLINE_EXECUTORS.get(node_type)
        if executor is not None:
            ctx = ExecContext(
                node_id, graph.node_data(node_id), state.variables, state.inputs, state.variables["sys"]
            )
            try:
                outcome = executor(ctx)
            except NodeError as exc:
                self.node_failed(run, exc.message, exc.error_type)
                return
            self.node_succeeded(run, outcome)
        elif dispatch_service(node_type) is not None:
            self.dispatch(run)
        else:
            self.node_failed(run, f"node type {node_type!r} is not supported yet", "UnsupportedNodeError")

    def dispatch(self, run: NodeRun, not_before: float | None = None) -> None:
        assert self.graph is not None
        extra = {"not_before": not_before} if not_before is not None else {}
        task = NodeTaskRequested(
            run_id=self.state.run_id,
            node_id=run.node_id,
            node_type=run.node_type,
            attempt=run.attempt,
            idempotency_key=f"{self.state.run_id}:{run.node_id}:{run.attempt}",
            data=copy.deepcopy(self.graph.node_data(run.node_id)),
            inputs={},
            at=self.at,
            app_id=self.state.app_id,
            workspace_id=str(self.state.variables.get("sys", {}).get("workspace_id") or ""),
            user=self.state.user,
            **extra,
        )
        subject = subjects.node_task(dispatch_service(run.node_type) or "orchestrator", run.node_type)
        self.commands.append(DispatchNodeTask(subject=subject, task=task))

    def on_result(self, result: NodeTaskResult) -> None:
        run = self.state.nodes.get(result.node_id)
        if run is None or run.status != "running" or run.attempt != result.attempt:
            return  # stale or unknown result: nothing to do
        usage = result.metadata.get("total_tokens") or (result.outputs.get("usage") or {}).get("total_tokens")
        if isinstance(usage, int):
            self.state.total_tokens += usage
        if result.status == "succeeded":
            handle = str(result.metadata.get("edge_source_handle") or "source")
            if run.node_type == "question-classifier" and result.outputs.get("class_id") is not None:
                handle = str(result.outputs["class_id"])
            outcome = NodeOutcome(
                outputs=dict(result.outputs), process_data=result.process_data, handle=handle
            )
            self.node_succeeded(run, outcome, metadata=result.metadata)
        else:
            error = result.error or "node failed"
            retry = retry_policy(self.graph.node_data(run.node_id) if self.graph else {})
            if retry is not None and run.attempt <= retry[0]:
                data = node_finished(
                    run,
                    self.title(run.node_id),
                    at=self.at,
                    status="retry",
                    outputs=result.outputs,
                    process_data=result.process_data,
                    error=error,
                    metadata=result.metadata,
                )
                data.update(
                    {
                        "id": stable_id(self.state.run_id, run.node_id, run.attempt, "retry"),
                        "retry_index": run.attempt,
                    }
                )
                self.emit("node_retry", data)
                run.attempt += 1
                self.dispatch(run, not_before=self.at + retry[1] / 1000.0)
                return
            self.node_failed(
                run, error, result.error_type or "NodeError", result.process_data, result.metadata
            )
        self.pump()

    def node_succeeded(
        self,
        run: NodeRun,
        outcome: NodeOutcome,
        *,
        status: str = "succeeded",
        error: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        state, graph = self.state, self.graph
        assert graph is not None
        state.variables[run.node_id] = outcome.outputs
        run.status = status  # type: ignore[assignment]
        run.error = error
        if run.node_type == "end":
            state.outputs.update(outcome.outputs)
        elif run.node_type == "answer":
            state.answers.append(str(outcome.outputs.get("answer", "")))
        self.flush()  # chunks a node makes available precede its finished event
        self.emit(
            "node_finished",
            node_finished(
                run,
                self.title(run.node_id),
                at=self.at,
                status=status,
                outputs=outcome.outputs,
                inputs=outcome.inputs,
                process_data=outcome.process_data,
                error=error,
                metadata=metadata,
            ),
        )
        for edge in graph.out_edges[run.node_id]:
            state.edges[edge.id] = "taken" if edge.source_handle == outcome.handle else "skipped"
        for edge in graph.out_edges[run.node_id]:
            self.check_ready(edge.target, run.node_id)
        streaming.activate_sessions(state, graph)
        self.flush()

    def node_failed(
        self,
        run: NodeRun,
        error: str,
        error_type: str,
        process_data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        assert self.graph is not None
        data = self.graph.node_data(run.node_id)
        strategy = data.get("error_strategy")
        if strategy in ("fail-branch", "default-value"):
            self.state.exceptions_count += 1
            outputs = default_outputs(data) if strategy == "default-value" else {}
            outputs.update({"error_message": error, "error_type": error_type})
            handle = "fail-branch" if strategy == "fail-branch" else "source"
            outcome = NodeOutcome(outputs=outputs, process_data=process_data, handle=handle)
            self.node_succeeded(run, outcome, status="exception", error=error, metadata=metadata)
            return
        run.status = "failed"
        run.error = error
        self.emit(
            "node_finished",
            node_finished(
                run,
                self.title(run.node_id),
                at=self.at,
                status="failed",
                outputs=None,
                process_data=process_data,
                error=error,
                metadata=metadata,
            ),
        )
        self.finish("failed", error)

    def check_ready(self, node_id: str, predecessor: str) -> None:
        state, graph = self.state, self.graph
        assert graph is not None
        if node_id in state.nodes or node_id in self.queued or state.skipped.get(node_id):
            return
        decided = [state.edges.get(e.id) for e in graph.in_edges[node_id]]
        if any(d is None for d in decided):
            return
        if "taken" in decided:
            self.queued.add(node_id)
            self.ready.append((node_id, predecessor))
        else:
            self.skip(node_id)

    def skip(self, node_id: str) -> None:
        """Mark a node skipped and propagate along its out-edges (no events, as in Dify)."""
        assert self.graph is not None
        self.state.skipped[node_id] = True
        streaming.drop_session(self.state, node_id)
        for edge in self.graph.out_edges[node_id]:
            self.state.edges[edge.id] = "skipped"
        for edge in self.graph.out_edges[node_id]:
            self.check_ready(edge.target, node_id)
