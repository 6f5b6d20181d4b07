"""DSL parsing and validation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from riverflow.engine import DslError, parse_app, parse_graph

#: /work/shared, the sibling of the repository.
FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "dify-fixtures"


def require_shared() -> None:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared conformance corpus not found at {FIXTURES}")


def fixture_text(name: str) -> str:
    require_shared()
    return (FIXTURES / name).read_text(encoding="utf-8")


APP_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.yml") if p.name != "minimal_not_an_app.yml")
BARE_FIXTURES = sorted(p.name for p in (FIXTURES / "builder_restricted").glob("*.yml"))


@pytest.mark.parametrize("name", APP_FIXTURES)
def test_every_app_fixture_parses(name: str) -> None:
    app = parse_app(fixture_text(name))
    assert app.mode in ("workflow", "advanced-chat")
    assert app.is_runnable
    assert app.graph is not None and app.graph.nodes
    assert app.start_node() is not None
    assert app.raw["app"]["mode"] == app.mode


@pytest.mark.parametrize("name", BARE_FIXTURES)
def test_bare_graph_fixtures_parse_via_parse_graph(name: str) -> None:
    require_shared()
    raw = yaml.safe_load((FIXTURES / "builder_restricted" / name).read_text())
    with pytest.raises(DslError, match="Missing app data"):
        parse_app((FIXTURES / "builder_restricted" / name).read_text())
    app = parse_graph(raw)
    assert app.is_runnable and app.mode == "workflow"
    # Edges without id / sourceHandle get Dify's conventional defaults.
    assert all(e.source_handle == "source" and e.id for e in app.graph.edges)
    assert parse_app(app.source).graph == app.graph


def test_not_an_app_is_rejected() -> None:
    with pytest.raises(DslError) as err:
        parse_app(fixture_text("minimal_not_an_app.yml"))
    assert err.value.field == "app" and err.value.code == "invalid_dsl"


def test_fixture_details_are_preserved() -> None:
    app = parse_app(fixture_text("minimal_non_uuid_conversation_variable.yml"))
    assert app.conversation_variables[0]["id"] == "opt-comp-prompt-var"
    app = parse_app(fixture_text("simple_passthrough_workflow.yml"))
    assert app.name == "echo" and app.icon == "🤖"
    assert app.features["file_upload"]["enabled"] is False
    assert [v["variable"] for v in app.start_variables()] == ["query"]
    start = app.start_node()
    assert start is not None and start.model_extra["position"] == {"x": 30, "y": 227}
    assert parse_app(fixture_text("simple_passthrough_workflow.yml").encode()) is app  # cached


def _app(nodes: str, edges: str = "[]", mode: str = "workflow", kind: str = "app") -> str:
    return textwrap.dedent(
        f"""
        kind: {kind}
        version: 0.3.1
        app: {{name: t, mode: {mode}}}
        workflow:
          graph:
            nodes: {nodes}
            edges: {edges}
        """
    )


START = "{id: s, data: {type: start, title: S}}"
END = "{id: e, data: {type: end, outputs: []}}"


def test_minimal_valid_app() -> None:
    app = parse_app(_app(f"[{START}, {END}]", "[{source: s, target: e}]"))
    assert app.graph.edges[0].id == "s-source-e-target"


@pytest.mark.parametrize(
    ("text", "match", "node_id", "field"),
    [
        ("a: [1, 2", "invalid YAML", None, None),
        ("- 1\n- 2\n", "mapping", None, None),
        ("kind: app\nworkflow: {}\n", "Missing app data", None, "app"),
        ("app: {name: x}\n", "app.mode", None, "app.mode"),
        ("app: {name: x, mode: spaceship}\n", "unknown app mode", None, "app.mode"),
        ("kind: rag_pipeline\napp: {mode: workflow}\n", "rag_pipeline", None, "kind"),
        ("app: {mode: workflow}\nworkflow: {}\n", "workflow.graph", None, "workflow.graph"),
        (_app(f"[{START}, {{id: x1, data: {{type: teleport}}}}]"), "teleport", "x1", "data.type"),
        (_app(f"[{START}, {START}]"), "duplicate node id s", "s", "id"),
        (_app(f"[{END}]"), "no start node", None, None),
        (_app(f"[{START}, {END}]", "[{id: bad-edge, source: s, target: nowhere}]"), "bad-edge", None, None),
        (_app(f"[{START}, {{id: x, data: {{}}}}]"), "data.type", "x", "data.type"),
    ],
)
def test_invalid_dsl(text: str, match: str, node_id: str | None, field: str | None) -> None:
    with pytest.raises(DslError, match=match) as err:
        parse_app(text)
    if node_id is not None:
        assert err.value.node_id == node_id
    if field is not None:
        assert err.value.field == field


def test_cycle_names_a_node_on_the_cycle() -> None:
    nodes = f"[{START}, {{id: a, data: {{type: code}}}}, {{id: b, data: {{type: code}}}}, {END}]"
    edges = "[{source: s, target: a}, {source: a, target: b}, {source: b, target: a}, {source: b, target: e}]"
    with pytest.raises(DslError, match="cycle") as err:
        parse_app(_app(nodes, edges))
    assert err.value.node_id in ("a", "b")


def test_cycle_inside_a_container_is_allowed_and_notes_are_ignored() -> None:
    nodes = (
        f"[{START}, {{id: loop, data: {{type: loop}}}}, {{id: c1, parentId: loop, data: {{type: code}}}},"
        f" {{id: c2, parentId: loop, data: {{type: code}}}},"
        f" {{id: note, type: custom-note, data: {{type: ''}}}}]"
    )
    edges = "[{source: s, target: loop}, {source: c1, target: c2}, {source: c2, target: c1}]"
    app = parse_app(_app(nodes, edges))
    assert [n.id for n in app.graph.nodes] == ["s", "loop", "c1", "c2"]


@pytest.mark.parametrize("mode", ["chat", "agent-chat", "completion"])
def test_model_config_apps_parse_without_graph(mode: str) -> None:
    app = parse_app(f"app: {{name: x, mode: {mode}}}\nmodel_config: {{}}\n")
    assert app.graph is None and not app.is_runnable


def test_unknown_keys_are_preserved() -> None:
    text = _app("[{id: s, zz: 1, data: {type: start, weird: {a: 1}}}]", "[]")
    node = parse_app(text).graph.nodes[0]
    assert node.model_extra["zz"] == 1 and node.data.model_extra["weird"] == {"a": 1}
