"""The tool node: find the tool, call it with the resolved parameters, stream its text."""

from __future__ import annotations

from riverflow.agent.executors.base import NodeFailure, TaskContext, TaskOutcome
from riverflow.agent.ports import ToolError

__all__ = ["run_tool"]


async def run_tool(ctx: TaskContext) -> TaskOutcome:
    data, inputs = ctx.task.data, ctx.task.inputs
    tool_name = str(data.get("tool_name") or "")
    provider_type = str(data.get("provider_type") or "builtin")
    provider_id = str(data.get("provider_id") or data.get("provider_name") or "builtin")
    arguments = {**(inputs.get("tool_configurations") or {}), **(inputs.get("tool_parameters") or {})}
    try:
        provider, _spec = await ctx.tools.find(
            ctx.task.workspace_id, provider_type, provider_id, tool_name, data.get("provider_config")
        )
        result = await provider.invoke(tool_name, arguments)
    except ToolError as exc:
        raise NodeFailure(str(exc), "ToolInvokeError") from exc
    if result.text:
        await ctx.emit("text", result.text)
    info = {"provider_type": provider_type, "provider_id": provider_id, "tool_name": tool_name}
    return TaskOutcome(
        outputs={"text": result.text, "files": result.files, "json": result.json},
        process_data={"tool_info": info},
        metadata={"tool_info": info},
    )
