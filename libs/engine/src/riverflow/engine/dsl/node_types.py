"""The node types of the Dify DSL and how the engine executes each of them."""

from __future__ import annotations

__all__ = [
    "KNOWN_NODE_TYPES",
    "INLINE_NODE_TYPES",
    "ENGINE_NODE_TYPES",
    "DISPATCH_SERVICES",
    "BRANCH_NODE_TYPES",
    "CONTAINER_NODE_TYPES",
    "RESPONSE_NODE_TYPES",
    "ROOT_NODE_TYPES",
    "CONTAINER_START_TYPES",
    "dispatch_service",
]

#: Pure node types executed inside ``advance``.
INLINE_NODE_TYPES = frozenset(
    {
        "start",
        "end",
        "answer",
        "template-transform",
        "if-else",
        "variable-aggregator",
        "variable-assigner",
        "assigner",
        "list-operator",
        "loop-end",
    }
)

#: Executed by the state machine itself: containers, their start nodes, and the run pause.
ENGINE_NODE_TYPES = frozenset({"iteration", "iteration-start", "loop", "loop-start", "human-input"})

#: Node types executed by another service, and which one.
DISPATCH_SERVICES: dict[str, str] = {
    "llm": "agent",
    "tool": "agent",
    "agent": "agent",
    "parameter-extractor": "agent",
    "question-classifier": "agent",
    "knowledge-retrieval": "rag",
    "knowledge-retrieval-v2": "rag",
    "code": "orchestrator",
    "http-request": "orchestrator",
    "document-extractor": "orchestrator",
}

#: Known but not executable (triggers are entry points of other run kinds; pipelines are not apps).
_NOT_YET = frozenset(
    {
        "trigger-webhook",
        "trigger-schedule",
        "trigger-plugin",
        "datasource",
        "knowledge-index",
    }
)

KNOWN_NODE_TYPES = INLINE_NODE_TYPES | ENGINE_NODE_TYPES | frozenset(DISPATCH_SERVICES) | _NOT_YET

BRANCH_NODE_TYPES = frozenset({"if-else", "question-classifier", "human-input"})
CONTAINER_NODE_TYPES = frozenset({"iteration", "loop"})
CONTAINER_START_TYPES = frozenset({"iteration-start", "loop-start"})
RESPONSE_NODE_TYPES = frozenset({"answer", "end"})
ROOT_NODE_TYPES = frozenset({"start", "trigger-webhook", "trigger-schedule", "trigger-plugin", "datasource"})


def dispatch_service(node_type: str) -> str | None:
    """The service that executes ``node_type``, or None when it runs inline or not at all."""
    return DISPATCH_SERVICES.get(node_type)
