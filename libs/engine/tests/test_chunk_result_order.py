"""A node result that overtakes its chunks (concurrent inbox workers) waits for them.

``NodeTaskResult.chunk_counts`` says how many chunks per field were published before the result;
the engine parks the result until those chunks were applied, so the client still gets every
token as its own event. Agent steps (``agent_thought`` chunks) are relayed in order as they come.
"""

from __future__ import annotations

from typing import Any

from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskRequested, NodeTaskResult
from riverflow.engine import advance, parse_graph

from .graphs import edge, graph, node
from .test_stream_chunks import _app, _chunk, _feed, _result, _start


def _counted(task: NodeTaskRequested, answer: str, /, **counts: int) -> NodeTaskResult:
    return _result(task, answer).model_copy(update={"chunk_counts": counts})


def _thought(task: NodeTaskRequested, index: int, position: int, **fields: Any) -> NodeTaskChunk:
    return NodeTaskChunk(
        event_id=f"{task.idempotency_key}:chunk:agent_thought:{index}",
        run_id="r",
        node_id=task.node_id,
        attempt=task.attempt,
        index=index,
        field="agent_thought",
        chunk="",
        data={"id": f"t{position}", "position": position, **fields},
        at=0.0,
    )


def test_a_result_that_overtakes_its_chunks_waits_for_them() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    a = tasks["a"]
    # Worker order: chunk 0, then the result, then chunks 2 and 1 (all published in order).
    state, texts, _ = _feed(state, _chunk(a, 0, "one "), _counted(a, "one two three", text=3))
    assert texts == ["one "]
    assert state.nodes["a"].status == "running" and list(state.parked)
    state, texts, _ = _feed(state, _chunk(a, 2, "three"))
    assert texts == [] and state.nodes["a"].status == "running"
    state, texts, emitted = _feed(state, _chunk(a, 1, "two "))
    assert texts == ["two ", "three", "|"]  # every token its own event, then the next segment
    assert state.nodes["a"].status == "succeeded" and not state.parked
    assert [e.event for e in emitted].index("node_finished") > [e.event for e in emitted].index("message")


def test_without_chunk_counts_a_result_still_closes_the_stream_at_once() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    a = tasks["a"]
    state, texts, _ = _feed(state, _chunk(a, 0, "one "), _result(a, "one two"))
    assert texts == ["one ", "two", "|"] and state.nodes["a"].status == "succeeded"


def test_counts_of_fields_nobody_relays_do_not_hold_the_result() -> None:
    state, tasks = _start(_app("only {{#b.text#}}"))
    a = tasks["a"]  # nobody reads a.text: its chunks are dropped, so they are not waited for
    state, _, _ = _feed(state, _counted(a, "xyz", text=3, reasoning_content=2))
    assert state.nodes["a"].status == "succeeded" and not state.parked


def test_fields_count_their_chunks_separately() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    a = tasks["a"]
    reasoning = _chunk(a, 0, "hmm").model_copy(update={"field": "reasoning_content"})
    state, texts, _ = _feed(
        state, reasoning, _chunk(a, 0, "A"), _counted(a, "AB", text=2, reasoning_content=1)
    )
    assert texts == ["A"] and state.nodes["a"].status == "running"
    state, texts, _ = _feed(state, _chunk(a, 1, "B"))
    assert texts == ["B", "|"] and state.nodes["a"].status == "succeeded"


def test_replaying_the_log_gives_the_same_events() -> None:
    app = _app("{{#a.text#}}|{{#b.text#}}")
    state, tasks = _start(app)
    a = tasks["a"]
    events = [_chunk(a, 0, "x"), _counted(a, "xyz", text=3), _chunk(a, 2, "z"), _chunk(a, 1, "y")]
    _, first, _ = _feed(state, *events)
    again, _ = _start(app)
    _, second, _ = _feed(again, *events)
    assert first == second == ["x", "y", "z", "|"]


def _agent_chat():
    nodes = [node("start", "start"), node("ag", "agent"), node("ans", "answer", answer="{{#ag.text#}}")]
    return parse_graph(graph(nodes, [edge("start", "ag"), edge("ag", "ans")]), mode="advanced-chat")


def test_agent_steps_are_relayed_live_in_order_and_updated_in_place() -> None:
    state, tasks = _start(_agent_chat())
    ag = tasks["ag"]
    decided = _thought(ag, 0, 1, thought="", tool="lookup", tool_input='{"lookup": {}}', observation="")
    observed = _thought(ag, 1, 1, thought="", tool="lookup", tool_input='{"lookup": {}}', observation="42")
    answered = _thought(ag, 2, 2, thought="It is 42.", tool="", observation="")
    # The update arrives first: it waits for the step it updates.
    state, _, emitted = _feed(state, observed)
    assert emitted == []
    state, _, emitted = _feed(state, decided)
    thoughts = [e.data for e in emitted if e.event == "agent_thought"]
    assert [(t["id"], t["observation"]) for t in thoughts] == [("t1", ""), ("t1", "42")]
    assert thoughts[0]["node_id"] == "ag"
    # The answer's result overtakes the last step: the step still comes before the node finishes.
    result = _counted(ag, "It is 42.", text=1, agent_thought=3)
    state, texts, emitted = _feed(state, _chunk(ag, 0, "It is 42."), result)
    assert texts == ["It is 42."] and not any(e.event == "node_finished" for e in emitted)
    state, _, emitted = _feed(state, answered)
    names = [e.event for e in emitted]
    assert names[0] == "agent_thought" and "node_finished" in names
    assert emitted[0].data["position"] == 2 and state.status == "succeeded"


def test_workflows_get_no_agent_thought_events() -> None:
    nodes = [node("start", "start"), node("ag", "agent"), node("end", "end", outputs=[])]
    app = parse_graph(graph(nodes, [edge("start", "ag"), edge("ag", "end")]), mode="workflow")
    state, tasks = _start(app)
    state, _, emitted = _feed(state, _thought(tasks["ag"], 0, 1, thought="hm"))
    assert emitted == []
    state, _, emitted = _feed(state, _counted(tasks["ag"], "done", agent_thought=1))
    assert state.status == "succeeded"


def test_a_chunk_that_releases_a_result_leaves_the_input_state_alone() -> None:
    state, tasks = _start(_app("{{#a.text#}}|{{#b.text#}}"))
    a = tasks["a"]
    state, _, _ = _feed(state, _counted(a, "x", text=1))
    before = state.model_dump()
    after, _ = advance(state, _chunk(a, 0, "x"))
    assert state.model_dump() == before and after.nodes["a"].status == "succeeded"
