"""Iteration nodes: frames, events, outputs, error modes, dispatched nodes inside (loops: test_loops)."""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, RunRequested
from riverflow.engine import DispatchNodeTask, EmitRunEvent, advance, parse_graph, run_in_process

from .graphs import edge, end, events, graph, iteration, node


def _iteration_app(items: list[Any], *, body: str = "tpl", **data: Any):
    body_node = (
        node(
            "tpl",
            "template-transform",
            parent="it",
            template="v={{ v }}",
            variables=[{"variable": "v", "value_selector": ["it", "item"]}],
        )
        if body == "tpl"
        else node(
            "code",
            "code",
            parent="it",
            variables=[{"variable": "v", "value_selector": ["it", "item"]}],
            outputs={"result": {"type": "string"}},
        )
    )
    out = ["tpl", "output"] if body == "tpl" else ["code", "result"]
    nodes = [
        node("start", "start", variables=[{"variable": "items", "type": "json_object"}]),
        node("src", "template-transform", template="x"),
        *iteration("it", ["start", "items", "list"], out, **data),
        body_node,
        end(out=["it", "output"]),
    ]
    edges = [edge("start", "it"), edge("itstart", body), edge("it", "end")]
    return parse_graph(graph(nodes, edges)), {"items": {"list": items}}


def test_sequential_iteration_outputs_and_events() -> None:
    app, inputs = _iteration_app([1, 2, 3])
    outcome = run_in_process(app, inputs, run_id="r")
    assert outcome.status == "succeeded" and outcome.outputs == {"out": ["v=1", "v=2", "v=3"]}
    names = [
        (e.event, e.data.get("node_id"), e.data.get("index"))
        for e in outcome.events
        if e.event not in ("text_chunk",)
    ]
    it_events = [n for n in names if n[1] in ("it", "tpl")]
    assert [n[0] for n in it_events] == [
        "node_started",
        "iteration_started",
        "iteration_next",
        "node_started",
        "node_finished",
        "iteration_next",
        "node_started",
        "node_finished",
        "iteration_next",
        "node_started",
        "node_finished",
        "iteration_completed",
        "node_finished",
    ]
    assert [n[2] for n in it_events if n[0] == "iteration_next"] == [0, 1, 2]
    inner = [e for e in outcome.events if e.event == "node_finished" and e.data["node_id"] == "tpl"]
    assert {e.data["iteration_id"] for e in inner} == {"it"}
    assert [e.data["execution_metadata"]["iteration_index"] for e in inner] == [0, 1, 2]
    assert len({e.data["id"] for e in inner}) == 3  # one execution id per item
    completed = next(e for e in outcome.events if e.event == "iteration_completed")
    assert (
        completed.data["outputs"] == {"output": ["v=1", "v=2", "v=3"]}
        and completed.data["status"] == "succeeded"
    )


@pytest.mark.parametrize(("flatten", "expected"), [(True, [1, 1, 2, 2]), (False, [[1, 1], [2, 2]])])
def test_flatten_output(flatten: bool, expected: list[Any]) -> None:
    app, inputs = _iteration_app([1, 2], body="code", flatten_output=flatten)
    items = iter([[1, 1], [2, 2]])
    outcome = run_in_process(app, inputs, task_runner=lambda t: {"result": next(items)})
    assert outcome.status == "succeeded" and outcome.outputs == {"out": expected}


def _dispatch_all(app, inputs) -> tuple[Any, list[NodeTaskRequested], list[Any]]:
    request = RunRequested(
        event_id="r",
        run_id="r",
        task_id="r",
        app_id="",
        workflow_id="",
        dsl=app.source,
        inputs=inputs,
        at=0.0,
    )
    state, commands = advance(None, request)
    tasks = [c.task for c in commands if isinstance(c, DispatchNodeTask)]
    return state, tasks, [c.event for c in commands if isinstance(c, EmitRunEvent)]


def _result(
    task: NodeTaskRequested, outputs: dict[str, Any] | None = None, error: str | None = None, at: float = 1.0
):
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="failed" if error else "succeeded",
        outputs=outputs or {},
        error=error,
        at=at,
    )


