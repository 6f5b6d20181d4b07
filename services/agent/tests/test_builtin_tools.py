"""Built-in tools and the SSRF guard of outbound HTTP."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from riverflow.agent.adapters.http_fetch import HttpFetcher, check_address
from riverflow.agent.ports import ToolError
from riverflow.agent.tools.builtin import BuiltinToolProvider, json_filter

NOON = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def tools() -> BuiltinToolProvider:
    return BuiltinToolProvider(clock=lambda: NOON)


async def test_current_time_in_a_zone_and_format(tools: BuiltinToolProvider) -> None:
    assert (await tools.invoke("current_time", {})).text == "2025-06-01 12:00:00"
    tokyo = await tools.invoke("current_time", {"timezone": "Asia/Tokyo", "format": "%H:%M %Z"})
    assert tokyo.text == "21:00 JST"
    with pytest.raises(ToolError, match="time zone"):
        await tools.invoke("current_time", {"timezone": "Mars/Olympus"})


@pytest.mark.parametrize(
    ("expression", "expected"), [("2*(3+4)", "14"), ("sqrt(16) + 1", "5.0"), ("max(3, 9) % 4", "1")]
)
async def test_calculator(tools: BuiltinToolProvider, expression: str, expected: str) -> None:
    assert (await tools.invoke("eval_expression", {"expression": expression})).text == expected


@pytest.mark.parametrize("expression", ["__import__('os')", "9**9**9", "open('/etc/passwd')", "().__class__"])
async def test_calculator_refuses_unsafe_expressions(tools: BuiltinToolProvider, expression: str) -> None:
    with pytest.raises(ToolError):
        await tools.invoke("eval_expression", {"expression": expression})


async def test_json_and_text_utilities(tools: BuiltinToolProvider) -> None:
    doc = json.dumps({"a": {"b": [{"c": 1}, {"c": 2}]}})
    assert (await tools.invoke("json_parse", {"json_string": doc, "json_filter": "$.a.b[1].c"})).text == "2"
    parsed = await tools.invoke("json_parse", {"json_string": doc})
    assert parsed.json == [{"a": {"b": [{"c": 1}, {"c": 2}]}}]
    with pytest.raises(ToolError, match="invalid JSON"):
        await tools.invoke("json_parse", {"json_string": "{nope"})
    with pytest.raises(ToolError):
        json_filter({"a": 1}, "b")
    found = await tools.invoke("regex_extract", {"content": "a1 b22 c333", "expression": r"\d+"})
    assert json.loads(found.text) == ["1", "22", "333"]
    assert (await tools.invoke("word_count", {"text": "one two  three"})).json == [
        {"words": 3, "characters": 14}
    ]


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254", "::1", "0.0.0.0",
                "::ffff:127.0.0.1", "fd00::1", "100.64.0.1"]
)  # fmt: skip
def test_private_and_local_addresses_are_refused(address: str) -> None:
    with pytest.raises(ToolError, match="private or local"):
        check_address(address)


def test_public_addresses_pass() -> None:
    check_address("93.184.216.34")
    check_address("2606:4700:4700::1111")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/x", "http://localhost/", "http://[::1]/", "file:///etc/passwd", "ftp://a/b",
            "http://169.254.169.254/latest/meta-data"]
)  # fmt: skip
async def test_http_tools_refuse_local_targets(tools: BuiltinToolProvider, url: str) -> None:
    with pytest.raises(ToolError, match="refused"):
        await tools.invoke("http_get", {"url": url})


async def test_fetcher_allows_named_hosts_only(mock_server) -> None:  # noqa: ANN001
    host = mock_server.base_url.split("//")[1].split("/")[0]
    allowed = HttpFetcher(allow_hosts=frozenset({host}))
    result = await allowed.request("GET", mock_server.base_url + "/models")
    assert result.status == 200 and result.json["object"] == "list"
    with pytest.raises(ToolError):
        await HttpFetcher().request("GET", mock_server.base_url + "/models")
