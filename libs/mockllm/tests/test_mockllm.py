"""The mock model over real HTTP: OpenAI shapes, streaming, scripts, latency, faults and the call ledger."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from riverflow.mockllm import MockConfig, MockControl, MockServer, Script
from riverflow.mockllm.server import add_arguments, config_from_args


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockConfig(models=["riverflow-mock", "other"])) as running:
        yield running


@pytest.fixture
def mock(server: MockServer) -> Iterator[MockControl]:
    control = MockControl(server.base_url)
    control.reset()
    yield control
    control.reset()


def _chat(base: str, text: str, key: str | None = None, **body) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    payload = {"model": "riverflow-mock", "messages": [{"role": "user", "content": text}], **body}
    return httpx.post(f"{base}/chat/completions", json=payload, headers=headers, timeout=10)


def _stream(base: str, text: str, key: str | None = None, **body) -> list[dict]:
    headers = {"Idempotency-Key": key} if key else {}
    payload = {
        "model": "riverflow-mock",
        "messages": [{"role": "user", "content": text}],
        "stream": True,
        **body,
    }
    frames = []
    with httpx.stream(
        "POST", f"{base}/chat/completions", json=payload, headers=headers, timeout=10
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                frames.append(line[6:])
    assert frames[-1] == "[DONE]"
    return [json.loads(f) for f in frames[:-1]]


def test_echoes_deterministically_with_usage(mock: MockControl) -> None:
    body = _chat(mock.base_url, "hello big world").json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "hello big world"}
    assert body["usage"] == {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}
    assert _chat(mock.base_url, "hello big world").json()["choices"] == body["choices"]


def test_streams_token_by_token_with_a_final_usage_chunk(mock: MockControl) -> None:
    chunks = _stream(mock.base_url, "one two three", stream_options={"include_usage": True})
    pieces = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    assert [p for p in pieces if p] == ["one", " two", " three"]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 3
    assert "usage" not in _stream(mock.base_url, "x")[-1]  # only when asked for


def test_scripts_match_rules_and_fill_templates(mock: MockControl) -> None:
    mock.script(
        [
            {"match": {"last_role": "tool"}, "reply": "tool said {last_tool}"},
            {
                "match": {"contains": "weather", "has_tools": True},
                "tool_calls": [{"name": "w", "arguments": {"c": 1}}],
            },
            {"match": {"regex": r"^think"}, "reasoning": "hmm", "reply": "done for {model}"},
        ]
    )
    tools = [{"type": "function", "function": {"name": "w", "parameters": {"type": "object"}}}]
    call = _chat(mock.base_url, "weather?", tools=tools).json()["choices"][0]
    assert call["finish_reason"] == "tool_calls"
    assert call["message"]["tool_calls"][0]["function"] == {"name": "w", "arguments": '{"c": 1}'}
    streamed = _stream(mock.base_url, "weather?", tools=tools)
    args = "".join(
        tc["function"].get("arguments", "")
        for c in streamed
        for tc in c["choices"][0]["delta"].get("tool_calls", [])
    )
    assert json.loads(args) == {"c": 1}
    messages = [{"role": "user", "content": "x"}, {"role": "tool", "content": "42", "tool_call_id": "1"}]
    response = httpx.post(f"{mock.base_url}/chat/completions", json={"model": "m", "messages": messages})
    assert response.json()["choices"][0]["message"]["content"] == "tool said 42"
    think = _chat(mock.base_url, "think please").json()["choices"][0]["message"]
    assert (think["reasoning_content"], think["content"]) == ("hmm", "done for riverflow-mock")
    assert (
        _chat(mock.base_url, "no rule matches").json()["choices"][0]["message"]["content"]
        == "no rule matches"
    )


def test_forced_functions_and_json_schemas_are_answered_from_the_schema(mock: MockControl) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "n": {"type": "integer"},
                                               "unit": {"type": "string", "enum": ["C", "F"]}}}  # fmt: skip
    tools = [{"type": "function", "function": {"name": "extract", "parameters": schema}}]
    forced = _chat(
        mock.base_url, "Oslo", tools=tools, tool_choice={"type": "function", "function": {"name": "extract"}}
    )
    arguments = forced.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"city": "Oslo", "n": 1, "unit": "C"}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    text = _chat(mock.base_url, "Rome", response_format=fmt).json()["choices"][0]["message"]["content"]
    assert json.loads(text) == {"city": "Rome", "n": 1, "unit": "C"}


def test_faults_fail_the_first_calls_per_key_and_the_ledger_counts(mock: MockControl) -> None:
    mock.fault(429, 2)
    assert _chat(mock.base_url, "a", key="k1").status_code == 429
    assert _chat(mock.base_url, "a", key="k1").status_code == 429
    assert _chat(mock.base_url, "a", key="k1").status_code == 200
    assert _chat(mock.base_url, "a", key="k2").status_code == 429  # per key
    assert mock.calls("k1") == {"calls": 3, "completed": 1, "aborted": 0, "failed": 2, "completion_tokens": 1}
    mock.script([{"match": {}, "error": {"status": 500, "message": "boom"}}])
    failed = _chat(mock.base_url, "a", key="k1")  # k1's injected faults are used up
    assert failed.status_code == 500 and failed.json()["error"]["message"] == "boom"
    summary = mock.calls()
    assert summary["calls"] == 5 and summary["failed"] == 4 and set(summary["keys"]) == {"k1", "k2"}
    assert [r["key"] for r in mock.requests("k1")] == ["k1"] * 4


def test_latency_first_token_and_per_token(mock: MockControl) -> None:
    mock.script([{"match": {}, "reply": "a b c d", "first_token_delay_ms": 150, "token_latency_ms": 50}])
    started = time.perf_counter()
    _stream(mock.base_url, "x")
    assert time.perf_counter() - started >= 0.3  # 150 + 3 x 50


def test_an_abandoned_stream_is_counted_aborted_not_completed(mock: MockControl) -> None:
    mock.script([{"match": {}, "reply": "a b c d e f", "token_latency_ms": 200}])
    payload = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
    with httpx.stream("POST", f"{mock.base_url}/chat/completions", json=payload,
                      headers={"Idempotency-Key": "gone"}) as response:  # fmt: skip
        next(response.iter_lines())
    deadline = time.monotonic() + 5
    while mock.calls("gone")["aborted"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mock.calls("gone")["aborted"] == 1 and mock.calls("gone")["completed"] == 0


def test_completions_embeddings_and_models(mock: MockControl) -> None:
    text = httpx.post(f"{mock.base_url}/completions", json={"model": "m", "prompt": "say this"}).json()
    assert text["choices"][0]["text"] == "say this" and text["usage"]["total_tokens"] == 4
    body = {"model": "e", "input": ["alpha", "beta", "alpha"], "dimensions": 8}
    vectors = [d["embedding"] for d in httpx.post(f"{mock.base_url}/embeddings", json=body).json()["data"]]
    assert len(vectors[0]) == 8 and vectors[0] == vectors[2] != vectors[1]
    assert abs(sum(v * v for v in vectors[0]) - 1.0) < 1e-9
    models = httpx.get(f"{mock.base_url}/models").json()
    assert [m["id"] for m in models["data"]] == ["riverflow-mock", "other"]


def test_scripts_load_from_yaml_and_cli_flags(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text("rules:\n  - match: {contains: hi}\n    reply: hello!\n")
    script = Script.load(path)
    assert script.reply_for({"messages": [{"role": "user", "content": "hi"}]}).text == "hello!"
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from_args(
        parser.parse_args(["--script", str(path), "--fail-first", "2", "--models", "a,b"])
    )
    assert config.fail_first == 2 and config.models == ["a", "b"] and len(config.script.rules) == 1
    with pytest.raises(ValueError):
        Script.from_data({"rules": ["not a mapping"]})
