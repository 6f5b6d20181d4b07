"""What the engine puts in a dispatched task's ``inputs`` (riverflow.engine.task_inputs), and that
``advance`` really dispatches them: the executors here read nothing else from the pool."""

from __future__ import annotations

import json
from collections import ChainMap
from typing import Any

from riverflow.contracts.events.v1 import RunRequested
from riverflow.engine import DispatchNodeTask, advance
from riverflow.engine.task_inputs import task_inputs

FILE = {"dify_model_identity": "__dify__file__", "filename": "a.txt", "url": "data:text/plain;base64,YQ=="}
POOL: dict[str, dict[str, Any]] = {
    "sys": {"user_id": "u1", "query": "hello"},
    "env": {"secret": "do-not-leak", "api_key": "k-123"},
    "conversation": {"topic": "rivers"},
    "start": {"n": 41, "word": "héllo", "obj": {"inner": {"x": 1}}, "nums": [1, 2.5], "doc": FILE},
    "other": {"unused": "x"},
}


def test_code_variables_by_name() -> None:
    data = {
        "variables": [
            {"variable": "n", "value_selector": ["start", "n"]},
            {"variable": "x", "value_selector": ["start", "obj", "inner", "x"]},
            {"variable": "gone", "value_selector": ["start", "nope"]},
            {"variable": "topic", "value_selector": ["conversation", "topic"]},
        ]
    }
    inputs = task_inputs("code", data, POOL)
    assert inputs["variables"] == {"n": 41, "x": 1, "gone": None, "topic": "rivers"}


def test_pool_slice_holds_only_what_is_referenced_plus_sys() -> None:
    data = {
        "variables": [{"variable": "n", "value_selector": ["start", "n"]}],
        "note": "{{#conversation.topic#}}",
    }
    pool = task_inputs("code", data, POOL)["pool"]
    assert pool == {"sys": POOL["sys"], "start": {"n": 41}, "conversation": {"topic": "rivers"}}
    assert "env" not in pool  # an unreferenced secret never leaves the run


def test_inputs_do_not_alias_the_run_state() -> None:
    pool = json.loads(json.dumps(POOL))
    inputs = task_inputs("code", {"variables": [{"variable": "o", "value_selector": ["start", "obj"]}]}, pool)
    inputs["variables"]["o"]["inner"]["x"] = 999
    assert pool["start"]["obj"]["inner"]["x"] == 1


def test_frames_pools_are_read_through() -> None:
    frame = {"iter": {"item": "apple", "index": 2}}
    chained = ChainMap(frame, POOL)
    data = {"variables": [{"variable": "item", "value_selector": ["iter", "item"]}]}
    assert task_inputs("code", data, chained)["variables"] == {"item": "apple"}


def test_http_request_is_rendered_in_plain_text() -> None:
    data = {
        "method": "post",
        "url": "https://api.example/{{#start.word#}}/{{#start.nums#}}",
        "headers": "X-Obj: {{#start.obj#}}\nX-Missing: {{#start.nope#}}",
        "params": "q: {{#sys.query#}}\nq: second\n: dropped\n\nflag",
        "authorization": {"type": "api-key", "config": {"type": "bearer", "api_key": "{{#env.api_key#}}"}},
        "body": {
            "type": "form-data",
            "data": [
                {"key": "k-{{#start.n#}}", "type": "text", "value": "{{#start.word#}}"},
                {"key": "f", "type": "file", "file": ["start", "doc"]},
            ],
        },
    }
    inputs = task_inputs("http-request", data, POOL)
    assert inputs["url"] == "https://api.example/héllo/[1, 2.5]"
    assert inputs["headers"] == 'X-Obj: {"inner": {"x": 1}}\nX-Missing: start.nope'
    assert inputs["params"] == [["q", "hello"], ["q", "second"], ["flag", ""]]
    assert inputs["authorization"]["config"]["api_key"] == "k-123"
    assert data["authorization"]["config"]["api_key"] == "{{#env.api_key#}}"  # the DSL is untouched
    assert inputs["body"] == {
        "type": "form-data",
        "data": [
            {"key": "k-41", "type": "text", "value": "héllo", "file": None},
            {"key": "f", "type": "file", "value": "", "file": FILE},
        ],
    }
    assert inputs["pool"]["env"] == {"api_key": "k-123"}