def test_parallel_iteration_dispatches_every_item_at_once_and_keeps_item_order() -> None:
    app, inputs = _iteration_app(["a", "b", "c"], body="code", is_parallel=True, parallel_nums=3)
    state, tasks, _ = _dispatch_all(app, inputs)
    assert [t.node_id for t in tasks] == ["code", "code", "code"]
    keys = [t.idempotency_key for t in tasks]
    assert len(set(keys)) == 3 and all(k.startswith("r:code@it#") for k in keys)
    # Results arrive in reverse order; the output still follows the items.
    for task, value in zip(reversed(tasks), ["C", "B", "A"], strict=True):
        state, commands = advance(state, _result(task, {"result": value}))
    assert state.status == "succeeded" and state.outputs == {"out": ["A", "B", "C"]}
    assert state.frames == {} and state.containers == {} and state.tasks == {}


def test_sequential_iteration_dispatches_one_item_at_a_time() -> None:
    app, inputs = _iteration_app(["a", "b"], body="code")
    state, tasks, _ = _dispatch_all(app, inputs)
    assert len(tasks) == 1
    state, commands = advance(state, _result(tasks[0], {"result": "A"}))
    second = [c.task for c in commands if isinstance(c, DispatchNodeTask)]
    assert len(second) == 1 and second[0].idempotency_key != tasks[0].idempotency_key
    # A duplicate of the first result changes nothing.
    assert advance(state, _result(tasks[0], {"result": "A"}))[1] == []
    state, _ = advance(state, _result(second[0], {"result": "B"}))
    assert state.outputs == {"out": ["A", "B"]}


@pytest.mark.parametrize(
    ("mode", "status", "output"),
    [
        ("terminated", "failed", None),
        ("continue-on-error", "partial-succeeded", ["A", None, "C"]),
        ("remove-abnormal-output", "partial-succeeded", ["A", "C"]),
    ],
)
def test_item_errors_follow_error_handle_mode(mode: str, status: str, output: Any) -> None:
    app, inputs = _iteration_app(["a", "b", "c"], body="code", error_handle_mode=mode)

    def run(task: NodeTaskRequested) -> dict[str, Any]:
        index = int(task.idempotency_key.split("#")[1].split(":")[0])
        if index == 1:
            raise RuntimeError("item b broke")
        return {"result": "ABC"[index]}

    outcome = run_in_process(app, inputs, task_runner=run)
    assert outcome.status == status
    if output is None:
        assert outcome.error == "item b broke"
        completed = next(e for e in outcome.events if e.event == "iteration_completed")
        assert completed.data["status"] == "failed"
        assert not any(e.event == "node_started" and e.data["node_id"] == "end" for e in outcome.events)
    else:
        assert outcome.outputs == {"out": output}


@pytest.mark.parametrize("items", [[], None])
def test_empty_or_null_iterator_gives_an_empty_output(items: Any) -> None:
    app, _ = _iteration_app([])
    outcome = run_in_process(app, {"items": {"list": items}})
    assert outcome.status == "succeeded" and outcome.outputs == {"out": []}
    assert [
        e.event for e in events(outcome, "iteration_started", "iteration_next", "iteration_completed")
    ] == [
        "iteration_started",
        "iteration_completed",
    ]


@pytest.mark.parametrize(("items", "error"), [("text", "please provide a list"), ("missing", "not found")])
def test_bad_iterator_fails_the_node(items: Any, error: str) -> None:
    app, _ = _iteration_app([])
    value = {} if items == "missing" else {"list": items}
    outcome = run_in_process(app, {"items": value})
    assert outcome.status == "failed" and error in (outcome.error or "")


def test_nested_iteration_flattens_the_outer_lists() -> None:
    nodes = [
        node("start", "start", variables=[{"variable": "data", "type": "json_object"}]),
        *iteration("outer", ["start", "data", "rows"], ["inner", "output"]),
        *iteration("inner", ["outer", "item"], ["tpl", "output"]),
        node(
            "tpl",
            "template-transform",
            parent="inner",
            template="{{ r }}{{ c }}",
            variables=[
                {"variable": "c", "value_selector": ["inner", "item"]},
                {"variable": "r", "value_selector": ["outer", "index"]},
            ],
        ),
        end(out=["outer", "output"]),
    ]
    nodes[3]["parentId"] = "outer"  # the inner iteration lives in the outer one's body
    edges = [
        edge("start", "outer"),
        edge("outerstart", "inner"),
        edge("innerstart", "tpl"),
        edge("outer", "end"),
    ]
    outcome = run_in_process(parse_graph(graph(nodes, edges)), {"data": {"rows": [["a", "b"], ["c"]]}})
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {"out": ["0a", "0b", "1c"]}


