"""The http-request node against a real local HTTP server: auth and body types, responses, limits,
timeouts, and the SSRF guard at work (private targets refused unless allowed, re-checked on
redirects; the address policy alone: test_tasks_http_address_guard)."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.engine.task_inputs import task_inputs
from riverflow.orchestrator.tasks.http_request.address_guard import AddressPolicy
from riverflow.orchestrator.tasks.http_request.executor import HttpLimits, HttpRequestExecutor
from riverflow.orchestrator.tasks.http_request.request import Timeouts
from riverflow.orchestrator.tasks.registry import TaskOutcome

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@dataclass
class Served:
    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    served: Served

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _reply(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        record = {
            "method": self.command,
            "path": url.path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": base64.b64encode(body).decode(),
        }
        self.served.requests.append(record)
        args = dict(query)
        if url.path.startswith("/status/"):
            self._reply(int(url.path.rsplit("/", 1)[1]), b"status body", "text/plain")
        elif url.path == "/big":
            self._reply(200, b"x" * int(args["n"]), "text/plain")
        elif url.path == "/file":
            self._reply(200, PNG, "image/png")
        elif url.path == "/report":
            self._reply(
                200, b"a,b\n1,2\n", "text/csv", {"Content-Disposition": 'attachment; filename="report.csv"'}
            )
        elif url.path == "/slow":
            time.sleep(float(args["s"]))
            self._reply(200, b"late", "text/plain")
        elif url.path == "/redirect":
            self._reply(302, b"", "text/plain", {"Location": args["to"]})
        else:
            self._reply(200, json.dumps(record).encode(), "application/json")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def _serve(host: str) -> Iterator[Served]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    served = Served(server)
    handler.served = served
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()


@pytest.fixture
def server() -> Iterator[Served]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def other_server() -> Iterator[Served]:
    """A second loopback server that the allow-list does not cover."""
    yield from _serve("127.0.0.2")


ALLOW_LOCAL = AddressPolicy(allowed_hosts=("127.0.0.1",))


@pytest.fixture
async def executor() -> Iterator[HttpRequestExecutor]:
    executor = HttpRequestExecutor(ALLOW_LOCAL, HttpLimits(max_text_bytes=4096, max_binary_bytes=8192))
    yield executor
    await executor.aclose()


POOL: dict[str, dict[str, Any]] = {
    "sys": {"user_id": "alice"},
    "start": {"path": "a b", "q": "x&y", "token": "s3cret", "n": [1, 2.5], "obj": {"k": "v"}},
    "env": {"api_key": "env-key"},
}


def _file(data: bytes, name: str, mime: str) -> dict[str, Any]:
    return {
        "dify_model_identity": "__dify__file__",
        "type": "document",
        "transfer_method": "local_file",
        "filename": name,
        "mime_type": mime,
        "url": f"data:{mime};base64,{base64.b64encode(data).decode()}",
    }


def _task(**data: Any) -> NodeTaskRequested:
    data = {
        "type": "http-request",
        "method": "get",
        "headers": "",
        "params": "",
        "authorization": {"type": "no-auth"},
        "body": {"type": "none", "data": []},
        **data,
    }
    pool = {**POOL, "start": {**POOL["start"], "doc": _file(b"hello file", "doc.txt", "text/plain")}}
    run_id = uuid.uuid4().hex
    return NodeTaskRequested(
        run_id=run_id,
        node_id="http",
        node_type="http-request",
        idempotency_key=f"{run_id}:http:1",
        data=data,
        inputs=task_inputs("http-request", data, pool),
        at=time.time(),
    )


def _echo(outcome: TaskOutcome) -> dict[str, Any]:
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["status_code"] == 200
    return json.loads(outcome.outputs["body"])


async def test_get_with_templated_url_params_and_headers(
    executor: HttpRequestExecutor, server: Served
) -> None:
    outcome = await executor.execute(
        _task(
            url=server.base + "/echo/{{#start.token#}}",
            params="q: {{#start.q#}}\nq: two\nempty:\nnums: {{#start.n#}}",
            headers="X-Trace: {{#sys.user_id#}}\nX-Obj: {{#start.obj#}}\nX-Missing: {{#start.nope#}}",
        )
    )
    echo = _echo(outcome)
    assert echo["method"] == "GET" and echo["path"] == "/echo/s3cret"
    assert echo["query"] == [["q", "x&y"], ["q", "two"], ["empty", ""], ["nums", "[1, 2.5]"]]
    assert echo["headers"]["x-trace"] == "alice"
    assert echo["headers"]["x-obj"] == '{"k": "v"}'
    assert echo["headers"]["x-missing"] == "start.nope"  # Dify keeps a missing reference's path
    assert outcome.outputs["headers"]["content-type"] == "application/json"
    assert outcome.outputs["files"] == []
    assert outcome.process_data is not None and outcome.process_data["request"].startswith(
        "GET /echo/s3cret?q=x%26y"
    )


@pytest.mark.parametrize(
    ("config", "header", "value"),
    [
        ({"type": "bearer", "api_key": "{{#env.api_key#}}"}, "authorization", "Bearer env-key"),
        (
            {"type": "basic", "api_key": "user:pa ss"},
            "authorization",
            "Basic " + base64.b64encode(b"user:pa ss").decode(),
        ),
        ({"type": "basic", "api_key": "dXNlcjpwdw=="}, "authorization", "Basic dXNlcjpwdw=="),
        ({"type": "custom", "header": "X-Api-Key", "api_key": "{{#start.token#}}"}, "x-api-key", "s3cret"),
    ],
)
async def test_api_key_authorization(
    executor: HttpRequestExecutor, server: Served, config: dict, header: str, value: str
) -> None:
    outcome = await executor.execute(
        _task(url=server.base + "/echo", authorization={"type": "api-key", "config": config})
    )
    assert _echo(outcome)["headers"][header] == value
    assert value not in outcome.process_data["request"]  # the credential is masked in the request log


def _body_of(echo: dict[str, Any]) -> bytes:
    return base64.b64decode(echo["body"])


async def test_json_body(executor: HttpRequestExecutor, server: Served) -> None:
    body = {"type": "json", "data": [{"type": "text", "value": '{"path": "{{#start.path#}}", "n": 1}'}]}
    echo = _echo(await executor.execute(_task(method="POST", url=server.base + "/echo", body=body)))
    assert echo["headers"]["content-type"] == "application/json"
    assert json.loads(_body_of(echo)) == {"path": "a b", "n": 1}


async def test_raw_text_body_and_legacy_string_data(executor: HttpRequestExecutor, server: Served) -> None:
    for data in ([{"type": "text", "value": "hi {{#start.token#}}"}], "hi {{#start.token#}}"):
        body = {"type": "raw-text", "data": data}
        echo = _echo(await executor.execute(_task(method="put", url=server.base + "/echo", body=body)))
        assert echo["method"] == "PUT" and _body_of(echo) == b"hi s3cret"


async def test_urlencoded_body(executor: HttpRequestExecutor, server: Served) -> None:
    body = {
        "type": "x-www-form-urlencoded",
        "data": [
            {"key": "a", "type": "text", "value": "{{#start.q#}}"},
            {"key": "b", "type": "text", "value": "2"},
        ],
    }
    echo = _echo(await executor.execute(_task(method="post", url=server.base + "/echo", body=body)))
    assert echo["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(_body_of(echo).decode()) == [("a", "x&y"), ("b", "2")]


async def test_form_data_with_text_and_file(executor: HttpRequestExecutor, server: Served) -> None:
    body = {
        "type": "form-data",
        "data": [
            {"key": "note", "type": "text", "value": "{{#start.token#}}"},
            {"key": "upload", "type": "file", "file": ["start", "doc"]},
        ],
    }
    echo = _echo(
        await executor.execute(
            _task(
                method="post", url=server.base + "/echo", body=body, headers="Content-Type: application/json"
            )
        )
    )
    assert echo["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    raw = _body_of(echo)
    assert b'name="note"\r\n\r\ns3cret' in raw
    assert b'name="upload"; filename="doc.txt"' in raw and b"hello file" in raw


async def test_binary_body(executor: HttpRequestExecutor, server: Served) -> None:
    body = {"type": "binary", "data": [{"type": "file", "file": ["start", "doc"]}]}
    echo = _echo(await executor.execute(_task(method="post", url=server.base + "/echo", body=body)))
    assert _body_of(echo) == b"hello file"


async def test_file_response_becomes_a_file_output(executor: HttpRequestExecutor, server: Served) -> None:
    outcome = await executor.execute(_task(url=server.base + "/file"))
    assert outcome.status == "succeeded"
    assert outcome.outputs["body"] == ""
    [file] = outcome.outputs["files"]
    assert file["mime_type"] == "image/png" and file["type"] == "image" and file["size"] == len(PNG)
    assert base64.b64decode(file["url"].split(",", 1)[1]) == PNG
    outcome = await executor.execute(_task(url=server.base + "/report"))
    [file] = outcome.outputs["files"]
    assert file["filename"] == "report.csv" and outcome.outputs["body"] == ""


async def test_non_2xx_is_a_failure_only_with_an_error_strategy_or_retry(
    executor: HttpRequestExecutor, server: Served
) -> None:
    plain = await executor.execute(_task(url=server.base + "/status/404"))
    assert plain.status == "succeeded" and plain.outputs["status_code"] == 404
    assert plain.outputs["body"] == "status body"
    for extra in (
        {"error_strategy": "default-value"},
        {"retry_config": {"retry_enabled": True, "max_retries": 2}},
    ):
        caught = await executor.execute(_task(url=server.base + "/status/503", **extra))
        assert caught.status == "failed" and caught.error_type == "HTTPResponseCodeError"
        assert caught.error == "Request failed with status code 503"
        assert caught.outputs["status_code"] == 503


async def test_response_size_limits(executor: HttpRequestExecutor, server: Served) -> None:
    ok = await executor.execute(_task(url=server.base + "/big?n=4096"))
    assert ok.status == "succeeded" and len(ok.outputs["body"]) == 4096
    too_big = await executor.execute(_task(url=server.base + "/big?n=5000"))
    assert too_big.error_type == "ResponseSizeError"
    assert too_big.error == "Text size is too large, max size is 0.00 MB, but current size is 4.88 KB."
    huge = await executor.execute(_task(url=server.base + "/big?n=100000"))
    assert huge.error_type == "ResponseSizeError" and "max size is 0.01 MB" in str(huge.error)


async def test_timeouts(server: Served) -> None:
    executor = HttpRequestExecutor(ALLOW_LOCAL, HttpLimits(timeouts=Timeouts(connect=2, read=0.5, write=2)))
    try:
        started = time.monotonic()
        outcome = await executor.execute(_task(url=server.base + "/slow?s=3", timeout={"read": 30}))
        assert time.monotonic() - started < 2.5  # the node's 30 s is capped at the server's 0.5 s
        assert outcome.error_type == "HttpRequestNodeError" and "ReadTimeout" in str(outcome.error)
    finally:
        await executor.aclose()


@pytest.mark.parametrize(
    ("data", "error_type", "message"),
    [
        ({"method": "fetch", "url": "http://x"}, "InvalidHttpMethodError", "Invalid http method fetch"),
        ({"url": "ftp://example.com/x"}, "InvalidURLError", "url should start with http:// or https://"),
        ({"url": ""}, "InvalidURLError", "url is required"),
        (
            {"url": "http://x", "body": {"type": "json", "data": [{"type": "text", "value": "{nope"}]}},
            "RequestBodyError",
            "Failed to parse JSON: {nope",
        ),
        (
            {"url": "http://x", "authorization": {"type": "api-key"}},
            "AuthorizationConfigError",
            "authorization config is required",
        ),
        (
            {"url": "http://x", "body": {"type": "raw-text", "data": []}},
            "RequestBodyError",
            "raw-text body type should have exactly one item",
        ),
    ],
)
async def test_bad_configuration_fails_with_difys_error_types(
    executor: HttpRequestExecutor, data: dict, error_type: str, message: str
) -> None:
    outcome = await executor.execute(_task(**data))
    assert (outcome.status, outcome.error_type, outcome.error) == ("failed", error_type, message)


# -- SSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]"])
async def test_loopback_is_refused_without_the_allow_list(server: Served, host: str) -> None:
    executor = HttpRequestExecutor(AddressPolicy())
    try:
        port = server.server.server_address[1]
        outcome = await executor.execute(_task(url=f"http://{host}:{port}/echo"))
    finally:
        await executor.aclose()
    assert (outcome.status, outcome.error_type) == ("failed", "RequestNotAllowedError"), outcome.error
    assert "is denied" in str(outcome.error)
    assert server.requests == []


async def test_redirects_are_checked_again(
    executor: HttpRequestExecutor, server: Served, other_server: Served
) -> None:
    inside = await executor.execute(_task(url=server.base + "/redirect?to=/echo"))
    assert _echo(inside)["path"] == "/echo"
    outcome = await executor.execute(_task(url=f"{server.base}/redirect?to={other_server.base}/echo"))
    assert outcome.error_type == "RequestNotAllowedError"
    assert "127.0.0.2" in str(outcome.error)
    assert other_server.requests == []
