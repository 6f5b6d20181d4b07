"""Prompt and tool inputs resolved from the pool before dispatch (riverflow.engine.prompt_inputs)."""

from __future__ import annotations

from riverflow.engine.prompt_inputs import (
    agent_inputs,
    llm_inputs,
    parameter_extractor_inputs,
    question_classifier_inputs,
    tool_inputs,
)
from riverflow.engine.task_inputs import task_inputs

POOL = {
    "sys": {
        "query": "what now?",
        "files": [
            {"type": "image", "remote_url": "https://img.example/cat.png"},
            {"type": "document", "url": "x"},
        ],
        "history": [
            {"query": "q1", "answer": "a1"},
            {"query": "q2", "answer": "a2"},
            {"role": "user", "content": "q3"},
            {"role": "assistant", "content": "a3"},
        ],
    },
    "start": {"name": "Ada", "n": 3, "tags": ["x", "y"]},
    "kr": {"result": [{"content": "doc one"}, {"content": "doc two"}]},
}


def test_chat_prompt_renders_templates_context_memory_and_query() -> None:
    data = {
        "model": {"mode": "chat"},
        "prompt_template": [
            {"role": "system", "text": "Use: {{#context#}}"},
            {
                "role": "user",
                "text": "Hi {{#start.name#}}, n={{#start.n#}} tags={{#start.tags#}} {{#missing.x#}}",
            },
        ],
        "context": {"enabled": True, "variable_selector": ["kr", "result"]},
        "memory": {"window": {"enabled": True, "size": 2}, "query_prompt_template": "{{#sys.query#}}"},
    }
    out = llm_inputs(data, POOL)
    assert out["context"] == "doc one\ndoc two"
    assert out["prompt_messages"] == [
        {"role": "system", "content": "Use: doc one\ndoc two"},
        {"role": "user", "content": 'Hi Ada, n=3 tags=["x", "y"] missing.x'},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "q3"},
        {"role": "assistant", "content": "a3"},
        {"role": "user", "content": "what now?"},
    ]
    assert out["query"] == "what now?"


def test_disabled_memory_adds_no_history_and_no_query() -> None:
    data = {
        "model": {"mode": "chat"},
        "prompt_template": [{"role": "user", "text": "{{#start.name#}}"}],
        "memory": {"enabled": False, "window": {"enabled": False, "size": 50}},
    }
    assert llm_inputs(data, POOL)["prompt_messages"] == [{"role": "user", "content": "Ada"}]


def test_jinja2_edition_and_vision_images_on_the_last_user_message() -> None:
    data = {
        "model": {"mode": "chat"},
        "prompt_template": [
            {"role": "user", "text": "ignored", "edition_type": "jinja2", "jinja2_text": "{{ who|upper }}!"}
        ],
        "prompt_config": {"jinja2_variables": [{"variable": "who", "value_selector": ["start", "name"]}]},
        "vision": {"enabled": True, "configs": {"variable_selector": ["sys", "files"], "detail": "low"}},
    }
    (message,) = llm_inputs(data, POOL)["prompt_messages"]
    assert message["content"] == [
        {"type": "text", "text": "ADA!"},
        {"type": "image_url", "image_url": {"url": "https://img.example/cat.png", "detail": "low"}},
    ]


def test_completion_prompt_with_histories_and_role_prefixes() -> None:
    data = {
        "model": {"mode": "completion"},
        "prompt_template": {"text": "{{#histories#}}\nQ: {{#sys.query#}}"},
        "memory": {"window": {"enabled": True, "size": 1}, "role_prefix": {"user": "U", "assistant": "A"}},
    }
    assert llm_inputs(data, POOL)["prompt_messages"] == [
        {"role": "user", "content": "U: q3\nA: a3\nQ: what now?"}
    ]


def test_classifier_and_extractor_inputs() -> None:
    qc = question_classifier_inputs(
        {"query_variable_selector": ["start", "name"], "instruction": "for {{#start.name#}}"}, POOL
    )
    assert (qc["query"], qc["instruction"], qc["history"]) == ("Ada", "for Ada", [])
    pe = parameter_extractor_inputs(
        {"query": ["sys", "query"], "memory": {"window": {"enabled": False}}}, POOL
    )
    assert pe["query"] == "what now?" and len(pe["history"]) == 6


def test_tool_and_agent_parameters() -> None:
    data = {
        "tool_parameters": {
            "a": {"type": "mixed", "value": "hi {{#start.name#}}"},
            "b": {"type": "variable", "value": ["start", "n"]},
            "c": {"type": "constant", "value": 7},
            "d": {"type": "variable", "value": ["nope", "x"]},
            "legacy": "{{#start.name#}}",
        },
        "tool_configurations": {"format": {"type": "mixed", "value": "%Y"}, "plain": "UTC"},
    }
    out = tool_inputs(data, POOL)
    assert out["tool_parameters"] == {"a": "hi Ada", "b": 3, "c": 7, "legacy": "Ada"}
    assert out["tool_configurations"] == {"format": "%Y", "plain": "UTC"}
    agent = agent_inputs({"agent_parameters": {"query": {"type": "mixed", "value": "{{#sys.query#}}"}}}, POOL)
    assert agent["agent_parameters"] == {"query": "what now?"} and agent["query"] == "what now?"


def test_registered_in_task_inputs_for_the_agent_node_types() -> None:
    data = {"model": {"mode": "chat"}, "prompt_template": [{"role": "user", "text": "{{#start.name#}}"}]}
    assert task_inputs("llm", data, POOL)["prompt_messages"] == [{"role": "user", "content": "Ada"}]
    assert task_inputs("question-classifier", {"query_variable_selector": ["sys", "query"]}, POOL)[
        "query"
    ] == ("what now?")
    assert "tool_parameters" in task_inputs("tool", {}, POOL)
    assert "agent_parameters" in task_inputs("agent", {}, POOL)
