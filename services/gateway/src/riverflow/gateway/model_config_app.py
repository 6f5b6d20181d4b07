"""Chat, agent-chat and completion apps (a ``model_config``, no graph) as an equivalent chatflow.

Dify runs these "easy UI" apps with a fixed pipeline; we express that pipeline as an internal
advanced-chat graph — start → [knowledge-retrieval] → llm (or agent) → answer — so the same run path
(RunRequested → engine → agent service) serves every app mode. The graph follows the shapes Dify's
own chatflows use (LLM ``memory.query_prompt_template``, agent ``agent_parameters``).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml

__all__ = ["MODEL_CONFIG_MODES", "FEATURE_KEYS", "to_chatflow_dsl", "model_config_of"]

MODEL_CONFIG_MODES = frozenset({"chat", "agent-chat", "completion"})
#: ``model_config`` keys that are app features (the ``/parameters`` body), not pipeline settings.
FEATURE_KEYS = (
    "opening_statement",
    "suggested_questions",
    "suggested_questions_after_answer",
    "speech_to_text",
    "text_to_speech",
    "retriever_resource",
    "annotation_reply",
    "more_like_this",
    "sensitive_word_avoidance",
    "file_upload",
)
_INPUT_TYPES = {"text-input", "paragraph", "select", "number", "file", "file-list", "checkbox", "json_object"}
_SIMPLE_VARIABLE = re.compile(r"\{\{([a-zA-Z_][a-zA-Z0-9_]{0,29})\}\}")
_CONTEXT_PREFIX = (
    "Use the following context as your learned knowledge, inside <context></context> XML tags.\n"
    "<context>\n{{#context#}}\n</context>\n\n"
)


def model_config_of(text: str) -> dict[str, Any]:
    """The ``model_config`` block of an app export (``{}`` when absent)."""
    doc = yaml.safe_load(text) or {}
    config = doc.get("model_config") if isinstance(doc, dict) else None
    return dict(config) if isinstance(config, dict) else {}


def _start_variables(config: dict[str, Any]) -> list[dict[str, Any]]:
    variables = []
    for item in config.get("user_input_form") or []:
        if not isinstance(item, dict) or len(item) != 1:
            continue
        ((kind, spec),) = item.items()
        if kind not in _INPUT_TYPES or not isinstance(spec, dict) or not spec.get("variable"):
            continue  # e.g. external_data_tool: filled by a tool, not by the caller
        variable = {"type": kind, "label": spec.get("label") or spec["variable"], **spec}
        variable.setdefault("required", False)
        variables.append(variable)
    return variables


def _prompt_text(text: str, names: set[str]) -> str:
    """Simple-prompt ``{{var}}`` references to Dify selector syntax ``{{#start.var#}}``."""
    return _SIMPLE_VARIABLE.sub(lambda m: f"{{{{#start.{m[1]}#}}}}" if m[1] in names else m[0], text)


def _prompt_messages(mode: str, config: dict[str, Any], names: set[str], context: bool) -> list[dict]:
    if config.get("prompt_type") == "advanced":
        if mode == "completion":
            prompt = ((config.get("completion_prompt_config") or {}).get("prompt") or {}).get("text", "")
            messages = [{"role": "user", "text": prompt}]
        else:
            messages = [
                {"role": str(p.get("role") or "user"), "text": str(p.get("text") or "")}
                for p in (config.get("chat_prompt_config") or {}).get("prompt") or []
            ]
    else:
        pre_prompt = str(config.get("pre_prompt") or "")
        messages = [{"role": "user" if mode == "completion" else "system", "text": pre_prompt}]
    if context and not any("{{#context#}}" in m["text"] for m in messages):
        messages[0] = {**messages[0], "text": _CONTEXT_PREFIX + messages[0]["text"]}
    return [
        {"role": m["role"], "text": _prompt_text(m["text"], names).replace("{{#query#}}", "{{#sys.query#}}")}
        for m in messages
    ]


def _knowledge_node(mode: str, config: dict[str, Any]) -> dict[str, Any] | None:
    datasets = ((config.get("dataset_configs") or {}).get("datasets") or {}).get("datasets") or []
    ids = [d.get("dataset", {}).get("id") for d in datasets if isinstance(d, dict)]
    ids = [i for i in ids if i]
    if not ids:
        return None
    settings = config.get("dataset_configs") or {}
    selector = ["sys", "query"]
    if mode == "completion" and config.get("dataset_query_variable"):
        selector = ["start", str(config["dataset_query_variable"])]
    return {
        "type": "knowledge-retrieval",
        "title": "Knowledge Retrieval",
        "query_variable_selector": selector,
        "dataset_ids": ids,
        "retrieval_mode": "multiple",
        "multiple_retrieval_config": {
            "top_k": int(settings.get("top_k") or 4),
            "score_threshold": settings.get("score_threshold")
            if settings.get("score_threshold_enabled")
            else None,
            "reranking_enable": bool(settings.get("reranking_enable")),
            "reranking_model": settings.get("reranking_model"),
            "reranking_mode": settings.get("reranking_mode"),
            "weights": settings.get("weights"),
        },
    }


def _llm_node(mode: str, config: dict[str, Any], names: set[str], context: bool) -> dict[str, Any]:
    model = dict(config.get("model") or {})
    node: dict[str, Any] = {
        "type": "llm",
        "title": "LLM",
        "model": {
            "provider": model.get("provider", ""),
            "name": model.get("name", ""),
            "mode": model.get("mode", "chat"),
            "completion_params": dict(model.get("completion_params") or {}),
        },
        "prompt_template": _prompt_messages(mode, config, names, context),
        "context": {"enabled": context, "variable_selector": ["knowledge", "result"] if context else []},
        "vision": {"enabled": False},
        "variables": [],
    }
    if mode != "completion":  # the conversation's turns, then this turn's query
        node["memory"] = {
            "window": {"enabled": False, "size": 50},
            "query_prompt_template": "{{#sys.query#}}",
        }
    return node


def _agent_node(config: dict[str, Any], names: set[str]) -> dict[str, Any]:
    model = dict(config.get("model") or {})
    agent_mode = dict(config.get("agent_mode") or {})
    tools = [
        {
            "enabled": bool(tool.get("enabled", True)),
            "provider_name": tool.get("provider_id") or tool.get("provider_name", ""),
            "provider_type": tool.get("provider_type", "builtin"),
            "tool_name": tool.get("tool_name", ""),
            "tool_label": tool.get("tool_label", tool.get("tool_name", "")),
            "parameters": dict(tool.get("tool_parameters") or {}),
            "settings": {},
        }
        for tool in agent_mode.get("tools") or []
        if isinstance(tool, dict) and tool.get("enabled", True)
    ]
    strategy = "ReAct" if agent_mode.get("strategy") == "react" else "function_calling"

    def constant(value: Any) -> dict[str, Any]:
        return {"type": "constant", "value": value}

    return {
        "type": "agent",
        "title": "Agent",
        "agent_strategy_provider_name": "langgenius/agent/agent",
        "agent_strategy_name": strategy,
        "agent_strategy_label": "ReAct" if strategy == "ReAct" else "FunctionCalling",
        "agent_parameters": {
            "model": constant(
                {
                    "provider": model.get("provider", ""),
                    "model": model.get("name", ""),
                    "model_type": "llm",
                    "mode": model.get("mode", "chat"),
                    "completion_params": dict(model.get("completion_params") or {}),
                    "type": "model-selector",
                }
            ),
            "tools": constant(tools),
            "instruction": constant(_prompt_text(str(config.get("pre_prompt") or ""), names)),
            "query": constant("{{#sys.query#}}"),
            "maximum_iterations": constant(int(agent_mode.get("max_iteration") or 5)),
        },
        "memory": {"window": {"enabled": False, "size": 50}},
    }


def _chain(nodes: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "nodes": [{"id": node_id, "type": "custom", "data": data} for node_id, data in nodes],
        "edges": [
            {
                "id": f"{a}-source-{b}-target",
                "source": a,
                "target": b,
                "sourceHandle": "source",
                "targetHandle": "target",
            }
            for (a, _), (b, _) in zip(nodes, nodes[1:], strict=False)
        ],
    }


@functools.lru_cache(maxsize=128)
def to_chatflow_dsl(text: str) -> str:
    """The advanced-chat DSL (as JSON text, which is YAML) equivalent to a model-config app export."""
    doc = yaml.safe_load(text) or {}
    app = dict(doc.get("app") or {})
    mode = str(app.get("mode") or "chat")
    if mode not in MODEL_CONFIG_MODES:
        raise ValueError(f"app mode {mode!r} carries a graph, not a model_config")
    config = model_config_of(text)
    variables = _start_variables(config)
    names = {str(v["variable"]) for v in variables}
    nodes: list[tuple[str, dict[str, Any]]] = [
        ("start", {"type": "start", "title": "Start", "variables": variables})
    ]
    knowledge = _knowledge_node(mode, config)
    if knowledge is not None:
        nodes.append(("knowledge", knowledge))
    agent_enabled = bool((config.get("agent_mode") or {}).get("enabled"))
    if mode == "agent-chat" or (
        mode == "chat" and agent_enabled and (config.get("agent_mode") or {}).get("tools")
    ):
        nodes.append(("agent", _agent_node(config, names)))
        answer = "{{#agent.text#}}"
    else:
        nodes.append(("llm", _llm_node(mode, config, names, knowledge is not None)))
        answer = "{{#llm.text#}}"
    nodes.append(("answer", {"type": "answer", "title": "Answer", "answer": answer, "variables": []}))
    features = {key: config[key] for key in FEATURE_KEYS if key in config}
    chatflow = {
        "version": str(doc.get("version") or "0.1.0"),
        "kind": "app",
        "app": {**app, "mode": "advanced-chat"},
        "workflow": {
            "graph": _chain(nodes),
            "features": features,
            "environment_variables": [],
            "conversation_variables": [],
        },
    }
    return json.dumps(chatflow, ensure_ascii=False, sort_keys=True)
