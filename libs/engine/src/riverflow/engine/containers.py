"""Container nodes: frames (one per iteration item or loop round), and the loop node itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from riverflow.engine import streaming
from riverflow.engine.conditions import evaluate_conditions
from riverflow.engine.errors import NodeError
from riverflow.engine.iterations import Iterations
from riverflow.engine.loop_values import loop_constant
from riverflow.engine.nodes import NodeOutcome
from riverflow.engine.payloads import container_completed, container_next, container_started
from riverflow.engine.scopes import container_key, frame_id, is_within, pool_of, scope_of
from riverflow.engine.state import ContainerRun, Frame, NodeRun
from riverflow.engine.variable_pool import MISSING, lookup

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Containers"]


class Containers(Iterations):
    """Container lifecycle for ``StepCore`` (a mixin): frames, and the loop node."""

    #: What a failure being recorded dropped (frames, containers, pauses), while it is recorded.
    _failure_snapshot: tuple[dict[str, Frame], dict[str, ContainerRun], dict[str, bool]] | None = None

    # -- start ---------------------------------------------------------------------------------

    def start_container(self: StepCore, scope: str, run: NodeRun) -> None:
        data = self.graph_of(scope).node_data(run.node_id)
        try:
            if run.node_type == "iteration":
                self._start_iteration(scope, run, data)
            else:
                self._start_loop(scope, run, data)
        except NodeError as exc:
            self.node_failed(scope, run, exc.message, exc.error_type)

    def _container_event(self: StepCore, run: NodeRun, suffix: str, data: dict[str, Any]) -> None:
        self.emit(f"{run.node_type}_{suffix}", data)

    def _start_loop(self: StepCore, scope: str, run: NodeRun, data: dict[str, Any]) -> None:
        pool = pool_of(self.state, scope)
        loop_count = int(data.get("loop_count") or 0)
        variables: dict[str, Any] = {}
        for var in data.get("loop_variables") or []:
            label = str(var.get("label") or "")
            if var.get("value_type") == "variable":
                value = lookup(pool, [str(s) for s in var.get("value") or []])
                if value is MISSING or value is None:
                    raise NodeError(f"Invalid value for loop variable {label}", "LoopVariableError")
            else:
                value = loop_constant(str(var.get("var_type") or "string"), var.get("value"), label)
            variables[label] = value
        scope_of(self.state, scope).variables[run.node_id] = dict(variables)
        container = ContainerRun(
            node_id=run.node_id,
            scope=scope,
            kind="loop",
            started_at=self.at,
            inputs={"loop_count": loop_count, **variables},
            loop_count=loop_count,
        )
        self.state.containers[container_key(scope, run.node_id)] = container
        title = self.graph_of(scope).title(run.node_id)
        self._container_event(
            run,
            "started",
            container_started(
                run.node_id, "loop", title, self.at, container.inputs, {"loop_length": loop_count}
            ),
        )
        try:
            done = self._break_reached(container, data)
        except NodeError:
            done = False  # before the first round an unevaluable condition just lets the loop run
        if done or loop_count < 1:
            self._complete_loop(container, "loop_break" if done else "loop_completed")
        else:
            self._start_frame(container, 0)

    def _break_reached(self: StepCore, container: ContainerRun, data: dict[str, Any]) -> bool:
        conditions = data.get("break_conditions") or []
        if not conditions:
            return False
        ok, _ = evaluate_conditions(
            conditions, data.get("logical_operator") or "and", pool_of(self.state, container.scope)
        )
        return ok

    # -- frames --------------------------------------------------------------------------------

    def _start_frame(self: StepCore, container: ContainerRun, index: int) -> None:
        key = container_key(container.scope, container.node_id)
        fid = frame_id(key, index)
        frame = Frame(
            id=fid,
            parent=container.scope,
            container=key,
            container_node=container.node_id,
            kind=container.kind,
            index=index,
            started_at=self.at,
        )
        if container.kind == "iteration":
            frame.variables[container.node_id] = {"item": container.items[index], "index": index}
        self.state.frames[fid] = frame
        container.frames.append(fid)
        body = self.graph_of(fid)
        streaming.activate_sessions(frame, body)
        if body.root_id is not None:
            self.enqueue(fid, body.root_id, None)
        self.dirty[fid] = True

    def complete_frame(self: StepCore, fid: str) -> None:
        """All nodes of the frame finished: record its result and go on with the container."""
        state = self.state
        frame = state.frames[fid]
        container = state.containers[frame.container]
        data = self.graph_of(container.scope).node_data(container.node_id)
        if container.kind == "iteration":
            selector = [str(s) for s in data.get("output_selector") or []]
            value = lookup(pool_of(state, fid), selector)
            container.outputs[str(frame.index)] = None if value is MISSING else value
        else:
            variables = scope_of(state, container.scope).variables.get(container.node_id, {})
            container.outputs = {**variables, "loop_round": frame.index + 1}
        self._drop_frame(container, fid)
        if container.kind == "iteration":
            self._continue_iteration(container)
            return
        self.next_round(container, frame.index, reached=frame.reached_break)

    def next_round(self: StepCore, container: ContainerRun, index: int, *, reached: bool) -> None:
        """Round ``index`` of a loop is done: break, complete, or start the next round."""
        data = self.graph_of(container.scope).node_data(container.node_id)
        try:
            reached = reached or self._break_reached(container, data)
        except NodeError as exc:
            self._kept_for_resume(self._fail_container, container, exc.message)
            return
        if reached or index + 1 >= container.loop_count:
            self._complete_loop(container, "loop_break" if reached else "loop_completed")
            return
        run = scope_of(self.state, container.scope).nodes[container.node_id]
        title = self.graph_of(container.scope).title(container.node_id)
        self._container_event(
            run, "next", container_next(container.node_id, "loop", title, self.at, index + 1)
        )
        self._start_frame(container, index + 1)

    def frame_failed(self: StepCore, fid: str, error: str) -> None:
        """A body node failed without an error strategy: the item / round fails."""
        self._kept_for_resume(self._frame_failed, fid, error)

    def _kept_for_resume(self: StepCore, fail: Callable[..., None], *args: Any) -> None:
        """Run a failure that may end the run; if it does, keep what the failure dropped.

        The containers and frames the failure abandoned (with their finished items, rounds and
        nodes) stay in the state of the failed run, so a resume continues them (``Resuming``)
        instead of running them from the start. A failure that the run survives (an error
        strategy, ``continue-on-error``) drops them as before.
        """
        if self._failure_snapshot is not None or not self._may_end_run(args[0]):
            fail(*args)  # nested in a failure already being recorded, or one the run survives
            return
        state = self.state
        self._failure_snapshot = snapshot = (
            {k: f.model_copy(deep=True) for k, f in state.frames.items()},
            {k: c.model_copy(deep=True) for k, c in state.containers.items()},
            dict(state.paused),
        )
        try:
            fail(*args)
        finally:
            self._failure_snapshot = None
        if state.status == "failed":
            frames, containers, paused = snapshot
            for key, frame in frames.items():
                state.frames.setdefault(key, frame)
            for key, kept in containers.items():
                state.containers.setdefault(key, kept)
            for key in paused:
                state.paused.setdefault(key, True)

    def _may_end_run(self: StepCore, failing: ContainerRun | str) -> bool:
        """False when an error mode or strategy on the way up absorbs this failure (no snapshot:
        copying the frames for every failed item of a ``continue-on-error`` iteration is waste)."""
        state = self.state
        item_failed = isinstance(failing, str)
        container = state.containers[state.frames[failing].container] if isinstance(failing, str) else failing
        while True:
            if item_failed and container.error_handle_mode in ("continue-on-error", "remove-abnormal-output"):
                return False
            strategy = self.graph_of(container.scope).node_data(container.node_id).get("error_strategy")
            if strategy in ("fail-branch", "default-value"):
                return False
            if not container.scope:
                return True
            container, item_failed = state.containers[state.frames[container.scope].container], True

    def _frame_failed(self: StepCore, fid: str, error: str) -> None:
        frame = self.state.frames[fid]
        container = self.state.containers[frame.container]
        self._drop_frame(container, fid)
        if container.kind == "iteration" and container.error_handle_mode in (
            "continue-on-error",
            "remove-abnormal-output",
        ):
            self.state.exceptions_count += 1
            if container.error_handle_mode == "continue-on-error":
                container.outputs[str(frame.index)] = None
            self._continue_iteration(container)
            return
        self._fail_container(container, error)

    def loop_end_reached(self: StepCore, scope: str) -> None:
        while scope:
            frame = self.state.frames[scope]
            if frame.kind == "loop":
                frame.reached_break = True
                return
            scope = frame.parent

    def _drop_frame(self: StepCore, container: ContainerRun, fid: str) -> None:
        """Forget a frame and everything nested in it (tasks in flight, inner containers, pauses)."""
        state = self.state
        container.frames.remove(fid)
        container.completed += 1
        for key in [k for k, ref in state.tasks.items() if is_within(ref.scope, fid)]:
            del state.tasks[key]
        for key in [k for k in state.frames if is_within(k, fid)]:
            del state.frames[key]
        for key in [k for k, c in state.containers.items() if is_within(c.scope, fid)]:
            del state.containers[key]
        for key in [k for k in state.paused if is_within(k.split("|", 1)[0], fid)]:
            del state.paused[key]
        self.dirty.pop(fid, None)

    # -- completion ----------------------------------------------------------------------------

    def _complete_loop(self: StepCore, container: ContainerRun, reason: str) -> None:
        self._finish_container(container, dict(container.outputs), None, {"completed_reason": reason})

    def _fail_container(self: StepCore, container: ContainerRun, error: str) -> None:
        for fid in list(container.frames):
            self._drop_frame(container, fid)
        outputs = None
        if container.kind == "iteration":
            outputs = {"output": [container.outputs[k] for k in sorted(container.outputs, key=int)]}
        self._finish_container(container, outputs, error, {"completed_reason": "error"})

    def _finish_container(
        self: StepCore,
        container: ContainerRun,
        outputs: dict[str, Any] | None,
        error: str | None,
        metadata: dict[str, Any],
    ) -> None:
        state = self.state
        del state.containers[container_key(container.scope, container.node_id)]
        run = scope_of(state, container.scope).nodes[container.node_id]
        title = self.graph_of(container.scope).title(container.node_id)
        steps = len(container.items) if container.kind == "iteration" else container.completed
        self._container_event(
            run,
            "completed",
            container_completed(
                container.node_id,
                container.kind,
                title,
                started_at=container.started_at,
                at=self.at,
                inputs=container.inputs,
                outputs=outputs,
                error=error,
                steps=steps,
                metadata=metadata,
            ),
        )
        if error is not None:
            kind = "IterationNodeError" if container.kind == "iteration" else "LoopNodeError"
            self.node_failed(container.scope, run, error, kind)
            return
        outcome = NodeOutcome(outputs=outputs or {}, inputs=container.inputs)
        self.node_succeeded(container.scope, run, outcome, metadata=metadata)
