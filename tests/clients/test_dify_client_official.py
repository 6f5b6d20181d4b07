"""Dify's own PyPI SDK, ``dify-client==0.1.10`` (requests-based, hard-coded base URL), unmodified.

It installs the module ``dify_client`` like dify-client-python, so it runs in a virtual
environment of its own, made here with ``uv``; without the package index the test is skipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from dify_client import ChatClient, CompletionClient, DifyClient

    base, chat_key, completion_key = sys.argv[1:4]
    out = {}
    chat = ChatClient(chat_key)
    chat.base_url = base  # 0.1.10 has no constructor argument for it
    first = chat.create_chat_message(inputs={"name": "Old"}, query="hello", user="legacy")
    out["blocking"] = [first.status_code, first.json()]
    conversation_id = first.json()["conversation_id"]
    stream = chat.create_chat_message(inputs={}, query="again", user="legacy", response_mode="streaming",
                                      conversation_id=conversation_id)
    out["stream"] = [line.decode() for line in stream.iter_lines() if line.startswith(b"data: ")]
    messages = chat.get_conversation_messages("legacy", conversation_id=conversation_id)
    out["messages"] = [messages.status_code, [m["answer"] for m in messages.json()["data"]]]
    conversations = chat.get_conversations("legacy")
    out["conversations"] = [conversations.status_code, [c["id"] for c in conversations.json()["data"]]]
    renamed = chat.rename_conversation(conversation_id, "legacy chat", "legacy")
    out["renamed"] = [renamed.status_code, renamed.json()["name"]]
    feedback = chat.message_feedback(first.json()["message_id"], "like", "legacy")
    out["feedback"] = [feedback.status_code, feedback.json()]
    parameters = chat.get_application_parameters("legacy")
    out["parameters"] = [parameters.status_code, parameters.json()["opening_statement"]]
    upload = chat.file_upload("legacy", {"file": ("old.txt", b"old bytes", "text/plain")})
    out["upload"] = [upload.status_code, upload.json()["name"]]
    completion = CompletionClient(completion_key)
    completion.base_url = base
    failed = completion.create_completion_message(
        inputs={"query": "x"}, response_mode="blocking", user="legacy"
    )
    out["completion"] = [failed.status_code, failed.json()["code"]]
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def old_sdk_python(tmp_path_factory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: cannot build the separate environment dify-client 0.1.10 needs")
    venv = tmp_path_factory.mktemp("dify-client-0.1.10") / "venv"
    subprocess.run([uv, "venv", "-q", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "dify-client==0.1.10"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        pytest.skip(f"dify-client==0.1.10 could not be installed (offline?): {installed.stderr[-500:]}")
    return venv / "bin" / "python"


def test_official_sdk_0_1_10(live_gateway, old_sdk_python) -> None:
    ran = subprocess.run(
        [
            str(old_sdk_python),
            "-c",
            SCRIPT,
            live_gateway.v1,
            live_gateway.keys["greeting"],
            live_gateway.keys["completion"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    status, body = out["blocking"]
    assert status == 200 and body["answer"] == "Hello, Old: hello" and body["mode"] == "advanced-chat"
    frames = [json.loads(line[len("data: ") :]) for line in out["stream"]]
    assert "".join(f["answer"] for f in frames if f["event"] == "message") == "Hello, Old: again"
    assert frames[-2]["event"] == "message_end" and frames[-1]["event"] == "workflow_finished"
    assert out["messages"] == [200, ["Hello, Old: hello", "Hello, Old: again"]]
    assert out["conversations"] == [200, [body["conversation_id"]]]
    assert out["renamed"] == [200, "legacy chat"]
    assert out["feedback"] == [200, {"result": "success"}]
    assert out["parameters"] == [200, "Welcome!"]
    assert out["upload"] == [201, "old.txt"]
    assert out["completion"] == [400, "invalid_param"]  # no model wired: the run fails as Dify reports it
