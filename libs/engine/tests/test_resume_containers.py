"""Resume inside iterations and loops, as data: a graph, the node values that fail until fixed, and
what a resume must do — which tasks run again (node, value, attempt), the outputs, and the events.

Finished items and rounds are never executed again; in the frame that failed only the failed node
runs again (the nodes before it keep their outputs), and frames interrupted by the failure go on.
"""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested, RunEvent, RunResumeRequested
from riverflow.engine import advance, parse_graph, run_in_process
from riverflow.engine.driver import TaskReply

from .graphs import edge, end, graph, iteration, loop, node
from .test_resume import _resume as resume_and_answer


def _code(node_id: str, parent: str, selector: list[str]) -> dict[str, Any]:
    """A dispatched node reading one value (the service below answers ``<node>(<value>)``)."""
    return node(
        node_id,
        "code",
        parent=parent,
        code="",
        variables=[{"variable": "v", "value_selector": selector}],
        outputs={"result": {"type": "string"}},
    )


def _items_start() -> dict[str, Any]:
    return node("start", "start", variables=[{"variable": "items", "type": "array[object]"}])


def _iteration_case(**data: Any) -> dict[str, Any]:
    nodes = [
        _items_start(),
        *iteration("it", ["start", "items"], ["b", "result"], **data),
        _code("b", "it", ["it", "item"]),
        end(out=["it", "output"]),
    ]
    return graph(nodes, [edge("start", "it"), edge("itstart", "b"), edge("it", "end")])


def _two_step_iteration() -> dict[str, Any]:
    nodes = [
        _items_start(),
        *iteration("it", ["start", "items"], ["b", "result"]),
        _code("a", "it", ["it", "item"]),
        _code("b", "it", ["it", "item"]),
        end(out=["it", "output"]),
    ]
    edges = [edge("start", "it"), edge("itstart", "a"), edge("a", "b"), edge("it", "end")]
    return graph(nodes, edges)


def _nested_iteration() -> dict[str, Any]:
    nodes = [
        _items_start(),
        *iteration("outer", ["start", "items"], ["inner", "output"]),
        *iteration("inner", ["outer", "item"], ["b", "result"]),
        _code("b", "inner", ["inner", "item"]),
        end(out=["outer", "output"]),
    ]
    nodes[3]["parentId"] = "outer"  # the inner iteration lives in the outer one's body
    edges = [
        edge("start", "outer"),
        edge("outerstart", "inner"),
        edge("innerstart", "b"),
        edge("outer", "end"),
    ]
    return graph(nodes, edges)


def _counter_loop() -> dict[str, Any]:
    """Each round adds 1 to ``n`` (an inline assigner), then a dispatched node reads ``n``."""
    nodes = [
        node("start", "start"),
        *loop(
            "lp",
            [{"label": "n", "var_type": "number", "value_type": "constant", "value": "0"}],
            [{"variable_selector": ["lp", "n"], "comparison_operator": "≥", "value": "5"}],
        ),
        node(
            "inc",
            "assigner",
            parent="lp",
            version="2",
            items=[
                {"variable_selector": ["lp", "n"], "input_type": "constant", "operation": "+=", "value": 1}
            ],
        ),
        _code("b", "lp", ["lp", "n"]),
        end(n=["lp", "n"], rounds=["lp", "loop_round"]),
    ]
    edges = [edge("start", "lp"), edge("lpstart", "inc"), edge("inc", "b"), edge("lp", "end")]
    return graph(nodes, edges)


