"""One node task, start to finish: idempotency, the executor, chunks and the final result.

A finished task's result is stored under its idempotency key before it is published, so a
redelivered task (the process died before its ack) republishes the same result without calling
any model again. Publishing errors propagate: the task is then redelivered rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riverflow.agent.executors import EXECUTORS, Executor, NodeFailure, TaskContext
from riverflow.agent.model_calls import ModelCaller
from riverflow.agent.model_routing import ModelRouter
from riverflow.agent.ports import EventPublisher, ModelError, ResultStore, ToolError
from riverflow.agent.resilience import ResilientModelClient
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskRequested, NodeTaskResult, RunEvent

__all__ = ["TaskRunner", "PublishError", "result_key"]

log = logging.getLogger("riverflow.agent.tasks")


class PublishError(Exception):
    """The bus did not take a chunk: the task must be redelivered, not failed."""


def result_key(task: NodeTaskRequested) -> str:
    return f"task:{task.idempotency_key}"


@dataclass
class TaskRunner:
    router: ModelRouter
    client: ResilientModelClient
    results: ResultStore
    tools: ToolRegistry
    publisher: EventPublisher
    executors: dict[str, Executor] | None = None
    clock: Callable[[], float] = time.time

    async def run(self, task: NodeTaskRequested) -> NodeTaskResult:
        stored = await self.results.get(result_key(task))
        if stored is not None:
            result = NodeTaskResult.model_validate(stored)
            log.info("task %s already done: republishing its stored result", task.idempotency_key)
            await self.publisher.publish(result)
            return result
        if task.not_before is not None and task.not_before > self.clock():
            # The engine's retry backoff: hold the task until it is due.
            await asyncio.sleep(task.not_before - self.clock())
        caller = ModelCaller(
            self.router,
            self.client,
            self.results,
            task_key=task.idempotency_key,
            workspace_id=task.workspace_id,
            app_id=task.app_id,
        )
        counts: dict[str, int] = {}  # chunks published per field; the result promises them
        relays = task.relay or {}
        streamed = {field: "" for field in relays}  # what relayed chunks carried, per field

        async def publish_chunk(field: str, text: str, data: dict[str, Any] | None = None) -> None:
            index = counts.get(field, 0)
            relay = relays.get(field)
            if relay is not None:
                counts[field] = index + 1
                streamed[field] += text
                event = RunEvent(
                    run_id=task.run_id,
                    task_id=relay.task_id,
                    seq=relay.seq,
                    event=relay.event,
                    data={**relay.data, relay.text_key: text},
                    created_at=int(self.clock()),
                )
                try:
                    await self.publisher.relay(event, f"{task.idempotency_key}:relay:{field}:{index}")
                except Exception as exc:
                    raise PublishError(str(exc)) from exc
                return
            suffix = f"{index}" if field == "text" else f"{field}:{index}"
            chunk = NodeTaskChunk(
                event_id=f"{task.idempotency_key}:chunk:{suffix}",
                run_id=task.run_id,
                node_id=task.node_id,
                attempt=task.attempt,
                index=index,
                field=field,
                chunk=text,
                at=self.clock(),
                data=data,
            )
            counts[field] = index + 1
            try:
                await self.publisher.publish(chunk)  # awaited: the bus paces the model (back-pressure)
            except Exception as exc:
                raise PublishError(str(exc)) from exc

        async def emit(field: str, text: str) -> None:
            if text:
                await publish_chunk(field, text)

        async def emit_thought(thought: dict[str, Any]) -> None:
            await publish_chunk("agent_thought", "", thought)

        context = TaskContext(
            task=task, models=caller, tools=self.tools, emit=emit, emit_thought=emit_thought
        )
        executor = (self.executors or EXECUTORS).get(task.node_type)
        base: dict[str, Any] = {
            "event_id": task.idempotency_key,
            "run_id": task.run_id,
            "node_id": task.node_id,
            "attempt": task.attempt,
        }
        if executor is None:
            result = NodeTaskResult(
                **base,
                status="failed",
                error=f"the agent service does not run {task.node_type!r} nodes",
                error_type="UnsupportedNodeError",
                at=self.clock(),
            )
        else:
            result = await self._execute(executor, context, base)
        if counts:
            result = result.model_copy(update={"chunk_counts": dict(counts)})
        if streamed:
            result = result.model_copy(update={"streamed": streamed})
        await self.results.put(result_key(task), result.model_dump(mode="json"))
        await self.publisher.publish(result)
        return result

    async def _execute(
        self, executor: Executor, context: TaskContext, base: dict[str, Any]
    ) -> NodeTaskResult:
        failure: tuple[str, str] | None = None
        try:
            outcome = await executor(context)
        except PublishError:
            raise
        except ModelError as exc:
            failure = (str(exc), exc.error_type)
        except NodeFailure as exc:
            failure = (str(exc), exc.error_type)
        except ToolError as exc:
            failure = (str(exc), "ToolInvokeError")
        except Exception as exc:  # noqa: BLE001 - a bug fails this node, it must not loop redelivery
            log.exception("node task %s crashed", base["event_id"])
            failure = (f"{type(exc).__name__}: {exc}", "InternalError")
        if failure is not None:
            return NodeTaskResult(
                **base,
                status="failed",
                error=failure[0],
                error_type=failure[1],
                metadata=context.models.metadata() if context.models.usages else {},
                at=self.clock(),
            )
        metadata = dict(outcome.metadata)
        if outcome.edge_source_handle is not None:
            metadata["edge_source_handle"] = outcome.edge_source_handle
        return NodeTaskResult(
            **base,
            status="succeeded",
            outputs=outcome.outputs,
            process_data=outcome.process_data,
            metadata=metadata,
            edge_source_handle=outcome.edge_source_handle,
            at=self.clock(),
        )
