"""The code node's sandbox for tests: its limits, a sandboxed executor, tasks and refusals."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.orchestrator.tasks.code_node import CodeNodeExecutor
from riverflow.orchestrator.tasks.registry import TaskOutcome
from riverflow.orchestrator.tasks.sandbox.code_runner import CodeSandbox
from riverflow.orchestrator.tasks.sandbox.jail import Jail, JailConfig, SandboxLimits

LIMITS = SandboxLimits(timeout_seconds=4, cpu_seconds=3, memory_mb=256, max_output_bytes=1024 * 1024)


async def sandboxed_executor() -> CodeNodeExecutor:
    sandbox = CodeSandbox(Jail(JailConfig(limits=LIMITS)))
    isolation = await sandbox.jail.isolation()
    if not isolation.available:
        pytest.skip(f"no user/network namespaces on this host: {isolation.problem}")
    return CodeNodeExecutor(sandbox)


def code_task(
    language: str, code: str, variables: dict[str, Any] | None = None, outputs: Any = None
) -> NodeTaskRequested:
    run_id = uuid.uuid4().hex
    data: dict[str, Any] = {"type": "code", "code_language": language, "code": code}
    if outputs is not None:
        data["outputs"] = outputs
    return NodeTaskRequested(
        run_id=run_id,
        node_id="code",
        node_type="code",
        idempotency_key=f"{run_id}:code:1",
        data=data,
        inputs={"variables": variables or {}},
        at=time.time(),
    )


async def run_code(executor: CodeNodeExecutor, language: str, code: str, **kw: Any) -> TaskOutcome:
    return await executor.execute(code_task(language, code, **kw))


def refused(outcome: TaskOutcome, *needles: str) -> str:
    assert outcome.status == "failed", outcome.outputs
    assert outcome.error_type == "CodeExecutionError"
    assert outcome.error
    assert any(n in outcome.error for n in needles), outcome.error
    return outcome.error
