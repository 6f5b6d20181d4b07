"""question-classifier and parameter-extractor: one model call each, answers read as JSON."""

from __future__ import annotations

import json
from typing import Any

from riverflow.agent.executors.base import (
    NodeFailure,
    TaskContext,
    TaskOutcome,
    extract_json,
    history_messages,
    prompt_log,
)
from riverflow.agent.ports import ChatMessage

__all__ = ["run_question_classifier", "run_parameter_extractor", "parameters_schema", "coerce_parameters"]

_CLASSIFY = (
    "You sort the user's input into exactly one of the categories below. "
    'Answer with a JSON object {{"category_id": "...", "category_name": "..."}} and nothing else.\n'
    "Categories:\n{categories}\n{instruction}"
)
_EXTRACT = (
    "Extract structured parameters from the user's input. {instruction}\n"
    "Answer with one JSON object that follows this JSON schema, and nothing else:\n{schema}"
)
_FUNCTION = "extract_parameters"


def _query_message(inputs: dict[str, Any]) -> ChatMessage:
    files = [f for f in inputs.get("files") or [] if isinstance(f, dict) and f.get("type") == "image_url"]
    text = str(inputs.get("query") or "")
    return ChatMessage("user", [{"type": "text", "text": text}, *files] if files else text)


async def run_question_classifier(ctx: TaskContext) -> TaskOutcome:
    data, inputs = ctx.task.data, ctx.task.inputs
    classes = [c for c in data.get("classes") or [] if isinstance(c, dict) and c.get("id") is not None]
    if not classes:
        raise NodeFailure("the question classifier has no classes", "QuestionClassifierNodeError")
    listing = "\n".join(
        json.dumps({"category_id": str(c["id"]), "category_name": c.get("name", "")}) for c in classes
    )
    instruction = str(inputs.get("instruction") or "")
    system = _CLASSIFY.format(
        categories=listing, instruction=f"Extra instructions: {instruction}" if instruction else ""
    )
    messages = [
        ChatMessage("system", system),
        *history_messages(inputs.get("history")),
        _query_message(inputs),
    ]
    response = await ctx.models.call(data, messages, response_format={"type": "json_object"})
    chosen = _pick_class(response.text, classes)
    usage = ctx.models.usage
    outputs = {
        "class_name": chosen.get("name", ""),
        "class_label": chosen.get("label") or chosen.get("name", ""),
        "class_id": str(chosen["id"]),
        "usage": usage,
    }
    process_data = {
        "model_mode": "chat",
        "prompts": prompt_log(messages),
        "usage": usage,
        "finish_reason": response.finish_reason,
    }
    return TaskOutcome(outputs, process_data, ctx.models.metadata(), edge_source_handle=str(chosen["id"]))


def _pick_class(text: str, classes: list[dict[str, Any]]) -> dict[str, Any]:
    """The class the model named (by id, then name); Dify's rule: no match → the first class."""
    try:
        answer = extract_json(text)
    except ValueError:
        answer = {}
    if isinstance(answer, dict):
        wanted_id = str(answer.get("category_id", "")).strip()
        wanted_name = str(answer.get("category_name", "")).strip().lower()
        for c in classes:
            if wanted_id and str(c["id"]) == wanted_id:
                return c
        for c in classes:
            if wanted_name and str(c.get("name", "")).strip().lower() == wanted_name:
                return c
    lowered = text.lower()
    for c in classes:
        if c.get("name") and str(c["name"]).lower() in lowered:
            return c
    return classes[0]


_TYPES = {"string": "string", "number": "number", "bool": "boolean", "boolean": "boolean", "select": "string"}


