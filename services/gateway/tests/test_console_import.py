"""POST /console/api/apps/import in its three body shapes, invalid DSL, and the app listing."""

from __future__ import annotations

import json

import pytest

PASSTHROUGH = "simple_passthrough_workflow.yml"


def _auth(gateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {gateway.console_token}"}


async def _assert_app_created(gateway, response) -> dict:
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "echo" and body["mode"] == "workflow"
    assert body["api_key"].startswith("app-")
    run = await gateway.run(body["api_key"], {"inputs": {"query": "hi"}, "user": "u"})
    assert run.json()["data"]["outputs"] == {"query": "hi"}
    return body


@pytest.mark.parametrize(
    "content_type", ["application/x-yaml", "text/plain", "application/octet-stream", None]
)
async def test_import_raw_yaml(gateway, content_type) -> None:
    headers = _auth(gateway) | ({"Content-Type": content_type} if content_type else {})
    text = gateway.fixture_text(PASSTHROUGH)
    response = await gateway.client.post("/console/api/apps/import", content=text.encode(), headers=headers)
    await _assert_app_created(gateway, response)


@pytest.mark.parametrize("extra", [{}, {"mode": "yaml-content"}])
async def test_import_json_yaml_content(gateway, extra) -> None:
    payload = {"yaml_content": gateway.fixture_text(PASSTHROUGH), **extra}
    response = await gateway.client.post("/console/api/apps/import", json=payload, headers=_auth(gateway))
    await _assert_app_created(gateway, response)


async def test_import_multipart_file(gateway) -> None:
    files = {"file": ("echo.yml", gateway.fixture_text(PASSTHROUGH).encode(), "application/x-yaml")}
    response = await gateway.client.post("/console/api/apps/import", files=files, headers=_auth(gateway))
    await _assert_app_created(gateway, response)


def _broken_graph(gateway, mutate) -> str:
    import yaml

    doc = yaml.safe_load(gateway.fixture_text(PASSTHROUGH))
    mutate(doc)
    return yaml.safe_dump(doc)


def _invalid_documents(gateway) -> dict[str, tuple[str, str]]:
    """name -> (DSL text, a word the message must contain)."""
    nodes = lambda d: d["workflow"]["graph"]["nodes"]  # noqa: E731
    edges = lambda d: d["workflow"]["graph"]["edges"]  # noqa: E731
    return {
        "not yaml": ("app: [unclosed", "YAML"),
        "not a mapping": ("- just\n- a list\n", "mapping"),
        "no app block": ("kind: app\nversion: 0.3.1\n", "app"),
        "no mode": ("app:\n  name: x\n", "mode"),
        "unknown mode": ("app:\n  name: x\n  mode: spaceship\n", "spaceship"),
        "rag pipeline": ("kind: rag_pipeline\napp:\n  mode: workflow\n", "rag_pipeline"),
        "no graph": ("app:\n  name: x\n  mode: workflow\n", "graph"),
        "unknown node type": (
            _broken_graph(gateway, lambda d: nodes(d)[1]["data"].update(type="warp-drive")),
            "warp-drive",
        ),
        "edge to nowhere": (
            _broken_graph(gateway, lambda d: edges(d)[0].update(target="ghost")),
            "ghost",
        ),
        "node without type": (
            _broken_graph(gateway, lambda d: nodes(d)[1]["data"].pop("type")),
            "1754154034161",
        ),
        "no start node": (_broken_graph(gateway, lambda d: nodes(d)[0]["data"].update(type="end")), "start"),
        "empty": ("", "empty"),
    }


async def test_every_invalid_dsl_kind_is_400_and_stores_nothing(gateway) -> None:
    before = await gateway.row_counts()
    for name, (text, needle) in _invalid_documents(gateway).items():
        for send in ("raw", "json"):
            if send == "raw":
                response = await gateway.client.post(
                    "/console/api/apps/import", content=text.encode(), headers=_auth(gateway)
                )
            else:
                response = await gateway.client.post(
                    "/console/api/apps/import", json={"yaml_content": text}, headers=_auth(gateway)
                )
            assert response.status_code == 400, (name, response.text)
            body = response.json()
            assert body["code"] == "invalid_dsl" and body["status"] == 400, name
            assert needle.lower() in body["message"].lower(), (name, body["message"])
    assert await gateway.row_counts() == before


async def test_bad_import_bodies(gateway) -> None:
    cases = [
        dict(content=b"{broken", headers={"Content-Type": "application/json"}),
        dict(json={"mode": "yaml-url", "yaml_url": "http://example.invalid/x.yml"}),
        dict(json={"mode": "yaml-content"}),
        dict(json=["not", "an", "object"]),
    ]
    for case in cases:
        headers = _auth(gateway) | case.pop("headers", {})
        response = await gateway.client.post("/console/api/apps/import", headers=headers, **case)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_param"
    no_file = await gateway.client.post(
        "/console/api/apps/import", files={"other": ("x", b"y")}, headers=_auth(gateway)
    )
    assert no_file.status_code == 400 and no_file.json()["code"] == "no_file_uploaded"


async def test_list_and_get_apps(gateway) -> None:
    first = await gateway.import_app(PASSTHROUGH)
    second = await gateway.import_app("conditional_hello_branching_workflow.yml")
    listing = await gateway.client.get("/console/api/apps", headers=_auth(gateway))
    assert listing.status_code == 200
    data = listing.json()["data"]
    assert [a["id"] for a in data] == [first["id"], second["id"]]
    assert all("api_key" not in a for a in data)
    one = await gateway.client.get(f"/console/api/apps/{second['id']}", headers=_auth(gateway))
    assert one.json()["name"] == "if-else" and one.json()["workflow_id"] == second["workflow_id"]
    missing = await gateway.client.get("/console/api/apps/nope", headers=_auth(gateway))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert json.dumps(listing.json()).find(first["api_key"]) == -1
