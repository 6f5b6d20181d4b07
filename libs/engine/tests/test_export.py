"""DSL export: every importable fixture exports to Dify DSL that imports to the same app."""

from __future__ import annotations

import pytest
import yaml
from riverflow.engine import DslError, export_app, parse_app, parse_graph

from .test_dsl import APP_FIXTURES, BARE_FIXTURES, FIXTURES, fixture_text, require_shared


def _same(a, b) -> None:
    assert b.graph == a.graph
    assert (b.mode, b.name, b.description, b.icon) == (a.mode, a.name, a.description, a.icon)
    assert b.conversation_variables == a.conversation_variables
    assert b.environment_variables == a.environment_variables
    assert b.features == a.features and b.dependencies == a.dependencies


@pytest.mark.parametrize("name", APP_FIXTURES)
def test_app_fixture_round_trips(name: str) -> None:
    app = parse_app(fixture_text(name))
    exported = export_app(app)
    doc = yaml.safe_load(exported)
    assert doc["kind"] == "app" and doc["app"]["mode"] == app.mode and "graph" in doc["workflow"]
    again = parse_app(exported)
    _same(app, again)
    assert export_app(again) == exported  # a second round changes nothing


@pytest.mark.parametrize("name", BARE_FIXTURES)
def test_bare_graph_exports_as_an_app(name: str) -> None:
    require_shared()
    app = parse_graph(yaml.safe_load((FIXTURES / "builder_restricted" / name).read_text()))
    again = parse_app(export_app(app))
    _same(app, again)


def test_secrets_are_exported_empty_unless_asked() -> None:
    text = """
version: 0.3.1
kind: app
app: {name: s, mode: workflow}
workflow:
  environment_variables:
    - {name: KEY, value: sk-123, value_type: secret}
    - {name: URL, value: https://x, value_type: string}
  graph:
    nodes: [{id: start, data: {type: start, title: Start}}]
    edges: []
"""
    app = parse_app(text)
    plain = parse_app(export_app(app))
    assert [v["value"] for v in plain.environment_variables] == ["", "https://x"]
    full = parse_app(export_app(app, include_secrets=True))
    assert [v["value"] for v in full.environment_variables] == ["sk-123", "https://x"]


def test_not_an_app_is_refused_with_the_reason() -> None:
    with pytest.raises(DslError) as err:
        parse_app(fixture_text("minimal_not_an_app.yml"))
    assert "Missing app data" in err.value.message and "bare nodes/edges graph" in err.value.message
    assert err.value.field == "app"
