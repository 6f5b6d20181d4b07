"""Inputs of model and tool nodes, resolved from the variable pool before they are dispatched.

The agent service receives everything already rendered: prompt messages (chat or completion
template, basic or jinja2 edition, ``{{#context#}}``, memory window, the query turn, vision files),
tool parameters (``mixed``/``variable``/``constant``), agent parameters. Pure functions of the node's
DSL ``data`` and the pool, so folding a run's log again resolves the same inputs.

Conversation memory is read from ``sys.history`` (set by the gateway for chat apps): a list of
``{"role": "user"|"assistant", "content": str}`` messages or ``{"query", "answer"}`` turns, oldest first.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from riverflow.engine.errors import NodeError
from riverflow.engine.templates import render_template, to_text
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = [
    "PROMPT_INPUT_RESOLVERS",
    "llm_inputs",
    "parameter_extractor_inputs",
    "question_classifier_inputs",
    "tool_inputs",
    "agent_inputs",
    "history",
    "resolve_parameter",
]

Pool = dict[str, dict[str, Any]]

_env = ImmutableSandboxedEnvironment()


@functools.lru_cache(maxsize=256)
def _jinja(template: str) -> jinja2.Template:
    return _env.from_string(template)


def _selector(value: Any) -> list[str]:
    return [str(s) for s in value] if isinstance(value, list) else []


def history(pool: Pool, memory: dict[str, Any] | None) -> list[dict[str, str]]:
    """The conversation's last turns as chat messages, cut to the memory window."""
    if not isinstance(memory, dict) or memory.get("enabled") is False:
        return []
    raw = (pool.get("sys") or {}).get("history") or []
    messages: list[dict[str, str]] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        if "role" in item:
            if item["role"] in ("user", "assistant"):
                messages.append({"role": item["role"], "content": to_text(item.get("content"))})
        else:
            messages.append({"role": "user", "content": to_text(item.get("query"))})
            messages.append({"role": "assistant", "content": to_text(item.get("answer"))})
    window = memory.get("window") or {}
    if window.get("enabled") and isinstance(window.get("size"), int) and window["size"] > 0:
        messages = messages[-2 * window["size"] :]
    return messages


def _context(data: dict[str, Any], pool: Pool) -> str:
    block = data.get("context") or {}
    if not block.get("enabled"):
        return ""
    value = lookup(pool, _selector(block.get("variable_selector")))
    if value is MISSING or value is None:
        return ""
    if isinstance(value, list):
        parts = [str(v.get("content", "")) if isinstance(v, dict) else to_text(v) for v in value]
        return "\n".join(p for p in parts if p)
    if isinstance(value, dict):
        return str(value.get("content") or json.dumps(value, ensure_ascii=False))
    return to_text(value)


def _image_parts(data: dict[str, Any], pool: Pool) -> list[dict[str, Any]]:
    vision = data.get("vision") or {}
    if not vision.get("enabled"):
        return []
    configs = vision.get("configs") or {}
    value = lookup(pool, _selector(configs.get("variable_selector")) or ["sys", "files"])
    files = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    parts = []
    for f in files:
        if isinstance(f, dict) and f.get("type") == "image" and (f.get("remote_url") or f.get("url")):
            url = f.get("remote_url") or f.get("url")
            parts.append(
                {"type": "image_url", "image_url": {"url": url, "detail": configs.get("detail") or "high"}}
            )
    return parts


def _render(item: dict[str, Any], pool: Pool, jinja_vars: dict[str, Any], specials: dict[str, str]) -> str:
    if item.get("edition_type") == "jinja2":
        try:
            return _jinja(str(item.get("jinja2_text") or "")).render(**jinja_vars)
        except jinja2.TemplateError as exc:
            raise NodeError(f"Failed to render prompt: {exc}", "TemplateRenderError") from exc
    text = str(item.get("text") or "")
    for marker, value in specials.items():
        text = text.replace(marker, value)
    return render_template(text, pool)


def _jinja_vars(data: dict[str, Any], pool: Pool) -> dict[str, Any]:
    out = {}
    for v in (data.get("prompt_config") or {}).get("jinja2_variables") or []:
        if isinstance(v, dict) and v.get("variable"):
            value = lookup(pool, _selector(v.get("value_selector")))
            out[str(v["variable"])] = None if value is MISSING else value
    return out


def _with_images(content: str, images: list[dict[str, Any]]) -> Any:
    return [{"type": "text", "text": content}, *images] if images else content


