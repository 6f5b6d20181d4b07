"""Chunk relay: a task whose field the active response session waits on streams it to the client.

Such a task carries a ``ChunkRelay`` (the event its chunks become); its result reports what the
relayed chunks carried (``streamed``), and the engine emits only what follows, as if it had
forwarded every chunk itself.
"""

from __future__ import annotations

from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.engine import DispatchNodeTask, advance, parse_graph

from .graphs import edge, graph, node
from .test_stream_chunks import _app, _chunk, _feed, _result, _start


def _relayed(task: NodeTaskRequested, text: str, streamed: str, chunks: int) -> NodeTaskResult:
    return _result(task, text).model_copy(
        update={"chunk_counts": {"text": chunks}, "streamed": {"text": streamed}}
    )


def test_only_the_field_the_session_waits_on_is_relayed() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    relay = tasks["a"].relay
    assert relay is not None and set(relay) == {"text"}
    assert tasks["b"].relay is None  # b's segment comes after a's: its chunks must wait
    spec = relay["text"]
    assert (spec.event, spec.text_key, spec.task_id) == ("message", "answer", "r")
    assert spec.data["from_variable_selector"] == ["a", "text"] and spec.data["id"] == state.message_id
    assert spec.seq == state.seq  # after every event of the step that dispatched it


def test_a_relayed_result_emits_only_what_the_chunks_did_not_carry() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    state, texts, emitted = _feed(state, _relayed(tasks["a"], "one two three", "one two ", 2))
    assert texts == ["three", "|"]  # the rest of a's text, then the literal up to b
    assert state.nodes["a"].status == "succeeded" and not state.parked
    assert state.answer == ""  # the answer node has not finished yet
    state, texts, _ = _feed(state, _chunk(tasks["b"], 0, "B"), _result(tasks["b"], "B"))
    assert texts == ["B"] and state.answer == "one two three|B"


def test_a_fully_streamed_result_repeats_nothing() -> None:
    state, tasks = _start(_app("{{#a.text#}}!"))
    state, texts, _ = _feed(state, _relayed(tasks["a"], "hello", "hello", 3), _result(tasks["b"], "-"))
    assert texts == ["!"] and state.answer == "hello!"


def test_a_producer_that_ignores_the_relay_still_streams_through_the_inbox() -> None:
    state, tasks = _start(_app("{{#a.text#}}!"))
    a = tasks["a"]
    counted = _result(a, "AB").model_copy(update={"chunk_counts": {"text": 2}})
    state, texts, _ = _feed(state, _chunk(a, 0, "A"), counted)
    assert texts == ["A"] and list(state.parked)  # the result still waits for its chunks
    state, texts, _ = _feed(state, _chunk(a, 1, "B"), _result(tasks["b"], "-"))
    assert texts == ["B", "!"] and state.answer == "AB!"


def test_a_retry_decides_again_and_starts_from_nothing() -> None:
    state, tasks = _start(_app("{{#a.text#}}.", retry=True))
    state, commands = advance(
        state, _relayed(tasks["a"], "", "par", 1).model_copy(update={"status": "failed"})
    )
    retry = _dispatched(commands)["a"]
    assert retry.attempt == 2 and retry.relay is not None and retry.relay["text"].seq == state.seq
    state, texts, _ = _feed(state, _relayed(retry, "full", "full", 1), _result(tasks["b"], "-"))
    assert texts == ["."] and state.answer == "full."


def test_an_end_node_output_is_relayed_as_text_chunk() -> None:
    nodes = [
        node("start", "start"),
        node("a", "llm"),
        node("end", "end", outputs=[{"variable": "out", "value_selector": ["a", "text"]}]),
    ]
    app = parse_graph(graph(nodes, [edge("start", "a"), edge("a", "end")]), mode="workflow")
    state, tasks = _start(app)
    relay = tasks["a"].relay
    assert relay is not None and relay["text"].event == "text_chunk" and relay["text"].text_key == "text"
    assert "id" not in relay["text"].data


def test_a_node_nobody_streams_is_not_relayed() -> None:
    state, tasks = _start(_app("static only"))
    assert tasks["a"].relay is None and tasks["b"].relay is None


def _dispatched(commands: list[Any]) -> dict[str, NodeTaskRequested]:
    return {c.task.node_id: c.task for c in commands if isinstance(c, DispatchNodeTask)}