#: (event, node_id, index) of the resumed part of the run, text chunks left out.
CASES: list[dict[str, Any]] = [
    {
        "id": "sequential iteration: the failed item runs again, finished items do not",
        "graph": _iteration_case(),
        "inputs": {"items": [1, 2, 3, 4]},
        "fails": [("b", 3)],
        "first": [("b", 1, 1), ("b", 2, 1), ("b", 3, 1)],
        "resumed": [("b", 3, 2), ("b", 4, 1)],
        "outputs": {"out": ["b(1)", "b(2)", "b(3)", "b(4)"]},
        "events": [
            ("workflow_started", None, None),
            ("node_started", "it", 2),
            ("iteration_started", "it", None),
            ("iteration_next", "it", 2),
            ("node_started", "b", 6),
            ("node_finished", "b", 6),
            ("iteration_next", "it", 3),
            ("node_started", "b", 7),
            ("node_finished", "b", 7),
            ("iteration_completed", "it", None),
            ("node_finished", "it", 2),
            ("node_started", "end", 8),
            ("node_finished", "end", 8),
            ("workflow_finished", None, None),
        ],
    },
    {
        "id": "in the failed item only the failed node runs again",
        "graph": _two_step_iteration(),
        "inputs": {"items": [1, 2, 3]},
        "fails": [("b", 2)],
        "first": [("a", 1, 1), ("b", 1, 1), ("a", 2, 1), ("b", 2, 1)],
        "resumed": [("b", 2, 2), ("a", 3, 1), ("b", 3, 1)],
        "outputs": {"out": ["b(1)", "b(2)", "b(3)"]},
    },
    {
        "id": "parallel iteration: the failed item and the one in flight go on, the finished one does not",
        "graph": _iteration_case(is_parallel=True, parallel_nums=2),
        "inputs": {"items": [1, 2, 3, 4]},
        "fails": [("b", 2)],
        "first": [("b", 1, 1), ("b", 2, 1)],  # b(3) was dispatched, never answered
        "resumed": [("b", 2, 2), ("b", 3, 2), ("b", 4, 1)],
        "outputs": {"out": ["b(1)", "b(2)", "b(3)", "b(4)"]},
    },
    {
        "id": "nested iterations: finished outer and inner items are kept",
        "graph": _nested_iteration(),
        "inputs": {"items": [[1, 2], [3, 4]]},
        "fails": [("b", 3)],
        "first": [("b", 1, 1), ("b", 2, 1), ("b", 3, 1)],
        "resumed": [("b", 3, 2), ("b", 4, 1)],
        "outputs": {"out": ["b(1)", "b(2)", "b(3)", "b(4)"]},
        "events": [
            ("workflow_started", None, None),
            ("node_started", "outer", 2),
            ("iteration_started", "outer", None),
            ("iteration_next", "outer", 1),
            ("node_started", "inner", 6),
            ("iteration_started", "inner", None),
            ("iteration_next", "inner", 0),
            ("node_started", "b", 8),
            ("node_finished", "b", 8),
            ("iteration_next", "inner", 1),
            ("node_started", "b", 9),
            ("node_finished", "b", 9),
            ("iteration_completed", "inner", None),
            ("node_finished", "inner", 6),
            ("iteration_completed", "outer", None),
            ("node_finished", "outer", 2),
            ("node_started", "end", 10),
            ("node_finished", "end", 10),
            ("workflow_finished", None, None),
        ],
    },
    {
        "id": "loop: the failed round goes on from its failed node (n is not incremented twice)",
        "graph": _counter_loop(),
        "inputs": {},
        "fails": [("b", 3)],
        "first": [("b", 1, 1), ("b", 2, 1), ("b", 3, 1)],
        "resumed": [("b", 3, 2), ("b", 4, 1), ("b", 5, 1)],
        "outputs": {"n": 5, "rounds": 5},
        "events": [
            ("workflow_started", None, None),
            ("node_started", "lp", 2),
            ("loop_started", "lp", None),
            ("loop_next", "lp", 2),
            ("node_started", "b", 9),
            ("node_finished", "b", 9),
            ("loop_next", "lp", 3),
            ("node_started", "inc", 10),
            ("node_finished", "inc", 10),
            ("node_started", "b", 11),
            ("node_finished", "b", 11),
            ("loop_next", "lp", 4),
            ("node_started", "inc", 12),
            ("node_finished", "inc", 12),
            ("node_started", "b", 13),
            ("node_finished", "b", 13),
            ("loop_completed", "lp", None),
            ("node_finished", "lp", 2),
            ("node_started", "end", 14),
            ("node_finished", "end", 14),
            ("workflow_finished", None, None),
        ],
    },
]


def _value(task: NodeTaskRequested) -> Any:
    owner, name = task.data["variables"][0]["value_selector"]
    return task.inputs["pool"][owner][name]


class _Service:
    """Answers ``<node>(<value>)``; the ``fails`` pairs fail until ``fixed``. Records every task."""

    def __init__(self, fails: list[tuple[str, Any]]) -> None:
        self.fails = set(fails)
        self.fixed = False
        self.tasks: list[NodeTaskRequested] = []

    def __call__(self, task: NodeTaskRequested) -> dict[str, Any] | TaskReply:
        self.tasks.append(task)
        if not self.fixed and (task.node_id, _value(task)) in self.fails:
            return TaskReply(error="upstream is down", error_type="HTTPError")
        return {"result": f"{task.node_id}({_value(task)})"}

    def seen(self, start: int = 0) -> list[tuple[str, Any, int]]:
        return [(t.node_id, _value(t), t.attempt) for t in self.tasks[start:]]


