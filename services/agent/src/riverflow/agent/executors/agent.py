"""The agent node (and agent-chat apps): function-calling and ReAct strategies over bound tools.

Inputs (resolved by the engine): ``agent_parameters`` with ``model``, ``tools`` (Dify tool-selector
objects), ``instruction``, ``query``, ``maximum_iterations``; and ``history``. Each step is logged as
an ``agent_thought``-shaped dict in ``metadata.agent_log`` (Dify's field names, strings never null).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from riverflow.agent.executors.base import (
    NodeFailure,
    TaskContext,
    TaskOutcome,
    extract_json,
    history_messages,
)
from riverflow.agent.ports import ChatMessage, ModelResponse, ToolError, ToolProvider, ToolSpec

__all__ = ["run_agent", "BoundTool", "bind_tools", "parse_react"]

_REACT = """Answer the human as helpfully and accurately as you can. {instruction}
You can use these tools:
{tools}
To use a tool, reply with a JSON block: an "action" key (one of {names}) and an "action_input" key.
Follow this format:
Thought: what to do next
Action:
```
{{"action": "<tool name>", "action_input": {{}}}}
```
You will then get "Observation: <the tool's result>". Repeat Thought/Action/Observation as needed.
When you know the answer, reply:
Thought: I know the answer
Action:
```
{{"action": "Final Answer", "action_input": "<your answer>"}}
```"""


@dataclass
class BoundTool:
    provider: ToolProvider
    spec: ToolSpec  # what the model sees (fixed parameters removed)
    tool_name: str
    fixed: dict[str, Any]
    label: str


async def bind_tools(ctx: TaskContext, entries: list[Any]) -> dict[str, BoundTool]:
    bound: dict[str, BoundTool] = {}
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("enabled") is False:
            continue
        tool_name = str(entry.get("tool_name") or "")
        provider_type = str(entry.get("type") or entry.get("provider_type") or "builtin")
        provider_id = str(entry.get("provider_name") or entry.get("provider_id") or "builtin")
        try:
            provider, spec = await ctx.tools.find(
                ctx.task.workspace_id, provider_type, provider_id, tool_name, entry.get("provider_config")
            )
        except ToolError as exc:
            raise NodeFailure(str(exc), "AgentNodeError") from exc
        fixed = {}
        for name, setting in (entry.get("parameters") or {}).items():
            if isinstance(setting, dict):  # agent node: {auto: 0|1, value}; auto ones are the model's
                if not setting.get("auto", 1) and setting.get("value") is not None:
                    fixed[name] = setting["value"]
            elif setting not in (None, ""):  # agent-chat apps: form values set by the app's author
                fixed[name] = setting
        fixed.update(
            {
                k: (v.get("value") if isinstance(v, dict) else v)
                for k, v in (entry.get("settings") or {}).items()
            }
        )
        schema = json.loads(json.dumps(spec.parameters))
        for name in fixed:
            schema.get("properties", {}).pop(name, None)
            if name in schema.get("required", []):
                schema["required"].remove(name)
        exposed = spec.name if spec.name not in bound else f"{spec.name}_{len(bound)}"
        description = str((entry.get("extra") or {}).get("description") or spec.description)
        bound[exposed] = BoundTool(
            provider,
            ToolSpec(exposed, description, schema, spec.provider),
            tool_name,
            fixed,
            str(entry.get("tool_label") or tool_name),
        )
    return bound


async def _invoke(tool: BoundTool | None, name: str, arguments: Any) -> str:
    if tool is None:
        return f"error: there is no tool named {name!r}"
    args = arguments if isinstance(arguments, dict) else {}
    try:
        result = await tool.provider.invoke(tool.tool_name, {**args, **tool.fixed})
    except ToolError as exc:
        return f"error: {exc}"
    return result.text


def _thought(ctx: TaskContext, position: int, thought: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.task.idempotency_key}:thought:{position}")),
        "position": position,
        "thought": thought,
        "tool": "",
        "tool_labels": {},
        "tool_input": "",
        "observation": "",
        "files": [],
        "message_files": [],
        "created_at": int(time.time()),
    }


def parse_react(text: str) -> tuple[str | None, Any]:
    """``(action, input)`` from a ReAct answer; ``(None, answer)`` for a final answer."""
    try:
        blob = extract_json(text)
    except ValueError:
        blob = None
    if isinstance(blob, dict) and "action" in blob:
        action = str(blob["action"])
        if action.lower().replace("_", " ") == "final answer":
            value = blob.get("action_input", "")
            return None, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return action, blob.get("action_input", {})
    marker = text.rfind("Final Answer:")
    return None, (text[marker + len("Final Answer:") :] if marker >= 0 else text).strip()


async def _function_calling(ctx, data, model, tools, messages, limit) -> tuple[str, list[dict[str, Any]]]:  # noqa: ANN001
    thoughts: list[dict[str, Any]] = []
    functions = [t.spec.as_function() for t in tools.values()]
    for step in range(1, limit + 1):
        last = step == limit  # the last round has no tools: the model must answer
        response: ModelResponse = await ctx.models.call(
            data, messages, model=model, tools=[] if last else functions, on_delta=_text_only(ctx)
        )
        thought = _thought(ctx, step, response.text)
        thoughts.append(thought)
        if not response.tool_calls or last:
            await _stream(ctx, thought)
            return response.text, thoughts
        messages.append(ChatMessage("assistant", response.text, tool_calls=tuple(response.tool_calls)))
        inputs = {}
        for call in response.tool_calls:
            try:
                inputs[call.name] = json.loads(call.arguments or "{}")
            except json.JSONDecodeError:
                inputs[call.name] = {}
        _log_calls(thought, tools, inputs)
        await _stream(ctx, thought)  # the decision is visible while its tools run
        observations = {}
        for call in response.tool_calls:
            observation = await _invoke(tools.get(call.name), call.name, inputs[call.name])
            observations[call.name] = observation
            messages.append(ChatMessage("tool", observation, tool_call_id=call.id, name=call.name))
        thought["observation"] = json.dumps(observations, ensure_ascii=False)
        await _stream(ctx, thought)
    return "", thoughts


async def _react(ctx, data, model, tools, messages, limit) -> tuple[str, list[dict[str, Any]]]:  # noqa: ANN001
    listing = "\n".join(
        json.dumps(
            {"name": t.spec.name, "description": t.spec.description, "parameters": t.spec.parameters},
            ensure_ascii=False,
        )
        for t in tools.values()
    )
    system = _REACT.format(
        instruction=messages[0].content, tools=listing or "(none)", names=list(tools) or "[]"
    )
    messages = [ChatMessage("system", system), *messages[1:]]
    thoughts: list[dict[str, Any]] = []
    for step in range(1, limit + 1):
        response = await ctx.models.call(data, messages, model=model)
        action, value = parse_react(response.text)
        thought = _thought(ctx, step, response.text)
        thoughts.append(thought)
        if action is None or step == limit:
            answer = value if action is None else response.text
            await _stream(ctx, thought)
            await ctx.emit("text", answer)
            return answer, thoughts
        _log_calls(thought, tools, {action: value})
        await _stream(ctx, thought)
        observation = await _invoke(tools.get(action), action, value)
        thought["observation"] = json.dumps({action: observation}, ensure_ascii=False)
        await _stream(ctx, thought)
        messages += [
            ChatMessage("assistant", response.text),
            ChatMessage("user", f"Observation: {observation}"),
        ]
    return "", thoughts


def _text_only(ctx: TaskContext):  # noqa: ANN202
    async def sink(field: str, text: str) -> None:
        if field == "text":
            await ctx.emit("text", text)

    return sink


def _log_calls(thought: dict[str, Any], tools: dict[str, BoundTool], inputs: dict) -> None:
    thought["tool"] = ";".join(inputs)
    thought["tool_labels"] = {n: {"en_US": tools[n].label if n in tools else n} for n in inputs}
    thought["tool_input"] = json.dumps(inputs, ensure_ascii=False)


async def _stream(ctx: TaskContext, thought: dict[str, Any]) -> None:
    """Send the step as it stands now; a later send of the same id updates it (Dify does the same)."""
    if ctx.emit_thought is not None:
        await ctx.emit_thought(dict(thought))


def _value(parameter: Any) -> Any:
    return parameter.get("value") if isinstance(parameter, dict) and "value" in parameter else parameter


async def run_agent(ctx: TaskContext) -> TaskOutcome:
    data, inputs = ctx.task.data, ctx.task.inputs
    params = {k: _value(v) for k, v in (inputs.get("agent_parameters") or {}).items()}
    model = params.get("model") or data.get("model")
    if not isinstance(model, dict):
        raise NodeFailure("the agent has no model", "AgentNodeError")
    model = {**model, "name": model.get("name") or model.get("model")}
    tools = await bind_tools(ctx, params.get("tools") or [])
    limit = max(1, min(int(params.get("maximum_iterations") or 3), 99))
    instruction = str(params.get("instruction") or "")
    query = str(params.get("query") or inputs.get("query") or "")
    messages = [
        ChatMessage("system", instruction),
        *history_messages(inputs.get("history")),
        ChatMessage("user", query),
    ]
    strategy = str(data.get("agent_strategy_name") or params.get("strategy") or "function_calling").lower()
    if strategy in ("react", "cot", "chain_of_thought"):
        answer, thoughts = await _react(ctx, data, model, tools, messages, limit)
    else:
        if not instruction:
            messages = messages[1:]
        answer, thoughts = await _function_calling(ctx, data, model, tools, messages, limit)
    usage = ctx.models.usage
    metadata = {**ctx.models.metadata(), "agent_log": thoughts, "agent_strategy": strategy}
    return TaskOutcome(
        outputs={"text": answer, "files": [], "json": [], "usage": usage},
        process_data={"agent_strategy": strategy, "iterations": len(thoughts)},
        metadata=metadata,
    )
