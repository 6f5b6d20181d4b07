"""Inputs of a dispatched node task: the values its executor needs, resolved from the variable pool.

Pure and deterministic like the rest of the engine: a retry or a re-fold resolves the same inputs.
Every task carries ``pool``, the slice of the variable pool its data references (plus ``sys``), so
an executor can render or look up anything with ``riverflow.engine.templates`` itself; node types
add ready-made fields (code ``variables``, the rendered HTTP request, tool ``parameters``...).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from riverflow.engine.prompt_inputs import PROMPT_INPUT_RESOLVERS
from riverflow.engine.templates import VARIABLE_PATTERN, render_template
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["task_inputs", "referenced_pool"]

Pool = Mapping[str, Mapping[str, Any]]


def task_inputs(node_type: str, data: Mapping[str, Any], pool: Pool) -> dict[str, Any]:
    """Everything the executor of ``node_type`` reads from the pool, as plain JSON-able data."""
    inputs: dict[str, Any] = {"pool": referenced_pool(data, pool)}
    build = _BUILDERS.get(node_type)
    if build is not None:
        inputs.update(build(data, pool))
    # Values are shared with the run state; the task must not alias them.
    return copy.deepcopy(inputs)


def referenced_pool(data: Mapping[str, Any], pool: Pool) -> dict[str, dict[str, Any]]:
    """``{owner: {name: value}}`` for every variable ``data`` references, and the whole ``sys``."""
    sliced: dict[str, dict[str, Any]] = {}
    system = pool.get("sys")
    if system is not None:
        sliced["sys"] = dict(system)
    for owner, name in _references(data):
        scope = pool.get(owner)
        if scope is not None and name in scope:
            sliced.setdefault(owner, {})[name] = scope[name]
    return sliced


def _references(value: Any) -> Iterator[tuple[str, str]]:
    """``(owner, name)`` of selectors (lists of 2+ strings) and ``{{#...#}}`` references in ``value``."""
    if isinstance(value, str):
        for match in VARIABLE_PATTERN.finditer(value):
            owner, name = match.group(1).split(".")[:2]
            yield owner, name
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        if len(value) >= 2 and all(isinstance(v, str) for v in value):
            yield value[0], value[1]
        for item in value:
            yield from _references(item)


def _value(pool: Pool, selector: Any) -> Any:
    """The value at ``selector`` (None when absent or not a selector)."""
    if not isinstance(selector, list) or len(selector) < 2:
        return None
    value = lookup(pool, [str(s) for s in selector])  # type: ignore[arg-type]
    return None if value is MISSING else value


def _text(template: Any, pool: Pool) -> str:
    """Dify's plain-text rendering (dify-dsl.md §2.2), as for HTTP fields and tool ``mixed`` inputs."""
    return render_template(str(template or ""), pool)  # type: ignore[arg-type]


def _code(data: Mapping[str, Any], pool: Pool) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for item in data.get("variables") or []:
        if isinstance(item, Mapping) and item.get("variable"):
            variables[str(item["variable"])] = _value(pool, item.get("value_selector"))
    return {"variables": variables}


def _http_request(data: Mapping[str, Any], pool: Pool) -> dict[str, Any]:
    # Params are rendered per line and keep duplicates; headers are rendered as one text and split
    # by the executor, as Dify does (a value with a newline therefore becomes two header lines).
    params: list[list[str]] = []
    for line in str(data.get("params") or "").splitlines():
        if not (line := line.strip()):
            continue
        key, *rest = line.split(":", 1)
        if not (key := key.strip()):
            continue
        params.append([_text(key, pool), _text(rest[0].strip() if rest else "", pool)])
    body = data.get("body") if isinstance(data.get("body"), Mapping) else {}
    items = body.get("data")
    if isinstance(items, str):  # legacy exports: the raw/json body as one string
        items = [{"type": "text", "value": items}]
    rendered: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type") or "text")
        rendered.append(
            {
                "key": _text(item.get("key"), pool),
                "type": kind,
                "value": _text(item.get("value"), pool) if kind != "file" else "",
                "file": _value(pool, item.get("file")) if kind == "file" or item.get("file") else None,
            }
        )
    auth = copy.deepcopy(dict(data.get("authorization") or {"type": "no-auth"}))
    config = auth.get("config")
    if isinstance(config, dict) and config.get("api_key") is not None:
        config["api_key"] = _text(config["api_key"], pool)
    return {
        "url": _text(data.get("url"), pool),
        "headers": _text(data.get("headers"), pool),
        "params": params,
        "body": {"type": str(body.get("type") or "none"), "data": rendered},
        "authorization": auth,
    }


def _parameters(params: Any, pool: Pool) -> dict[str, Any]:
    """Tool / agent parameters ``{name: {type: mixed|variable|constant, value}}`` → values."""
    resolved: dict[str, Any] = {}
    if not isinstance(params, Mapping):
        return resolved
    for name, spec in params.items():
        if not isinstance(spec, Mapping):
            continue
        kind, value = spec.get("type"), spec.get("value")
        if kind == "variable":
            value = _value(pool, value)
        elif kind == "mixed" and isinstance(value, str):
            value = _text(value, pool)
        if value is not None:  # Dify drops parameters whose value is null
            resolved[str(name)] = value
    return resolved


def _llm(data: Mapping[str, Any], pool: Pool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    context = data.get("context")
    if isinstance(context, Mapping) and context.get("enabled"):
        out["context"] = _value(pool, context.get("variable_selector"))
    vision = data.get("vision")
    if isinstance(vision, Mapping) and vision.get("enabled"):
        configs = vision.get("configs") if isinstance(vision.get("configs"), Mapping) else {}
        out["files"] = _value(pool, configs.get("variable_selector") or ["sys", "files"])
    jinja = (data.get("prompt_config") or {}).get("jinja2_variables") or []
    out["jinja2_variables"] = {
        str(v["variable"]): _value(pool, v.get("value_selector"))
        for v in jinja
        if isinstance(v, Mapping) and v.get("variable")
    }
    return out


def _query(data: Mapping[str, Any], pool: Pool) -> dict[str, Any]:
    return {"query": _value(pool, data.get("query_variable_selector"))}


def _variable_at(key: str) -> Callable[[Mapping[str, Any], Pool], dict[str, Any]]:
    return lambda data, pool: {"variable": _value(pool, data.get(key))}


_BUILDERS: dict[str, Callable[[Mapping[str, Any], Pool], dict[str, Any]]] = {
    "code": _code,
    "http-request": _http_request,
    "tool": lambda data, pool: {"parameters": _parameters(data.get("tool_parameters"), pool)},
    "agent": lambda data, pool: {"parameters": _parameters(data.get("agent_parameters"), pool)},
    "llm": _llm,
    "knowledge-retrieval": _query,
    "knowledge-retrieval-v2": _query,
    "question-classifier": _query,
    "parameter-extractor": _query,
    "document-extractor": _variable_at("variable_selector"),
    "list-operator": _variable_at("variable"),
}


def _with_prompt_inputs(node_type: str) -> Callable[[Mapping[str, Any], Pool], dict[str, Any]]:
    base, prompt = _BUILDERS.get(node_type), PROMPT_INPUT_RESOLVERS[node_type]
    return lambda data, pool: {**(base(data, pool) if base else {}), **prompt(data, pool)}  # type: ignore[arg-type]


# Model and tool nodes (agent service): rendered prompt messages, memory, resolved tool/agent parameters.
_BUILDERS.update({node_type: _with_prompt_inputs(node_type) for node_type in PROMPT_INPUT_RESOLVERS})