def _resume(state, service: _Service, event_id: str = "resume-1"):
    """Apply a resume request through ``advance``, then answer what it dispatches, in order."""
    state, events, _ = resume_and_answer(state, service, event_id)
    return state, events


def _failed(case: dict[str, Any], run_id: str = "run-1"):
    service = _Service(case["fails"])
    app = parse_graph(case["graph"])
    outcome = run_in_process(app, case["inputs"], task_runner=service, run_id=run_id, raw_inputs=True)
    assert outcome.status == "failed" and outcome.error == "upstream is down"
    return service, outcome


def _shape(events: list[RunEvent]) -> list[tuple[str, str | None, int | None]]:
    out = []
    for e in events:
        if e.event in ("text_chunk", "message"):
            continue
        index = e.data.get("index") if e.event.startswith("node_") or e.event.endswith("_next") else None
        out.append((e.event, e.data.get("node_id"), index))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_resume_inside_containers(case: dict[str, Any]) -> None:
    service, outcome = _failed(case)
    assert service.seen() == case["first"]

    service.fixed = True
    state, events = _resume(outcome.state, service)

    assert service.seen(len(case["first"])) == case["resumed"]
    assert state.status == "succeeded" and state.error is None
    assert state.outputs == case["outputs"]
    assert events[-1].event == "workflow_finished" and events[-1].data["outputs"] == case["outputs"]
    assert events[0].data["reason"] == "resumption"
    # The run's event numbers go on without a gap, and nothing of the run is left in flight.
    assert [e.seq for e in events] == list(
        range(outcome.events[-1].seq + 1, outcome.events[-1].seq + 1 + len(events))
    )
    assert not (state.frames or state.containers or state.tasks)
    if "events" in case:
        assert _shape(events) == case["events"]
    # A new execution of every restarted node: no execution id of the failed run is reused.
    before = {e.data["id"] for e in outcome.events if e.event == "node_started"}
    assert not before & {e.data["id"] for e in events if e.event == "node_started"}
    # Every idempotency key is new: a redelivered old task can never be mistaken for a new one.
    keys = [t.idempotency_key for t in service.tasks]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_a_resume_that_fails_again_can_be_resumed_again(case: dict[str, Any]) -> None:
    service, outcome = _failed(case)
    state, events = _resume(outcome.state, service, "resume-1")
    assert state.status == "failed" and events[-1].data["status"] == "failed"
    assert service.seen(len(case["first"]))[0] == case["resumed"][0]  # only the failed node ran

    service.fixed = True
    state, _ = _resume(state, service, "resume-2")
    assert state.status == "succeeded" and state.outputs == case["outputs"]
    retried = case["resumed"][0]
    tries = [(n, v) for n, v, _ in service.seen()].count(retried[:2])
    assert tries == 3  # the first run, the failed resume, the good one


def test_resume_folds_deterministically() -> None:
    def fold() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        service, outcome = _failed(CASES[2])
        service.fixed = True
        state, events = _resume(outcome.state, service)
        return [e.model_dump() for e in [*outcome.events, *events]], state.model_dump()

    assert fold() == fold()


def test_a_failure_the_iteration_absorbs_keeps_nothing_for_resume() -> None:
    case = {**CASES[0], "graph": _iteration_case(error_handle_mode="continue-on-error")}
    service = _Service(case["fails"])
    outcome = run_in_process(parse_graph(case["graph"]), case["inputs"], task_runner=service, raw_inputs=True)
    assert outcome.status == "partial-succeeded" and outcome.outputs == {
        "out": ["b(1)", "b(2)", None, "b(4)"]
    }
    assert not (outcome.state.frames or outcome.state.containers)


def test_a_run_that_failed_before_any_node_is_not_resumed() -> None:
    nodes = [node("start", "start", variables=[{"variable": "x", "type": "number", "required": True}]), end()]
    outcome = run_in_process(parse_graph(graph(nodes, [edge("start", "end")])), {}, run_id="run-9")
    assert outcome.status == "failed" and not outcome.state.nodes
    state, commands = advance(outcome.state, RunResumeRequested(event_id="r", run_id="run-9", at=1.0))
    assert commands == [] and state.status == "failed"