def llm_inputs(data: dict[str, Any], pool: Pool) -> dict[str, Any]:
    """``prompt_messages`` ready to send, plus the ``context`` and ``query`` they were built from."""
    mode = (data.get("model") or {}).get("mode") or "chat"
    memory = data.get("memory") if isinstance(data.get("memory"), dict) else None
    if memory is not None and memory.get("enabled") is False:
        memory = None
    turns = history(pool, memory)
    context = _context(data, pool)
    images = _image_parts(data, pool)
    jinja_vars = _jinja_vars(data, pool)
    template = data.get("prompt_template")
    query = None
    if mode == "completion" or isinstance(template, dict):
        prefixes = (memory or {}).get("role_prefix") or {}
        user, assistant = prefixes.get("user") or "Human", prefixes.get("assistant") or "Assistant"
        histories = "\n".join(f"{user if m['role'] == 'user' else assistant}: {m['content']}" for m in turns)
        item = template if isinstance(template, dict) else {"text": ""}
        text = _render(item, pool, jinja_vars, {"{{#context#}}": context, "{{#histories#}}": histories})
        messages = [{"role": "user", "content": _with_images(text, images)}]
    else:
        messages = []
        for item in template or []:
            if not isinstance(item, dict):
                continue
            role = item.get("role") if item.get("role") in ("system", "user", "assistant") else "user"
            text = _render(item, pool, jinja_vars, {"{{#context#}}": context})
            messages.append({"role": role, "content": text})
        if memory is not None:
            messages += turns
            query_template = memory.get("query_prompt_template")
            if query_template:
                query = render_template(str(query_template).replace("{{#context#}}", context), pool)
                messages.append({"role": "user", "content": query})
        if images:
            last = next((m for m in reversed(messages) if m["role"] == "user"), None)
            if last is None:
                messages.append({"role": "user", "content": _with_images("", images)})
            else:
                last["content"] = _with_images(str(last["content"]), images)
    return {"mode": mode, "prompt_messages": messages, "context": context, "query": query}


def _query_text(pool: Pool, selector: Any) -> str:
    value = lookup(pool, _selector(selector))
    return "" if value is MISSING else to_text(value)


def parameter_extractor_inputs(data: dict[str, Any], pool: Pool) -> dict[str, Any]:
    return {
        "query": _query_text(pool, data.get("query")),
        "instruction": render_template(str(data.get("instruction") or ""), pool),
        "history": history(pool, data.get("memory")),
        "files": _image_parts(data, pool),
    }


def question_classifier_inputs(data: dict[str, Any], pool: Pool) -> dict[str, Any]:
    return {
        "query": _query_text(pool, data.get("query_variable_selector")),
        "instruction": render_template(str(data.get("instruction") or ""), pool),
        "history": history(pool, data.get("memory")),
        "files": _image_parts(data, pool),
    }


def resolve_parameter(parameter: Any, pool: Pool) -> Any:
    """A ``{type: mixed|variable|constant, value}`` tool/agent parameter (legacy: a bare template)."""
    if isinstance(parameter, dict) and "type" in parameter and "value" in parameter:
        kind, value = parameter["type"], parameter["value"]
        if kind == "mixed":
            return render_template(str(value), pool) if isinstance(value, str) else value
        if kind == "variable":
            found = lookup(pool, _selector(value))
            return None if found is MISSING else found
        return value
    if isinstance(parameter, str):
        return render_template(parameter, pool)
    return parameter


def tool_inputs(data: dict[str, Any], pool: Pool) -> dict[str, Any]:
    """Resolved ``tool_parameters`` and ``tool_configurations``; parameters resolving to None are dropped."""
    parameters = {}
    for name, parameter in (data.get("tool_parameters") or {}).items():
        value = resolve_parameter(parameter, pool)
        if value is not None:
            parameters[str(name)] = value
    configurations = {
        str(name): resolve_parameter(value, pool)
        for name, value in (data.get("tool_configurations") or {}).items()
    }
    return {"tool_parameters": parameters, "tool_configurations": configurations}


def agent_inputs(data: dict[str, Any], pool: Pool) -> dict[str, Any]:
    """Resolved ``agent_parameters``; ``query`` and ``instruction`` are rendered even as constants
    (agent-chat apps converted to a graph carry ``{{#sys.query#}}`` there)."""
    parameters = {
        str(name): resolve_parameter(value, pool)
        for name, value in (data.get("agent_parameters") or {}).items()
    }
    for name in ("query", "instruction"):
        if isinstance(parameters.get(name), str):
            parameters[name] = render_template(parameters[name], pool)
    return {
        "agent_parameters": parameters,
        "query": to_text((pool.get("sys") or {}).get("query")),
        "history": history(pool, data.get("memory")),
    }


#: Node type → resolver, for the engine's task-input registry.
PROMPT_INPUT_RESOLVERS = {
    "llm": llm_inputs,
    "parameter-extractor": parameter_extractor_inputs,
    "question-classifier": question_classifier_inputs,
    "tool": tool_inputs,
    "agent": agent_inputs,
}
