"""Graph traversal within a scope: start a node, record its outcome, decide edges, skip branches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riverflow.engine import streaming
from riverflow.engine.dsl.node_types import CONTAINER_NODE_TYPES, CONTAINER_START_TYPES, dispatch_service
from riverflow.engine.errors import NodeError
from riverflow.engine.nodes import INLINE_EXECUTORS, ExecContext, NodeOutcome
from riverflow.engine.payloads import node_finished, node_started, stable_id
from riverflow.engine.scopes import owner_dict, pool_of, scope_of
from riverflow.engine.state import NodeRun
from riverflow.engine.strategies import default_outputs

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Traversal"]


class Traversal:
    """Node lifecycle for ``StepCore`` (a mixin: it uses the step's state, graph and emit)."""

    def start_node(self: StepCore, scope: str, node_id: str, predecessor: str | None) -> None:
        state = self.state
        graph = self.graph_of(scope)
        target = scope_of(state, scope)
        node_type = graph.nodes[node_id].node_type
        if node_type in CONTAINER_START_TYPES:
            # A container's start node is a silent pass-through (Dify reports no events for it).
            target.nodes[node_id] = NodeRun(
                node_id=node_id,
                node_type=node_type,
                status="succeeded",
                execution_id="",
                index=0,
                started_at=self.at,
            )
            self.take_edges(scope, node_id, "source")
            return
        state.steps += 1
        first = self.restarts.pop((scope, node_id), 1)
        run = NodeRun(
            node_id=node_id,
            node_type=node_type,
            attempt=first,
            first_attempt=first,
            execution_id=stable_id(state.run_id, node_id, first)
            if not scope
            else stable_id(state.run_id, scope, node_id, first),
            index=state.steps,
            predecessor_node_id=predecessor,
            started_at=self.at,
        )
        target.nodes[node_id] = run
        self.emit("node_started", node_started(run, graph.title(node_id), **self.tags(scope)))
        executor = INLINE_EXECUTORS.get(node_type)
        if executor is not None:
            ctx = ExecContext(
                node_id,
                graph.node_data(node_id),
                pool_of(state, scope),
                state.inputs,
                state.variables["sys"],
                graph.var_types,
            )
            try:
                outcome = executor(ctx)
            except NodeError as exc:
                self.node_failed(scope, run, exc.message, exc.error_type)
                return
            except (TypeError, ValueError, ArithmeticError, KeyError, IndexError) as exc:
                # Unexpected value shapes fail the node (deterministically), never the whole step.
                self.node_failed(scope, run, str(exc) or type(exc).__name__, type(exc).__name__)
                return
            self.node_succeeded(scope, run, outcome)
        elif node_type in CONTAINER_NODE_TYPES:
            self.start_container(scope, run)
        elif node_type == "human-input":
            self.pause_node(scope, run)
        elif dispatch_service(node_type) is not None:
            self.dispatch(scope, run)
        else:
            self.node_failed(scope, run, f"node type {node_type!r} is not supported", "UnsupportedNodeError")

    def apply_updates(self: StepCore, scope: str, outcome: NodeOutcome) -> None:
        """Write an assigner's updates where the variables live (conversation: the top level)."""
        for selector, value in outcome.updates:
            owner = owner_dict(self.state, scope, selector[0])
            if owner is None:
                owner = self.state.variables.setdefault(selector[0], {})
            owner[selector[1]] = value

    def node_succeeded(
        self: StepCore,
        scope: str,
        run: NodeRun,
        outcome: NodeOutcome,
        *,
        status: str = "succeeded",
        error: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        state = self.state
        target = scope_of(state, scope)
        if run.node_type == "loop":
            # Loop variables already live under the loop's id; its outputs add loop_round.
            target.variables[run.node_id] = {**target.variables.get(run.node_id, {}), **outcome.outputs}
        else:
            target.variables[run.node_id] = outcome.outputs
        if outcome.updates:
            self.apply_updates(scope, outcome)
        run.status = status  # type: ignore[assignment]
        run.error = error
        if run.node_type == "end" and not scope:
            state.outputs.update(outcome.outputs)
        elif run.node_type == "answer":
            state.answers.append(str(outcome.outputs.get("answer", "")))
        elif run.node_type == "loop-end":
            self.loop_end_reached(scope)
        # Chunks that this node (or the edges it takes) makes available precede its finished event.
        self.mark_edges(scope, run.node_id, outcome.handle)
        if scope:
            metadata = {**(metadata or {}), **self.frame_info(scope)[2]}
        self.emit(
            "node_finished",
            node_finished(
                run,
                self.graph_of(scope).title(run.node_id),
                at=self.at,
                status=status,
                outputs=outcome.outputs,
                inputs=outcome.inputs,
                process_data=outcome.process_data,
                error=error,
                metadata=metadata,
                **self.tags(scope),
            ),
        )
        self.follow_edges(scope, run.node_id)

    def mark_edges(self: StepCore, scope: str, node_id: str, handle: str) -> None:
        target = scope_of(self.state, scope)
        graph = self.graph_of(scope)
        for edge in graph.out_edges[node_id]:
            target.edges[edge.id] = "taken" if edge.source_handle == handle else "skipped"
        streaming.activate_sessions(target, graph)
        self.flush(scope)

    def follow_edges(self: StepCore, scope: str, node_id: str) -> None:
        graph = self.graph_of(scope)
        target = scope_of(self.state, scope)
        skipped = len(target.skipped)
        for edge in graph.out_edges[node_id]:
            self.check_ready(scope, edge.target, node_id)
        if len(target.skipped) != skipped:
            # Skipped branches may unblock a session (or drop one): stream what that allows.
            streaming.activate_sessions(target, graph)
            self.flush(scope)
        if scope:
            self.dirty[scope] = True

    def take_edges(self: StepCore, scope: str, node_id: str, handle: str) -> None:
        self.mark_edges(scope, node_id, handle)
        self.follow_edges(scope, node_id)

    def node_failed(
        self: StepCore,
        scope: str,
        run: NodeRun,
        error: str,
        error_type: str,
        process_data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        graph = self.graph_of(scope)
        data = graph.node_data(run.node_id)
        strategy = data.get("error_strategy")
        if strategy in ("fail-branch", "default-value"):
            self.state.exceptions_count += 1
            outputs = default_outputs(data) if strategy == "default-value" else {}
            outputs.update({"error_message": error, "error_type": error_type})
            handle = "fail-branch" if strategy == "fail-branch" else "source"
            outcome = NodeOutcome(outputs=outputs, process_data=process_data, handle=handle)
            self.node_succeeded(scope, run, outcome, status="exception", error=error, metadata=metadata)
            return
        run.status = "failed"
        run.error = error
        if scope:
            metadata = {**(metadata or {}), **self.frame_info(scope)[2]}
        self.emit(
            "node_finished",
            node_finished(
                run,
                graph.title(run.node_id),
                at=self.at,
                status="failed",
                outputs=None,
                process_data=process_data,
                error=error,
                metadata=metadata,
                **self.tags(scope),
            ),
        )
        if scope:
            self.frame_failed(scope, error)
        else:
            self.finish("failed", error)

    def check_ready(self: StepCore, scope: str, node_id: str, predecessor: str) -> None:
        target = scope_of(self.state, scope)
        if node_id in target.nodes or (scope, node_id) in self.queued or node_id in target.skipped:
            return
        edges = target.edges
        decided = [edges.get(e.id) for e in self.graph_of(scope).in_edges[node_id]]
        if None in decided:
            return
        if "taken" in decided:
            self.enqueue(scope, node_id, predecessor)
        else:
            self.skip(scope, node_id)

    def skip(self: StepCore, scope: str, node_id: str) -> None:
        """Mark a node skipped and propagate along its out-edges (no events, as in Dify)."""
        target = scope_of(self.state, scope)
        graph = self.graph_of(scope)
        target.skipped[node_id] = True
        streaming.drop_session(target, node_id)
        for edge in graph.out_edges[node_id]:
            target.edges[edge.id] = "skipped"
        for edge in graph.out_edges[node_id]:
            self.check_ready(scope, edge.target, node_id)
