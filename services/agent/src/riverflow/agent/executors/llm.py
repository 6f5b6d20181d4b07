"""The llm node: rendered prompt in, streamed text (and reasoning) out, structured output, usage."""

from __future__ import annotations

from typing import Any

from riverflow.agent.executors.base import (
    NodeFailure,
    TaskContext,
    TaskOutcome,
    extract_json,
    prompt_log,
    to_messages,
)

__all__ = ["run_llm", "ThinkSplitter", "structured_schema"]

_OPEN, _CLOSE = "<think>", "</think>"


class ThinkSplitter:
    """Moves inline ``<think>...</think>`` out of streamed text into reasoning (``separated`` format)."""

    def __init__(self) -> None:
        self.inside = False
        self.pending = ""

    def feed(self, text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        buf = self.pending + text
        self.pending = ""
        while buf:
            tag = _CLOSE if self.inside else _OPEN
            field = "reasoning_content" if self.inside else "text"
            at = buf.find(tag)
            if at >= 0:
                if at:
                    out.append((field, buf[:at]))
                buf = buf[at + len(tag) :]
                self.inside = not self.inside
                continue
            # Keep a possible partial tag at the end for the next piece.
            keep = next((n for n in range(len(tag) - 1, 0, -1) if buf.endswith(tag[:n])), 0)
            if len(buf) > keep:
                out.append((field, buf[: len(buf) - keep]))
            self.pending = buf[len(buf) - keep :] if keep else ""
            break
        return out

    def flush(self) -> list[tuple[str, str]]:
        pending, self.pending = self.pending, ""
        return [("reasoning_content" if self.inside else "text", pending)] if pending else []


def structured_schema(data: dict[str, Any]) -> dict[str, Any] | None:
    enabled = data.get("structured_output_switch_on", data.get("structured_output_enabled"))
    block = data.get("structured_output") or {}
    if enabled is None:
        enabled = bool(block.get("enabled"))
    schema = block.get("schema") if isinstance(block, dict) else None
    return schema if enabled and isinstance(schema, dict) else None


async def run_llm(ctx: TaskContext) -> TaskOutcome:
    data, inputs = ctx.task.data, ctx.task.inputs
    messages = to_messages(inputs.get("prompt_messages"))
    separated = data.get("reasoning_format") == "separated"
    splitter = ThinkSplitter()
    state = {"thinking": False}
    schema = structured_schema(data)

    async def on_delta(field: str, text: str) -> None:
        if field == "reasoning_content":
            if separated:
                await ctx.emit("reasoning_content", text)
                return
            if not state["thinking"]:
                state["thinking"] = True
                await ctx.emit("text", _OPEN + "\n")
            await ctx.emit("text", text)
            return
        if state["thinking"]:
            state["thinking"] = False
            await ctx.emit("text", "\n" + _CLOSE + "\n")
        pieces = splitter.feed(text) if separated else [("text", text)]
        for name, piece in pieces:
            await ctx.emit(name, piece)

    response_format = None
    if schema is not None:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": "structured_output", "schema": schema, "strict": False},
        }
    response = await ctx.models.call(data, messages, on_delta=on_delta, response_format=response_format)
    if state["thinking"]:
        await ctx.emit("text", "\n" + _CLOSE + "\n")
    for name, piece in splitter.flush():
        await ctx.emit(name, piece)

    text, reasoning = response.text, response.reasoning
    if separated:
        parts = ThinkSplitter().feed(text)
        text = "".join(p for f, p in parts if f == "text")
        reasoning += "".join(p for f, p in parts if f == "reasoning_content")
    elif reasoning:
        text = f"{_OPEN}\n{reasoning}\n{_CLOSE}\n{text}"
    usage = ctx.models.usage
    outputs: dict[str, Any] = {
        "text": text,
        "reasoning_content": reasoning,
        "usage": usage,
        "finish_reason": response.finish_reason,
    }
    if schema is not None:
        try:
            outputs["structured_output"] = extract_json(response.text)
        except ValueError as exc:
            raise NodeFailure(f"Failed to parse structured output: {exc}", "LLMNodeError") from exc
    model = data.get("model") or {}
    process_data = {
        "model_mode": model.get("mode", "chat"),
        "prompts": prompt_log(messages),
        "usage": usage,
        "finish_reason": response.finish_reason,
        "model_provider": model.get("provider"),
        "model_name": model.get("name"),
    }
    return TaskOutcome(outputs=outputs, process_data=process_data, metadata=ctx.models.metadata())