def test_http_legacy_string_body() -> None:
    inputs = task_inputs(
        "http-request",
        {"url": "http://x", "body": {"type": "raw-text", "data": "hi {{#sys.user_id#}}"}},
        POOL,
    )
    assert inputs["body"]["data"] == [{"key": "", "type": "text", "value": "hi u1", "file": None}]


def test_other_dispatched_types_get_their_values() -> None:
    tool = task_inputs(
        "tool",
        {
            "tool_parameters": {
                "a": {"type": "mixed", "value": "n={{#start.n#}}"},
                "b": {"type": "variable", "value": ["start", "nums"]},
                "c": {"type": "constant", "value": 3},
                "d": {"type": "constant", "value": None},
            }
        },
        POOL,
    )
    assert tool["parameters"] == {"a": "n=41", "b": [1, 2.5], "c": 3}
    llm = task_inputs(
        "llm",
        {
            "context": {"enabled": True, "variable_selector": ["start", "word"]},
            "vision": {"enabled": True, "configs": {}},
            "prompt_config": {"jinja2_variables": [{"variable": "w", "value_selector": ["start", "word"]}]},
        },
        {**POOL, "sys": {**POOL["sys"], "files": [FILE]}},
    )
    assert llm["context"] == "héllo" and llm["files"] == [FILE] and llm["jinja2_variables"] == {"w": "héllo"}
    assert (
        task_inputs("knowledge-retrieval", {"query_variable_selector": ["sys", "query"]}, POOL)["query"]
        == "hello"
    )
    assert (
        task_inputs("document-extractor", {"variable_selector": ["start", "doc"]}, POOL)["variable"] == FILE
    )


def test_advance_dispatches_code_and_http_tasks_with_their_inputs() -> None:
    graph = {
        "nodes": [
            {
                "id": "start",
                "data": {
                    "type": "start",
                    "title": "Start",
                    "variables": [{"variable": "n", "type": "number", "required": True}],
                },
            },
            {
                "id": "code",
                "data": {
                    "type": "code",
                    "title": "Code",
                    "code_language": "python3",
                    "code": "def main(n): return {'r': n + 1}",
                    "variables": [{"variable": "n", "value_selector": ["start", "n"]}],
                    "outputs": {"r": {"type": "number"}},
                },
            },
            {
                "id": "http",
                "data": {
                    "type": "http-request",
                    "title": "HTTP",
                    "method": "get",
                    "url": "https://example.com/{{#start.n#}}",
                    "headers": "",
                    "params": "",
                    "authorization": {"type": "no-auth"},
                    "body": {"type": "none", "data": []},
                },
            },
            {"id": "end", "data": {"type": "end", "title": "End", "outputs": []}},
        ],
        "edges": [
            {"source": "start", "target": "code"},
            {"source": "start", "target": "http"},
            {"source": "code", "target": "end"},
            {"source": "http", "target": "end"},
        ],
    }
    app = {
        "app": {"mode": "workflow", "name": "inputs"},
        "kind": "app",
        "version": "0.3.1",
        "workflow": {"graph": graph, "environment_variables": [], "conversation_variables": []},
    }
    request = RunRequested(
        event_id="r1",
        run_id="r1",
        task_id="t1",
        app_id="a",
        workflow_id="w",
        dsl=json.dumps(app),
        inputs={"n": 41},
        at=100.0,
    )
    _, commands = advance(None, request)
    tasks = {c.task.node_type: c for c in commands if isinstance(c, DispatchNodeTask)}
    assert tasks["code"].subject == "rf.v1.tasks.orchestrator.code"
    assert tasks["code"].task.inputs["variables"] == {"n": 41}
    assert tasks["http-request"].subject == "rf.v1.tasks.orchestrator.http-request"
    assert tasks["http-request"].task.inputs["url"] == "https://example.com/41"
