"""The code node: run ``main(...)`` in the sandbox, then check its outputs as Dify does."""

from __future__ import annotations

from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.orchestrator.tasks.code_outputs import CodeNodeError, OutputLimits, check_outputs
from riverflow.orchestrator.tasks.registry import TaskOutcome
from riverflow.orchestrator.tasks.sandbox.code_runner import CodeSandbox

__all__ = ["CodeNodeExecutor"]


class CodeNodeExecutor:
    """Executes ``code`` tasks: ``inputs.variables`` become ``main``'s arguments."""

    def __init__(self, sandbox: CodeSandbox, limits: OutputLimits | None = None) -> None:
        self.sandbox = sandbox
        self.limits = limits or OutputLimits()

    async def execute(self, task: NodeTaskRequested) -> TaskOutcome:
        data = task.data
        language = str(data.get("code_language") or "python3")
        variables: dict[str, Any] = dict(task.inputs.get("variables") or {})
        ran = await self.sandbox.execute(language, str(data.get("code") or ""), variables)
        metadata = {
            "sandbox": {
                "language": language,
                "elapsed_time": round(ran.elapsed, 6),
                "network_isolated": ran.isolated,
            }
        }
        if not ran.ok:
            return TaskOutcome.failed(str(ran.error), "CodeExecutionError", metadata=metadata)
        if not isinstance(ran.result, dict):
            kind = "null" if ran.result is None else type(ran.result).__name__
            return TaskOutcome.failed(
                f"Result must be a dict, got {kind}", "CodeExecutionError", metadata=metadata
            )
        schema = data.get("outputs")
        try:
            outputs = check_outputs(ran.result, schema if isinstance(schema, dict) else None, self.limits)
        except CodeNodeError as exc:
            return TaskOutcome.failed(str(exc), type(exc).__name__, metadata=metadata)
        return TaskOutcome(outputs=outputs, metadata=metadata)
