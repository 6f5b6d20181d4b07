"""dify-oapi2 1.1.2 (builders, raw byte streams), unmodified, against a gateway process:
conversations, messages, variables, feedback, app info, parameters, meta and site."""

from __future__ import annotations

import pytest
from dify_oapi.api.chat.v1.model.chat_request import ChatRequest
from dify_oapi.api.chat.v1.model.chat_request_body import ChatRequestBody
from dify_oapi.api.chat.v1.model.delete_conversation_request import DeleteConversationRequest
from dify_oapi.api.chat.v1.model.delete_conversation_request_body import DeleteConversationRequestBody
from dify_oapi.api.chat.v1.model.get_conversation_list_request import GetConversationsListRequest
from dify_oapi.api.chat.v1.model.get_conversation_variables_request import GetConversationVariablesRequest
from dify_oapi.api.chat.v1.model.message_history_request import GetMessageHistoryRequest
from dify_oapi.api.chat.v1.model.rename_conversation_request import RenameConversationRequest
from dify_oapi.api.chat.v1.model.rename_conversation_request_body import RenameConversationRequestBody
from dify_oapi.api.dify.v1.model.get_info_request import GetInfoRequest
from dify_oapi.api.dify.v1.model.get_meta_request import GetMetaRequest
from dify_oapi.api.dify.v1.model.get_parameters_request import GetParametersRequest
from dify_oapi.api.dify.v1.model.get_site_request import GetSiteRequest
from dify_oapi.api.dify.v1.model.submit_feedback_request import SubmitFeedbackRequest
from dify_oapi.api.dify.v1.model.submit_feedback_request_body import SubmitFeedbackRequestBody
from dify_oapi.client import Client
from dify_oapi.core.model.request_option import RequestOption

pytestmark = pytest.mark.integration


@pytest.fixture
def oapi(live_gateway):
    client = Client.builder().domain(live_gateway.base_url).build()
    option = RequestOption.builder().api_key(live_gateway.keys["greeting"]).build()
    return client.chat.v1, option


def _chat(api, option, query: str, **body):
    builder = (
        ChatRequestBody.builder()
        .query(query)
        .inputs(body.pop("inputs", {}))
        .user("olga")
        .response_mode("blocking")
    )
    if "conversation_id" in body:
        builder = builder.conversation_id(body["conversation_id"])
    response = api.chat.chat(ChatRequest.builder().request_body(builder.build()).build(), option)
    assert response.success and response.raw.status_code == 200, response.msg
    return response


def test_conversations_messages_and_variables(oapi) -> None:
    api, option = oapi
    first = _chat(api, option, "one", inputs={"name": "Olga"})
    second = _chat(api, option, "two", conversation_id=first.conversation_id)
    assert second.answer == "Hello, Olga: two"
    listed = api.conversation.list(
        GetConversationsListRequest.builder().user("olga").limit(10).build(), option
    )
    assert listed.success and [c.id for c in listed.data] == [first.conversation_id]
    history = api.conversation.history(
        GetMessageHistoryRequest.builder().conversation_id(first.conversation_id).user("olga").build(), option
    )
    assert history.success and [m.query for m in history.data] == ["one", "two"]
    variables = api.conversation.variables(
        GetConversationVariablesRequest.builder().conversation_id(first.conversation_id).user("olga").build(),
        option,
    )
    assert variables.success and variables.data[0].name == "greeting" and variables.data[0].value == "Hello"
    renamed = api.conversation.rename(
        RenameConversationRequest.builder()
        .conversation_id(first.conversation_id)
        .request_body(RenameConversationRequestBody.builder().name("renamed").user("olga").build())
        .build(),
        option,
    )
    assert renamed.success and renamed.id == first.conversation_id and b"renamed" in renamed.raw.content
    deleted = api.conversation.delete(
        DeleteConversationRequest.builder()
        .conversation_id(first.conversation_id)
        .request_body(DeleteConversationRequestBody.builder().user("olga").build())
        .build(),
        option,
    )
    assert deleted.raw.status_code == 204
    again = api.conversation.list(GetConversationsListRequest.builder().user("olga").build(), option)
    assert again.data == []


def test_feedback_and_app_info(oapi) -> None:
    api, option = oapi
    reply = _chat(api, option, "rate me")
    feedback = api.feedback.submit(
        SubmitFeedbackRequest.builder()
        .message_id(reply.message_id)
        .request_body(SubmitFeedbackRequestBody.builder().rating("like").user("olga").build())
        .build(),
        option,
    )
    assert feedback.success and feedback.raw.status_code == 200
    info = api.app.get(GetInfoRequest.builder().user("olga").build(), option)
    assert info.success and info.name == "greeting" and info.tags == []
    parameters = api.app.parameters(GetParametersRequest.builder().user("olga").build(), option)
    assert parameters.success and parameters.opening_statement == "Welcome!"
    assert parameters.raw.status_code == 200
    meta = api.app.meta(GetMetaRequest.builder().build(), option)
    assert meta.success and meta.raw.status_code == 200
    site = api.app.site(GetSiteRequest.builder().build(), option)
    assert site.success and site.title == "greeting"


def test_errors_and_raw_streams(live_gateway) -> None:
    client = Client.builder().domain(live_gateway.base_url).build()
    bad = RequestOption.builder().api_key("app-invalid").build()
    info = client.chat.v1.app.get(GetInfoRequest.builder().user("x").build(), bad)
    assert not info.success and info.code == "unauthorized" and info.raw.status_code == 401
    option = RequestOption.builder().api_key(live_gateway.keys["chatflow"]).build()
    body = ChatRequestBody.builder().query("raw").inputs({}).user("olga").response_mode("streaming").build()
    chunks = b"".join(
        client.chat.v1.chat.chat(ChatRequest.builder().request_body(body).build(), option, stream=True)
    )
    frames = [line for line in chunks.decode().split("\n\n") if line.startswith("data: ")]
    assert '"event":"message_end"' in frames[-2] and '"answer":"raw"' in "".join(frames)
