"""Node-task executors behind one small Protocol, and the registry that picks one per node type."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult

__all__ = ["TaskOutcome", "TaskExecutor", "TaskRegistry", "result_of", "fit_result"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TaskOutcome:
    """What executing a node did. A failure carries ``error`` and Dify's ``error_type``.

    A failed outcome may still carry ``outputs`` (an HTTP node's non-2xx response): the engine's
    retry and error strategies decide what happens next.
    """

    status: str = "succeeded"
    outputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None

    @classmethod
    def failed(cls, error: str, error_type: str, **extra: Any) -> TaskOutcome:
        return cls(status="failed", error=error, error_type=error_type, **extra)


class TaskExecutor(Protocol):
    """Executes one node type. Returns an outcome for everything the node's input can cause."""

    async def execute(self, task: NodeTaskRequested) -> TaskOutcome: ...


class TaskRegistry:
    """node type → executor. Unknown types and executor bugs become failed outcomes, never raise."""

    def __init__(self, executors: Mapping[str, TaskExecutor]) -> None:
        self._executors = dict(executors)

    @property
    def node_types(self) -> frozenset[str]:
        return frozenset(self._executors)

    async def execute(self, task: NodeTaskRequested) -> TaskOutcome:
        executor = self._executors.get(task.node_type)
        if executor is None:
            return TaskOutcome.failed(
                f"node type '{task.node_type}' is not supported by the orchestrator", "UnsupportedNodeError"
            )
        try:
            return await executor.execute(task)
        except Exception as exc:  # a bug must fail the node, not redeliver the task forever
            log.exception("executor for %s failed on %s", task.node_type, task.idempotency_key)
            return TaskOutcome.failed(f"internal error: {type(exc).__name__}: {exc}", "InternalError")


def result_of(
    task: NodeTaskRequested, outcome: TaskOutcome, clock: Callable[[], float] = time.time
) -> NodeTaskResult:
    """The inbox event answering ``task``; its ``event_id`` is the task's idempotency key."""
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="succeeded" if outcome.status == "succeeded" else "failed",
        outputs=outcome.outputs,
        process_data=outcome.process_data,
        metadata=outcome.metadata,
        error=outcome.error,
        error_type=outcome.error_type,
        at=clock(),
    )


def fit_result(result: NodeTaskResult, max_bytes: int) -> NodeTaskResult:
    """``result``, or a failure saying why when its JSON exceeds ``max_bytes`` (the bus would refuse it)."""
    size = len(result.model_dump_json())
    if size <= max_bytes:
        return result
    return result.model_copy(
        update={
            "status": "failed",
            "outputs": {},
            "process_data": None,
            "error": f"the node's output is too large to deliver: {size} bytes (limit {max_bytes})",
            "error_type": "OutputTooLargeError",
        }
    )
