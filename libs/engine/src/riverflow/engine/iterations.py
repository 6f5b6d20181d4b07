"""The iteration node: one frame per item, ``parallel_nums`` at a time, outputs in item order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riverflow.engine.errors import NodeError
from riverflow.engine.payloads import container_next, container_started
from riverflow.engine.scopes import container_key, pool_of, scope_of
from riverflow.engine.state import ContainerRun, NodeRun
from riverflow.engine.variable_pool import MISSING, lookup

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Iterations"]


def _flatten(values: list[Any]) -> list[Any]:
    present = [v for v in values if v is not None]
    if not present or not all(isinstance(v, list) for v in present):
        return values
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value)
    return flat


class Iterations:
    """Iteration steps for ``StepCore`` (a mixin used by ``Containers``)."""

    def _start_iteration(self: StepCore, scope: str, run: NodeRun, data: dict[str, Any]) -> None:
        selector = [str(s) for s in data.get("iterator_selector") or []]
        value = lookup(pool_of(self.state, scope), selector)
        title = self.graph_of(scope).title(run.node_id)
        if value is MISSING:
            raise NodeError(f"iterator variable {selector} not found", "IteratorVariableNotFoundError")
        if value is None:
            value = []  # null or empty: the output is [] at once
        if not isinstance(value, list):
            raise NodeError(
                f"Invalid iterator value: {value}, please provide a list.", "InvalidIteratorValueError"
            )
        parallel = max(1, int(data.get("parallel_nums") or 10)) if data.get("is_parallel") else 1
        container = ContainerRun(
            node_id=run.node_id,
            scope=scope,
            kind="iteration",
            started_at=self.at,
            inputs={"iterator_selector": value},
            items=list(value),
            parallel=parallel,
            error_handle_mode=str(data.get("error_handle_mode") or "terminated"),
            flatten=bool(data.get("flatten_output", True)),
        )
        self.state.containers[container_key(scope, run.node_id)] = container
        self._container_event(
            run,
            "started",
            container_started(
                run.node_id, "iteration", title, self.at, container.inputs, {"iteration_length": len(value)}
            ),
        )
        self._continue_iteration(container)

    def _schedule_items(self: StepCore, container: ContainerRun) -> None:
        indexes = []
        while (
            container.scheduled < len(container.items)
            and len(container.frames) + len(indexes) < container.parallel
        ):
            indexes.append(container.scheduled)
            container.scheduled += 1
        run = scope_of(self.state, container.scope).nodes[container.node_id]
        title = self.graph_of(container.scope).title(container.node_id)
        for index in indexes:
            self._container_event(
                run, "next", container_next(container.node_id, "iteration", title, self.at, index)
            )
        for index in indexes:
            self._start_frame(container, index)

    def _continue_iteration(self: StepCore, container: ContainerRun) -> None:
        if container.scheduled < len(container.items):
            self._schedule_items(container)
        elif not container.frames:
            ordered = [container.outputs[k] for k in sorted(container.outputs, key=int)]
            output = _flatten(ordered) if container.flatten else ordered
            self._finish_container(container, {"output": output}, None, {})
