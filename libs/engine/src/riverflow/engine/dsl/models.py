"""Pydantic models of a Dify DSL export; unknown keys are kept everywhere."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

__all__ = ["NodeData", "Node", "Edge", "Graph", "AppDefinition", "RUNNABLE_MODES", "KNOWN_MODES"]

RUNNABLE_MODES = frozenset({"workflow", "advanced-chat"})
KNOWN_MODES = RUNNABLE_MODES | frozenset({"chat", "agent-chat", "completion"})


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class NodeData(_Open):
    """A node's ``data`` block; ``type`` is the node type, everything else is type specific."""

    type: str
    title: str = ""
    desc: str | None = None
    version: str | None = None
    error_strategy: str | None = None
    default_value: list[dict[str, Any]] | None = None
    retry_config: dict[str, Any] | None = None


class Node(_Open):
    """A canvas node (React-Flow shaped)."""

    id: str
    type: str = "custom"
    data: NodeData
    parent_id: str | None = Field(default=None, alias="parentId")

    @property
    def node_type(self) -> str:
        """The Dify node type (``data.type``)."""
        return self.data.type

    @property
    def container_id(self) -> str | None:
        """The iteration / loop this node belongs to, if any."""
        if self.parent_id:
            return self.parent_id
        extra = self.data.model_extra or {}
        if extra.get("isInIteration") and extra.get("iteration_id"):
            return str(extra["iteration_id"])
        if extra.get("isInLoop") and extra.get("loop_id"):
            return str(extra["loop_id"])
        return None


class Edge(_Open):
    """A directed edge; ``source_handle`` selects the source node's output port."""

    id: str
    source: str
    target: str
    source_handle: str = Field(default="source", alias="sourceHandle")
    target_handle: str = Field(default="target", alias="targetHandle")


class Graph(_Open):
    """The workflow graph: flat node list (containers included) and edges."""

    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None


class AppDefinition(BaseModel):
    """A parsed Dify app export. Shared between runs through the parse cache: never mutate it."""

    model_config = ConfigDict(frozen=True)

    name: str = ""
    mode: str
    description: str = ""
    icon: str | None = None
    icon_type: str | None = None
    icon_background: str | None = None
    version: str = "0.1.0"
    kind: str = "app"
    graph: Graph | None = None
    environment_variables: list[dict[str, Any]] = Field(default_factory=list)
    conversation_variables: list[dict[str, Any]] = Field(default_factory=list)
    features: dict[str, Any] = Field(default_factory=dict)
    dependencies: list[Any] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict)
    #: The DSL text this definition was parsed from (a synthetic export for bare graphs).
    source: str = ""

    _runtime: Any = PrivateAttr(default=None)

    @property
    def is_runnable(self) -> bool:
        """True for workflow and chatflow (advanced-chat) apps, which carry a graph."""
        return self.mode in RUNNABLE_MODES and self.graph is not None

    @property
    def is_chatflow(self) -> bool:
        """True for advanced-chat apps (answer / message events)."""
        return self.mode == "advanced-chat"

    def start_node(self) -> Node | None:
        """The top-level start node, if any."""
        if self.graph is None:
            return None
        for node in self.graph.nodes:
            if node.node_type == "start" and node.container_id is None:
                return node
        return None

    def start_variables(self) -> list[dict[str, Any]]:
        """The start node's declared input variables (raw dicts, in declaration order)."""
        start = self.start_node()
        if start is None:
            return []
        variables = (start.data.model_extra or {}).get("variables") or []
        return [v for v in variables if isinstance(v, dict) and v.get("variable")]
