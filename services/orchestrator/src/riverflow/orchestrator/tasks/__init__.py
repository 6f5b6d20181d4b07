"""Node tasks the orchestrator executes itself: the code sandbox and the HTTP request node."""

from riverflow.orchestrator.tasks.registry import (
    TaskExecutor,
    TaskOutcome,
    TaskRegistry,
    fit_result,
    result_of,
)

__all__ = ["TaskExecutor", "TaskOutcome", "TaskRegistry", "fit_result", "result_of"]
