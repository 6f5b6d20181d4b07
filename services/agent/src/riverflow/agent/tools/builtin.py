"""Built-in tools, under Dify's names where Dify has one: time, maths, HTTP fetch, JSON and text utilities."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import simpleeval
from riverflow.agent.adapters.http_fetch import HttpFetcher
from riverflow.agent.ports import ToolError, ToolResult, ToolSpec

__all__ = ["BuiltinToolProvider", "BUILTIN_PROVIDER_ALIASES", "json_filter"]

#: Provider ids Dify exports for these tools (``time``, ``maths``...) all resolve to this provider.
BUILTIN_PROVIDER_ALIASES = frozenset(
    {"builtin", "time", "maths", "math", "webscraper", "json_process", "regex", "text", "http", "riverflow"}
)

Handler = Callable[[dict[str, Any]], Awaitable[ToolResult]]


def _schema(**props: tuple[str, str]) -> dict[str, Any]:
    """``name=(type, description)``; a description ending in ``(optional)`` is not required."""
    return {
        "type": "object",
        "properties": {n: {"type": t, "description": d} for n, (t, d) in props.items()},
        "required": [n for n, (_, d) in props.items() if not d.endswith("(optional)")],
    }


_MATH = {
    name: getattr(math, name)
    for name in ("sqrt", "sin", "cos", "tan", "log", "log10", "exp", "floor", "ceil")
}
_MATH.update({"abs": abs, "round": round, "min": min, "max": max, "pow": pow})


def json_filter(value: Any, path: str) -> Any:
    """Read ``path`` (``a.b[0].c``, an optional leading ``$.``) out of ``value``."""
    path = (path or "").strip().removeprefix("$").lstrip(".")
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(value, list) or index >= len(value):
                raise ToolError(f"index {index} not found")
            value = value[index]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise ToolError(f"key {part!r} not found")
    return value


def _text_or_json(value: Any) -> ToolResult:
    if isinstance(value, (dict, list)):
        return ToolResult(
            text=json.dumps(value, ensure_ascii=False), json=[value] if isinstance(value, dict) else value
        )
    return ToolResult(text="" if value is None else str(value))


class BuiltinToolProvider:
    name = "builtin"

    def __init__(
        self, fetcher: HttpFetcher | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.fetcher = fetcher or HttpFetcher()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._tools: dict[str, tuple[ToolSpec, Handler]] = {}
        self._add(
            "current_time",
            "Get the current time.",
            self._current_time,
            format=("string", "strftime format, default %Y-%m-%d %H:%M:%S (optional)"),
            timezone=("string", "IANA time zone, default UTC (optional)"),
        )
        self._add(
            "eval_expression",
            "Evaluate a math expression such as 2*(3+4) or sqrt(16).",
            self._calculate,
            expression=("string", "the expression"),
        )
        self._add(
            "http_get",
            "Fetch a URL with HTTP GET and return its status and body.",
            self._http_get,
            url=("string", "absolute http(s) URL"),
        )
        self._add(
            "webscraper",
            "Fetch a web page and return its text.",
            self._webscraper,
            url=("string", "absolute http(s) URL"),
        )
        self._add(
            "json_parse",
            "Parse a JSON string, optionally reading a path like a.b[0].",
            self._json_parse,
            json_string=("string", "the JSON text"),
            json_filter=("string", "path to read (optional)"),
        )
        self._add(
            "regex_extract",
            "Return every match of a regular expression in a text.",
            self._regex,
            content=("string", "the text"),
            expression=("string", "the regular expression"),
        )
        self._add(
            "word_count",
            "Count the words and characters of a text.",
            self._word_count,
            text=("string", "the text"),
        )

    def _add(self, name: str, description: str, handler: Handler, **props: tuple[str, str]) -> None:
        self._tools[name] = (ToolSpec(name, description, _schema(**props), provider=self.name), handler)

    async def list_tools(self) -> list[ToolSpec]:
        return [spec for spec, _ in self._tools.values()]

    async def invoke(self, tool: str, arguments: dict[str, Any]) -> ToolResult:
        if tool not in self._tools:
            raise ToolError(f"built-in tool {tool!r} not found")
        return await self._tools[tool][1](arguments)

    async def _current_time(self, args: dict[str, Any]) -> ToolResult:
        try:
            zone = ZoneInfo(str(args.get("timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ToolError(f"unknown time zone {args.get('timezone')!r}") from exc
        return ToolResult(
            text=self.clock().astimezone(zone).strftime(str(args.get("format") or "%Y-%m-%d %H:%M:%S"))
        )

    async def _calculate(self, args: dict[str, Any]) -> ToolResult:
        expression = str(args.get("expression") or "")
        try:
            value = simpleeval.simple_eval(expression, functions=_MATH, names={"pi": math.pi, "e": math.e})
        except Exception as exc:  # noqa: BLE001 - any evaluation error is the tool's answer
            raise ToolError(f"cannot evaluate {expression!r}: {exc}") from exc
        return ToolResult(text=str(value), json=[{"expression": expression, "result": value}])

    async def _http_get(self, args: dict[str, Any]) -> ToolResult:
        result = await self.fetcher.request("GET", str(args.get("url") or ""))
        payload = {"status_code": result.status, "body": result.text, "url": result.url}
        return ToolResult(text=result.text, json=[payload])

    async def _webscraper(self, args: dict[str, Any]) -> ToolResult:
        result = await self.fetcher.request("GET", str(args.get("url") or ""))
        text = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", result.text)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
        return ToolResult(text=text)

    async def _json_parse(self, args: dict[str, Any]) -> ToolResult:
        raw = args.get("json_string", args.get("content"))
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise ToolError(f"invalid JSON: {exc}") from exc
        if args.get("json_filter"):
            value = json_filter(value, str(args["json_filter"]))
        return _text_or_json(value)

    async def _regex(self, args: dict[str, Any]) -> ToolResult:
        try:
            matches = re.findall(str(args.get("expression") or ""), str(args.get("content") or ""))
        except re.error as exc:
            raise ToolError(f"invalid regular expression: {exc}") from exc
        return ToolResult(text=json.dumps(matches, ensure_ascii=False), json=[{"matches": matches}])

    async def _word_count(self, args: dict[str, Any]) -> ToolResult:
        text = str(args.get("text") or "")
        counts = {"words": len(text.split()), "characters": len(text)}
        return ToolResult(text=json.dumps(counts), json=[counts])
