"""The run state machine: ``advance(state, event) -> (state, commands)``, pure and deterministic."""

from __future__ import annotations

from typing import Any

from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import (
    HumanInputSubmitted,
    NodeTaskChunk,
    NodeTaskRequested,
    NodeTaskResult,
    RunRequested,
    RunResumeRequested,
    RunStopRequested,
)
from riverflow.engine import streaming
from riverflow.engine.bootstrap import initial_state
from riverflow.engine.commands import Command, DispatchNodeTask
from riverflow.engine.dsl.node_types import dispatch_service
from riverflow.engine.dsl.parser import parse_app
from riverflow.engine.errors import DslError, InputError
from riverflow.engine.graph import runtime_graph
from riverflow.engine.inputs import validate_inputs
from riverflow.engine.nodes import NodeOutcome
from riverflow.engine.payloads import node_finished, opening_event, stable_id, workflow_started
from riverflow.engine.resuming import resumable
from riverflow.engine.scopes import pool_of, scope_of
from riverflow.engine.single_node import start_single_node
from riverflow.engine.state import NodeRun, RunState, TaskRef
from riverflow.engine.step import StepCore
from riverflow.engine.strategies import retry_policy
from riverflow.engine.task_inputs import task_inputs

__all__ = ["InboxEvent", "advance", "apply_event"]

InboxEvent = (
    RunRequested
    | NodeTaskResult
    | NodeTaskChunk
    | RunStopRequested
    | HumanInputSubmitted
    | RunResumeRequested
)


def advance(state: RunState | None, event: InboxEvent) -> tuple[RunState, list[Command]]:
    """Apply one inbox event. Never mutates ``state``; same inputs always give the same result.

    Re-applying an already applied ``event_id`` returns the state unchanged with no commands.
    """
    if state is not None:
        if event.event_id in state.applied_event_ids:
            return state, []
        # A chunk may release a parked result, which changes more than one stream: copy it all then.
        light = isinstance(event, NodeTaskChunk) and not state.parked
        state = _chunk_copy(state, event) if light else state.model_copy(deep=True)
    return apply_event(state, event)


def _chunk_copy(state: RunState, chunk: NodeTaskChunk) -> RunState:
    """A copy for applying a chunk: only the sequence number and one scope's stream can change.

    Streaming tokens one event at a time must not deep-copy the whole run for every token.
    """
    copied = state.model_copy()
    ref = state.tasks.get(chunk.event_id.rsplit(":chunk:", 1)[0])
    scope = ref.scope if ref is not None else ""
    if scope and scope in state.frames:
        frames = dict(state.frames)
        frames[scope] = frames[scope].model_copy(
            update={"stream": frames[scope].stream.model_copy(deep=True)}
        )
        copied.frames = frames
    else:
        copied.stream = state.stream.model_copy(deep=True)
    return copied


def apply_event(state: RunState | None, event: InboxEvent) -> tuple[RunState, list[Command]]:
    """Like ``advance`` but mutates ``state`` in place (for drivers that own their state)."""
    if state is None:
        if not isinstance(event, RunRequested):
            raise ValueError("the first event of a run must be RunRequested")
        return _Step.start(event)
    if event.event_id in state.applied_event_ids:
        return state, []
    if isinstance(event, NodeTaskChunk):
        # Chunks are de-duplicated by their index; remembering every chunk id would grow the state.
        if state.finished:
            return state, []
        step = _Step(state, runtime_graph(parse_app(state.dsl)), event.now)
        step.on_chunk(event)
        return state, step.commands_with_relays()
    state.applied_event_ids[event.event_id] = True
    if isinstance(event, RunResumeRequested):
        # Only a failed run can be resumed; for any other run the request changes nothing.
        if not resumable(state):
            return state, []
        step = _Step(state, runtime_graph(parse_app(state.dsl)), event.now)
        step.resume()
        return state, step.commands_with_relays()
    if state.finished or isinstance(event, RunRequested):
        return state, []
    step = _Step(state, runtime_graph(parse_app(state.dsl)), event.now)
    if isinstance(event, RunStopRequested):
        step.finish("stopped", None)
    elif isinstance(event, HumanInputSubmitted):
        step.on_human_input(event)
    else:
        step.on_result(event)
    return state, step.commands_with_relays()


