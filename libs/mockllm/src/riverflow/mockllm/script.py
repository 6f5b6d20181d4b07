"""What the mock answers: scripted rules from a YAML/JSON file, else a deterministic default.

A script is ``{"rules": [...]}`` (or just the list). The first rule whose ``match`` fits the request
wins. Example::

    rules:
      - match: {last_role: tool}                 # the agent fed a tool result back
        reply: "The tool said: {last_tool}"
      - match: {contains: "time", has_tools: true}
        tool_calls: [{name: current_time, arguments: {timezone: UTC}}]
      - match: {model: "gpt-4*"}
        reasoning: "Thinking about {last_user}"
        reply: "Scripted answer"
        token_latency_ms: 5

Match keys (all optional, all must hold): ``model`` (fnmatch glob), ``contains`` (substring of the
last user message), ``regex`` (searched in it), ``last_role``, ``has_tools``, ``tool_choice`` (name
of a forced function). Reply templates may use ``{last_user}``, ``{last_tool}`` and ``{model}``.

With no matching rule the mock echoes the last user message; when a function is forced
(``tool_choice``) or a JSON schema is asked for (``response_format``) it answers with a value built
from the schema instead, so structured output and extraction work without a script.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from riverflow.mockllm.tokens import message_text

__all__ = ["Reply", "Rule", "Script", "sample_from_schema"]


@dataclass
class Reply:
    """One answer: text and/or tool calls, or an error to return instead."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    error_status: int | None = None
    error_message: str = ""
    token_latency_ms: float | None = None
    first_token_delay_ms: float | None = None
    usage: dict[str, int] | None = None

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"


@dataclass
class Rule:
    match: dict[str, Any]
    reply: dict[str, Any]

    def fits(self, request: dict[str, Any]) -> bool:
        m = self.match
        messages = request.get("messages") or []
        last_user = _last(messages, "user")
        if "model" in m and not fnmatch.fnmatch(str(request.get("model", "")), str(m["model"])):
            return False
        if "contains" in m and str(m["contains"]) not in last_user:
            return False
        if "regex" in m and not re.search(str(m["regex"]), last_user):
            return False
        if "last_role" in m and (not messages or messages[-1].get("role") != m["last_role"]):
            return False
        if "has_tools" in m and bool(request.get("tools")) != bool(m["has_tools"]):
            return False
        if "tool_choice" in m and _forced_function(request) != m["tool_choice"]:
            return False
        return True


def _last(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message.get("role") == role:
            return message_text(message.get("content"))
    return ""


def _forced_function(request: dict[str, Any]) -> str | None:
    choice = request.get("tool_choice")
    if isinstance(choice, dict):
        return (choice.get("function") or {}).get("name")
    return None


def sample_from_schema(schema: dict[str, Any], text: str) -> Any:
    """A value valid for simple JSON schemas: strings get ``text`` (or their first enum value)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {name: sample_from_schema(sub or {}, text) for name, sub in props.items()}
    if kind == "array":
        return [sample_from_schema(schema.get("items") or {}, text)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return text


class Script:
    """Scripted rules plus the default behaviour."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules = rules or []

    @classmethod
    def load(cls, path: str | Path | None) -> Script:
        if not path:
            return cls()
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # YAML is a superset of JSON
        return cls.from_data(raw)

    @classmethod
    def from_data(cls, raw: Any) -> Script:
        items = raw.get("rules", []) if isinstance(raw, dict) else (raw or [])
        rules = []
        for item in items:
            if not isinstance(item, dict):
                raise ValueError(f"script rule must be a mapping, got {item!r}")
            reply = {k: v for k, v in item.items() if k != "match"}
            rules.append(Rule(match=dict(item.get("match") or {}), reply=reply))
        return cls(rules)

    def reply_for(self, request: dict[str, Any]) -> Reply:
        messages = request.get("messages") or []
        values = {
            "{last_user}": _last(messages, "user"),
            "{last_tool}": _last(messages, "tool"),
            "{model}": str(request.get("model", "")),
        }
        for rule in self.rules:
            if rule.fits(request):
                return _from_rule(rule.reply, values)
        return _default(request, values["{last_user}"])


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def _from_rule(spec: dict[str, Any], values: dict[str, str]) -> Reply:
    error = spec.get("error") or {}
    calls = []
    for call in spec.get("tool_calls") or []:
        args = call.get("arguments", {})
        args_text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        calls.append({"name": str(call["name"]), "arguments": _fill(args_text, values)})
    return Reply(
        text=_fill(str(spec.get("reply", "")), values),
        reasoning=_fill(str(spec.get("reasoning", "")), values),
        tool_calls=calls,
        error_status=int(error["status"]) if error.get("status") else None,
        error_message=str(error.get("message", "scripted error")),
        token_latency_ms=spec.get("token_latency_ms"),
        first_token_delay_ms=spec.get("first_token_delay_ms"),
        usage=spec.get("usage"),
    )


def _default(request: dict[str, Any], last_user: str) -> Reply:
    forced = _forced_function(request)
    if forced:
        for tool in request.get("tools") or []:
            function = tool.get("function") or {}
            if function.get("name") == forced:
                args = sample_from_schema(function.get("parameters") or {}, last_user)
                return Reply(tool_calls=[{"name": forced, "arguments": json.dumps(args, ensure_ascii=False)}])
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return Reply(text=json.dumps(sample_from_schema(schema, last_user), ensure_ascii=False))
    if response_format.get("type") == "json_object":
        return Reply(text=json.dumps({"text": last_user}, ensure_ascii=False))
    return Reply(text=last_user)