def parameters_schema(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON schema of a parameter-extractor's ``parameters`` (legacy ``bool``/``select`` included)."""
    properties: dict[str, Any] = {}
    for p in parameters:
        kind = str(p.get("type", "string"))
        if kind.startswith("array[") and kind.endswith("]"):
            schema: dict[str, Any] = {"type": "array", "items": {"type": _TYPES.get(kind[6:-1], kind[6:-1])}}
        else:
            schema = {"type": _TYPES.get(kind, "string")}
        if p.get("options"):
            schema["enum"] = list(p["options"])
        if p.get("description"):
            schema["description"] = str(p["description"])
        properties[str(p["name"])] = schema
    required = [str(p["name"]) for p in parameters if p.get("required")]
    return {"type": "object", "properties": properties, "required": required}


def _default(kind: str) -> Any:
    if kind == "number":
        return 0
    if kind in ("bool", "boolean"):
        return False
    if kind.startswith("array"):
        return []
    return ""


def _coerce(value: Any, kind: str) -> Any:
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("a boolean is not a number")
        if isinstance(value, (int, float)):
            return value
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if kind in ("bool", "boolean"):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false", "1", "0"):
            return str(value).lower() in ("true", "1")
        raise ValueError(f"{value!r} is not a boolean")
    if kind.startswith("array"):
        if not isinstance(value, list):
            raise ValueError("expected an array")
        item = kind[6:-1]
        return [_coerce(v, item) for v in value] if item in ("number", "boolean", "string") else value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def coerce_parameters(parameters: list[dict[str, Any]], raw: Any) -> tuple[dict[str, Any], str]:
    """Typed values per parameter (defaults when missing) and the first problem found, if any."""
    values, problem = {}, ""
    raw = raw if isinstance(raw, dict) else {}
    for p in parameters:
        name, kind = str(p["name"]), str(p.get("type", "string"))
        if raw.get(name) is None:
            values[name] = _default(kind)
            if p.get("required") and not problem:
                problem = f"missing required parameter {name!r}"
            continue
        try:
            values[name] = _coerce(raw[name], kind)
        except (TypeError, ValueError) as exc:
            values[name] = _default(kind)
            problem = problem or f"invalid value for {name!r}: {exc}"
            continue
        if p.get("options") and values[name] not in p["options"] and not problem:
            problem = f"{name!r} must be one of {p['options']}"
    return values, problem


async def run_parameter_extractor(ctx: TaskContext) -> TaskOutcome:
    data, inputs = ctx.task.data, ctx.task.inputs
    parameters = [p for p in data.get("parameters") or [] if isinstance(p, dict) and p.get("name")]
    schema = parameters_schema(parameters)
    instruction = str(inputs.get("instruction") or "")
    history = history_messages(inputs.get("history"))
    if data.get("reasoning_mode", "function_call") == "prompt":
        system = _EXTRACT.format(instruction=instruction, schema=json.dumps(schema, ensure_ascii=False))
        messages = [ChatMessage("system", system), *history, _query_message(inputs)]
        response = await ctx.models.call(data, messages, response_format={"type": "json_object"})
        try:
            raw = extract_json(response.text)
        except ValueError:
            raw = None
    else:
        system = "Extract the parameters of the user's input by calling the function. " + instruction
        messages = [ChatMessage("system", system.strip()), *history, _query_message(inputs)]
        tool = {
            "type": "function",
            "function": {"name": _FUNCTION, "description": "Extract parameters", "parameters": schema},
        }
        response = await ctx.models.call(
            data, messages, tools=[tool], tool_choice={"type": "function", "function": {"name": _FUNCTION}}
        )
        call = next((c for c in response.tool_calls if c.name == _FUNCTION), None)
        try:
            raw = json.loads(call.arguments) if call is not None else extract_json(response.text)
        except ValueError:
            raw = None
    values, problem = coerce_parameters(parameters, raw)
    if raw is None:
        problem = "the model's answer held no parameters"
    usage = ctx.models.usage
    outputs = {**values, "__is_success": 0 if problem else 1, "__reason": problem or None, "__usage": usage}
    process_data = {
        "model_mode": "chat",
        "prompts": prompt_log(messages),
        "usage": usage,
        "function": response.tool_calls[0].arguments if response.tool_calls else None,
        "text": response.text,
    }
    return TaskOutcome(outputs, process_data, ctx.models.metadata())