class _Step(StepCore):
    """One ``advance`` call: mutates its state and collects commands."""

    @classmethod
    def start(cls, event: RunRequested) -> tuple[RunState, list[Command]]:
        if event.single_node is not None:  # the console's single-step run: one node, seeded pool
            return start_single_node(cls, event)
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
                # ``raw_inputs`` (set only by test drivers): the inputs go to the start node as
                # given, as in Dify's graph-engine tests, without the app layer's form rules.
                raw = bool((event.model_extra or {}).get("raw_inputs"))
                state.inputs = dict(event.inputs) if raw else validate_inputs(app, event.inputs)
            except InputError as exc:
                problem = exc.message
        if problem is not None:
            state.inputs = dict(event.inputs)
            step.emit("workflow_started", workflow_started(state))
            step.finish("failed", problem)
            return state, step.commands_with_relays()
        graph = step.graph
        assert graph is not None and graph.root_id is not None
        step.emit_event(opening_event(event, state.inputs))
        for other in graph.other_roots:
            step.skip("", other)
        streaming.activate_sessions(state, graph)
        step.enqueue("", graph.root_id, None)
        step.pump()
        return state, step.commands_with_relays()

    # -- dispatched nodes ----------------------------------------------------------------------

    def dispatch(self, scope: str, run: NodeRun, not_before: float | None = None) -> None:
        """Ask the node's service to execute it; its ``NodeTaskResult`` continues the run."""
        assert self.graph is not None
        key = self.task_key(scope, run)
        task = NodeTaskRequested(
            run_id=self.state.run_id,
            node_id=run.node_id,
            node_type=run.node_type,
            attempt=run.attempt,
            idempotency_key=key,
            data=self.graph.node_data_copy(run.node_id),
            inputs=task_inputs(run.node_type, self.graph.node_data(run.node_id), pool_of(self.state, scope)),
            at=self.at,
            not_before=not_before,
            app_id=self.state.app_id,
            workspace_id=str(self.state.variables.get("sys", {}).get("workspace_id") or ""),
            user=self.state.user,
        )
        self.state.tasks[key] = TaskRef(scope=scope, node_id=run.node_id, attempt=run.attempt)
        subject = subjects.node_task(dispatch_service(run.node_type) or "orchestrator", run.node_type)
        self.commands.append(DispatchNodeTask(subject=subject, task=task))

    def task_key(self, scope: str, run: NodeRun) -> str:
        """``<run_id>:<node_id>:<attempt>``; inside a frame the node id carries ``@<frame>``."""
        node = f"{run.node_id}@{scope}" if scope else run.node_id
        return f"{self.state.run_id}:{node}:{run.attempt}"

    def _task(self, key: str, node_id: str, attempt: int) -> TaskRef | None:
        ref = self.state.tasks.get(key)
        if ref is None:
            # A producer that did not echo the idempotency key: only a top-level node can match.
            ref = next(
                (r for r in self.state.tasks.values() if not r.scope and r.node_id == node_id),
                None,
            )
        if ref is None or ref.node_id != node_id or ref.attempt != attempt:
            return None
        return ref

    def on_chunk(self, chunk: NodeTaskChunk) -> None:
        """A streamed piece of a running attempt: buffer it and forward what the stream allows."""
        ref = self._task(chunk.event_id.rsplit(":chunk:", 1)[0], chunk.node_id, chunk.attempt)
        if ref is None:
            return  # stale attempt, finished node or unknown task
        graph = self.graph_of(ref.scope)
        scope = scope_of(self.state, ref.scope)
        if chunk.field == streaming.THOUGHT_FIELD:
            for thought in streaming.accept_thought(
                scope, chunk.node_id, chunk.attempt, chunk.index, chunk.data or {}
            ):
                if self.state.app_mode != "workflow":  # Dify's reply event; workflows log agent_log
                    self.emit("agent_thought", {**thought, "node_id": chunk.node_id})
        elif streaming.accept_chunk(
            scope, graph, chunk.node_id, chunk.attempt, chunk.field, chunk.index, chunk.chunk
        ):
            self.flush(ref.scope)
        key = next(k for k, r in self.state.tasks.items() if r is ref)
        parked = self.state.parked.get(key)
        if parked is not None and not streaming.chunks_missing(
            scope, graph, chunk.node_id, chunk.attempt, parked.get("chunk_counts")
        ):
            del self.state.parked[key]
            self.on_result(NodeTaskResult.model_validate(parked))

    def on_result(self, result: NodeTaskResult) -> None:
        ref = self._task(result.event_id, result.node_id, result.attempt)
        if ref is None:
            return  # stale or unknown result: nothing to do
        key = next(k for k, r in self.state.tasks.items() if r is ref)
        if ref.relayed:
            self.mark_relayed(ref, result)
        if result.chunk_counts and streaming.chunks_missing(
            scope_of(self.state, ref.scope),
            self.graph_of(ref.scope),
            result.node_id,
            result.attempt,
            result.chunk_counts,
        ):
            # It overtook some of its chunks (concurrent inbox workers): applied once they are in.
            self.state.parked[key] = result.model_dump(mode="json")
            return
        del self.state.tasks[key]
        scope_id = ref.scope
        run = scope_of(self.state, scope_id).nodes.get(result.node_id)
        if run is None or run.status != "running" or run.attempt != result.attempt:
            return
        usage = (
            result.metadata.get("total_tokens")
            or (result.metadata.get("usage") or {}).get("total_tokens")  # the agent service's results
            or (result.outputs.get("usage") or {}).get("total_tokens")
        )
        if isinstance(usage, int):
            self.state.total_tokens += usage
        if result.status == "succeeded":
            handle = str(result.edge_source_handle or result.metadata.get("edge_source_handle") or "source")
            if run.node_type == "question-classifier" and result.outputs.get("class_id") is not None:
                handle = str(result.outputs["class_id"])
            outcome = NodeOutcome(
                outputs=dict(result.outputs), process_data=result.process_data, handle=handle
            )
            self.node_succeeded(scope_id, run, outcome, metadata=result.metadata)
        elif not self._retry(scope_id, run, result):
            error = result.error or "node failed"
            self.node_failed(
                scope_id, run, error, result.error_type or "NodeError", result.process_data, result.metadata
            )
        self.pump()

    def _retry(self, scope_id: str, run: NodeRun, result: NodeTaskResult) -> bool:
        assert self.graph is not None
        retry = retry_policy(self.graph.node_data(run.node_id))
        if retry is None or run.attempt - run.first_attempt + 1 > retry[0]:
            return False
        error = result.error or "node failed"
        data: dict[str, Any] = node_finished(
            run,
            self.graph.title(run.node_id),
            at=self.at,
            status="retry",
            outputs=result.outputs,
            process_data=result.process_data,
            error=error,
            metadata=result.metadata,
        )
        data.update(self.tags(scope_id))
        data.update(
            {
                "id": stable_id(self.state.run_id, run.node_id, run.attempt, "retry")
                if not scope_id
                else stable_id(self.state.run_id, scope_id, run.node_id, run.attempt, "retry"),
                "retry_index": run.attempt,
            }
        )
        self.emit("node_retry", data)
        run.attempt += 1
        streaming.reset_buffers(scope_of(self.state, scope_id), run.node_id, run.attempt)
        self.dispatch(scope_id, run, not_before=self.at + retry[1] / 1000.0)
        return True
