"""Dify DSL: models, node type catalogue and the parser."""

from riverflow.engine.dsl.exporter import export_app
from riverflow.engine.dsl.models import AppDefinition, Edge, Graph, Node, NodeData
from riverflow.engine.dsl.parser import parse_app, parse_graph, validate_graph

__all__ = [
    "AppDefinition",
    "Edge",
    "Graph",
    "Node",
    "NodeData",
    "export_app",
    "parse_app",
    "parse_graph",
    "validate_graph",
]
