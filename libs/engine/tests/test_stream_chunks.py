"""Streamed chunks of dispatched nodes (NodeTaskChunk) through the response-stream ordering."""

from __future__ import annotations

from typing import Any

from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskRequested, NodeTaskResult, RunRequested
from riverflow.engine import DispatchNodeTask, EmitRunEvent, advance, parse_graph

from .graphs import edge, graph, node


def _app(answer: str, edges: list[dict[str, Any]] | None = None, retry: bool = False):
    llm = {"retry_config": {"retry_enabled": True, "max_retries": 1, "retry_interval": 0}} if retry else {}
    nodes = [
        node("start", "start"),
        node("a", "llm", **llm),
        node("b", "llm"),
        node("ans", "answer", answer=answer),
    ]
    edges = edges or [edge("start", "a"), edge("start", "b"), edge("a", "ans"), edge("b", "ans")]
    return parse_graph(graph(nodes, edges), mode="advanced-chat")


def _start(app) -> tuple[Any, dict[str, NodeTaskRequested]]:
    request = RunRequested(
        event_id="r",
        run_id="r",
        task_id="r",
        app_id="",
        workflow_id="",
        dsl=app.source,
        system={"query": "q"},
        at=0.0,
    )
    state, commands = advance(None, request)
    return state, {c.task.node_id: c.task for c in commands if isinstance(c, DispatchNodeTask)}


def _chunk(task: NodeTaskRequested, index: int, text: str, attempt: int | None = None) -> NodeTaskChunk:
    attempt = attempt or task.attempt
    return NodeTaskChunk(
        event_id=f"{task.idempotency_key}:chunk:{index}",
        run_id="r",
        node_id=task.node_id,
        attempt=attempt,
        index=index,
        chunk=text,
        at=0.0,
    )


def _result(task: NodeTaskRequested, text: str, status: str = "succeeded") -> NodeTaskResult:
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id="r",
        node_id=task.node_id,
        attempt=task.attempt,
        status=status,
        outputs={"text": text} if status == "succeeded" else {},
        error=None if status == "succeeded" else "boom",
        at=0.0,
    )


def _feed(state: Any, *events: Any) -> tuple[Any, list[str], list[Any]]:
    texts: list[str] = []
    emitted: list[Any] = []
    for event in events:
        state, commands = advance(state, event)
        for c in commands:
            if isinstance(c, EmitRunEvent):
                emitted.append(c.event)
                if c.event.event == "message":
                    texts.append(c.event.data["answer"])
    return state, texts, emitted


def test_chunks_follow_the_template_order_not_the_arrival_order() -> None:
    state, tasks = _start(_app("1:{{#b.text#}} 2:{{#a.text#}}"))
    a, b = tasks["a"], tasks["b"]
    # a streams and finishes first: held back until b's segment is done ("1:" went out at start).
    state, texts, _ = _feed(state, _chunk(a, 0, "A1"), _chunk(a, 1, "A2"), _result(a, "A1A2"))
    assert texts == []
    state, texts, _ = _feed(state, _chunk(b, 0, "B1"))
    assert texts == ["B1"]
    state, texts, emitted = _feed(state, _chunk(b, 1, "B2"), _result(b, "B1B2"))
    assert texts == ["B2", " 2:", "A1", "A2"]
    assert state.answer == "1:B1B2 2:A1A2"
    selectors = [e.data["from_variable_selector"] for e in emitted if e.event == "message"]
    assert selectors[0] == ["b", "text"] and selectors[-1] == ["a", "text"]


def test_duplicates_stale_attempts_and_gaps() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    a = tasks["a"]
    state, texts, _ = _feed(state, _chunk(a, 1, "y"))  # arrives before chunk 0: waits for the gap
    assert texts == []
    state, texts, _ = _feed(
        state, _chunk(a, 0, "x"), _chunk(a, 0, "x"), _chunk(a, 1, "y"), _chunk(a, 0, "z", attempt=7)
    )
    assert texts == ["x", "y"]
    state, texts, _ = _feed(state, _result(a, "xy"))
    assert texts == ["|"]


def test_final_result_is_not_streamed_again_only_its_unstreamed_tail() -> None:
    state, tasks = _start(_app("{{#a.text#}}{{#b.text#}}"))
    a, b = tasks["a"], tasks["b"]
    state, texts, _ = _feed(state, _chunk(a, 0, "Hel"), _result(a, "Hello"), _result(b, "!"))
    assert texts == ["Hel", "lo", "!"]
    assert state.answer == "Hello!"


def test_chunks_nobody_reads_are_dropped_and_not_kept() -> None:
    state, tasks = _start(_app("only {{#b.text#}}"))
    state, texts, _ = _feed(state, _chunk(tasks["a"], 0, "ignored"))
    assert texts == [] and state.stream.buffers == {}


def test_a_retry_streams_its_own_chunks() -> None:
    edges = [edge("start", "a"), edge("a", "ans")]
    state, tasks = _start(_app("{{#a.text#}}", edges=edges, retry=True))
    a = tasks["a"]
    state, commands = advance(state, _result(a, "", status="failed"))
    retry = next(c.task for c in commands if isinstance(c, DispatchNodeTask))
    assert retry.attempt == 2
    state, texts, _ = _feed(state, _chunk(a, 0, "old"), _chunk(retry, 0, "new"), _result(retry, "new"))
    assert texts == ["new"] and state.status == "succeeded"


def test_chunk_after_the_result_is_ignored() -> None:
    state, tasks = _start(_app("{{#a.text#}}{{#b.text#}}"))
    a = tasks["a"]
    state, _, _ = _feed(state, _result(a, "A"))
    assert advance(state, _chunk(a, 0, "late"))[1] == []


def test_advance_on_a_chunk_leaves_the_input_state_alone() -> None:
    from riverflow.engine import apply_event

    state, tasks = _start(_app("{{#a.text#}}{{#b.text#}}"))
    a = tasks["a"]
    state, _, _ = _feed(state, _chunk(a, 0, "one"))
    before = state.model_dump()
    after, commands = advance(state, _chunk(a, 1, "two"))
    assert state.model_dump() == before
    expected_state, expected_commands = apply_event(state.model_copy(deep=True), _chunk(a, 1, "two"))
    assert after.model_dump() == expected_state.model_dump() and commands == expected_commands
    assert after.stream.buffers["a.text"].forwarded == "onetwo"
    assert state.stream.buffers["a.text"].forwarded == "one"