def test_fold_through_advance_equals_in_place_driver() -> None:
    app, inputs = _iteration_app(["a", "b"], body="code", is_parallel=True)
    state, tasks, first = _dispatch_all(app, inputs)
    folded = list(first)
    for task in tasks:
        state, commands = advance(state, _result(task, {"result": task.idempotency_key[-3:]}, at=0.0))
        folded += [c.event for c in commands if isinstance(c, EmitRunEvent)]
    outcome = run_in_process(
        app, inputs, run_id="r", task_runner=lambda t: {"result": t.idempotency_key[-3:]}
    )
    assert [e.model_dump() for e in folded] == [e.model_dump() for e in outcome.events]


def test_answers_inside_an_iteration_are_tagged_with_it() -> None:
    from pathlib import Path

    from riverflow.engine import parse_app

    fixture = (
        Path(__file__).resolve().parents[3].parent
        / "shared/conformance/dify-fixtures/iteration_contains_answer.yml"
    )
    if not fixture.is_file():
        pytest.skip("shared conformance corpus not found")
    outcome = run_in_process(parse_app(fixture.read_text()), {}, system={"query": "hi"})
    tagged = [
        e.data["answer"] for e in outcome.events if e.event == "message" and e.data.get("in_iteration_id")
    ]
    assert "".join(tagged) == "apple\nbanana\n"
    assert {e.data["in_iteration_id"] for e in outcome.events if e.data.get("in_iteration_id")} == {
        "iteration_node"
    }
    assert "".join(outcome.chunks) == "apple\nbanana\ndone" == outcome.answer


def test_llm_chunks_inside_an_iteration_stream_through_the_items_answer() -> None:
    from riverflow.contracts.events.v1 import NodeTaskChunk

    nodes = [
        node("start", "start", variables=[{"variable": "items", "type": "json_object"}]),
        *iteration("it", ["start", "items", "list"], ["llm", "text"]),
        node("llm", "llm", parent="it"),
        node("inner", "answer", parent="it", answer="<{{#llm.text#}}>"),
        node("done", "answer", answer="done"),
    ]
    edges = [edge("start", "it"), edge("itstart", "llm"), edge("llm", "inner"), edge("it", "done")]
    app = parse_graph(graph(nodes, edges), mode="advanced-chat")
    state, tasks, first = _dispatch_all(app, {"items": {"list": ["x", "y"]}})
    texts = [e.data["answer"] for e in first if e.event == "message"]
    assert texts == ["<"]  # the first item's answer starts as soon as its frame does
    for word in ("x", "y"):
        (task,) = tasks
        for i, piece in enumerate([word, word.upper()]):
            chunk = NodeTaskChunk(
                event_id=f"{task.idempotency_key}:chunk:{i}",
                run_id="r",
                node_id="llm",
                attempt=1,
                index=i,
                chunk=piece,
                at=0.0,
            )
            before = state.model_dump()
            state, commands = advance(state, chunk)
            texts += [c.event.data["answer"] for c in commands if isinstance(c, EmitRunEvent)]
            assert any(c.event.data.get("in_iteration_id") == "it" for c in commands)
            assert before != state.model_dump()
        state, commands = advance(state, _result(task, {"text": word + word.upper()}))
        texts += [
            c.event.data["answer"]
            for c in commands
            if isinstance(c, EmitRunEvent) and c.event.event == "message"
        ]
        tasks = [c.task for c in commands if isinstance(c, DispatchNodeTask)]
    assert "".join(texts) == "<xX><yY>done"
    assert state.status == "succeeded" and state.answer == "<xX><yY>done"


def test_a_state_inside_frames_round_trips_through_json() -> None:
    app, inputs = _iteration_app(["a", "b"], body="code", is_parallel=True)
    state, tasks, _ = _dispatch_all(app, inputs)
    assert state.frames and state.containers and state.tasks
    restored = type(state).model_validate_json(state.model_dump_json())
    assert restored == state
    for task in tasks:
        state, _ = advance(state, _result(task, {"result": task.node_id}))
        restored, _ = advance(restored, _result(task, {"result": task.node_id}))
    assert restored.model_dump() == state.model_dump() and state.outputs == {"out": ["code", "code"]}
