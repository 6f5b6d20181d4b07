"""The gateway's ports: the run bus and the store (apps, runs, chat, accounts), each a small Protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from riverflow.contracts.events.v1 import RunEvent, RunRequested, RunResumeRequested, RunStopRequested
from riverflow.contracts.events.v1.suggestions import SuggestQuestionsReply, SuggestQuestionsRequest
from riverflow.gateway.account_records import (
    AccountRecord,
    MemberRecord,
    ProviderCredentialRecord,
    SessionRecord,
)
from riverflow.gateway.chat_records import (
    ConversationRecord,
    EndUserRecord,
    FeedbackRecord,
    FileRecord,
    MessageRecord,
)
from riverflow.gateway.generation_records import MessageOutcome
from riverflow.gateway.knowledge_port import DocumentFile, KnowledgeBackend
from riverflow.gateway.mcp_records import McpServerRecord
from riverflow.gateway.records import (
    ApiKeyRecord,
    AppRecord,
    DraftRecord,
    KeyGrant,
    NewApp,
    NodeExecutionRecord,
    RunQuery,
    RunRecord,
    VersionRecord,
    WorkspaceRecord,
)

__all__ = [
    "BusUnavailable",
    "RunQueueFull",
    "RunBus",
    "EventHandler",
    "AppStore",
    "RunStore",
    "ChatStore",
    "AccountStore",
    "McpServerStore",
    "Store",
    "Suggester",
    "CredentialMirror",
    "KnowledgeBackend",
    "DocumentFile",
]


class RunQueueFull(Exception):
    """The runs waiting for an orchestrator reached their limit: refuse, don't queue more."""


class BusUnavailable(Exception):
    """The bus did not take the request (broker down or not answering); nothing was started."""


#: Called once per run event by ``RunBus.consume_events``; raising means "deliver it again".
EventHandler = Callable[[RunEvent], Awaitable[None]]
#: Called with a run id when some gateway replica announced it recorded that run's end.
RecordedHandler = Callable[[str], None]


class RunBus(Protocol):
    """Sends run requests to whatever executes runs, and reads back their client-facing events."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish_run(self, request: RunRequested) -> None:
        """Hand the request over; publishing the same ``run_id`` twice starts one run."""
        ...

    async def publish_stop(self, stop: RunStopRequested) -> None:
        """Ask the run to stop (it ends ``stopped``); unknown or finished runs ignore it."""
        ...

    async def publish_resume(self, resume: RunResumeRequested) -> None:
        """Ask a failed run to run its failed nodes again; runs that did not fail ignore it."""
        ...

    async def last_seq(self, run_id: str) -> int:
        """The ``seq`` of the run's newest event still kept (0 when there is none)."""
        ...

    def events(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        """The run's events after ``seq`` ``after`` (0: from its first one), in ``seq`` order,
        ending after the next terminal event.

        Works however late it is called (before or after the run started or even finished).
        A resumed run goes on after its terminal event: pass the ``last_seq`` read before resuming.
        """
        ...

    async def consume_events(self, handler: EventHandler) -> None:
        """Deliver every run's events to ``handler`` at least once, surviving gateway restarts
        (the NATS bus uses a durable consumer shared by all gateway replicas)."""
        ...

    async def announce_recorded(self, run_id: str) -> None:
        """Tell every gateway replica that ``run_id``'s end is in the database (best effort)."""
        ...

    async def on_recorded(self, handler: RecordedHandler) -> None:
        """Call ``handler`` for each ``announce_recorded``, from any replica, from now on."""
        ...

    async def announce_grants_changed(self) -> None:
        """Tell every gateway process that a key, app or published version changed (best effort)."""
        ...

    async def on_grants_changed(self, handler: Callable[[], None]) -> None:
        """Call ``handler`` for each ``announce_grants_changed``, from any process, from now on."""
        ...


class AppStore(Protocol):
    """Workspaces, apps, drafts and versions, keys and console tokens."""

    async def ensure_workspace(self, name: str = "default") -> str: ...
    async def create_workspace(self, name: str) -> WorkspaceRecord: ...
    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord | None: ...
    async def create_app(self, new: NewApp) -> tuple[AppRecord, VersionRecord, ApiKeyRecord | None]: ...
    async def list_apps(self, workspace_id: str) -> list[AppRecord]:
        """Live (not deleted) apps, oldest first."""
        ...

    async def get_app(self, app_id: str) -> AppRecord | None:
        """The app, deleted ones included (their status says so)."""
        ...

    async def update_app(self, app_id: str, **fields: Any) -> AppRecord | None: ...
    async def delete_app(self, app_id: str) -> bool: ...
    async def published_version(self, app_id: str) -> VersionRecord | None: ...
    async def get_version(self, app_id: str, version_id: str) -> VersionRecord | None: ...
    async def list_versions(self, app_id: str) -> list[VersionRecord]:
        """Published versions, newest first."""
        ...

    async def publish(self, app_id: str, dsl: str) -> VersionRecord: ...
    async def get_draft(self, app_id: str) -> DraftRecord | None: ...
    async def save_draft(self, app_id: str, dsl: str) -> DraftRecord: ...
    async def create_api_key(
        self, *, type: str, workspace_id: str, app_id: str | None, key_hash: str, prefix: str
    ) -> ApiKeyRecord: ...
    async def find_key_grant(self, key_hash: str, type: str) -> KeyGrant | None:
        """The live (not revoked) key of that type with that hash, with its workspace and app (one
        read: every Service API request starts with it)."""
        ...

    async def list_api_keys(self, workspace_id: str, type: str, app_id: str | None) -> list[ApiKeyRecord]: ...
    async def revoke_api_key(self, key_id: str, workspace_id: str, app_id: str | None) -> bool: ...
    async def add_console_token(self, token_hash: str) -> None: ...
    async def has_console_tokens(self) -> bool: ...
    async def console_token_valid(self, token_hash: str) -> bool: ...


class RunStore(Protocol):
    """Workflow runs and their node executions."""

    async def create_run(self, run: RunRecord) -> None: ...
    async def finish_run(self, run: RunRecord) -> None:
        """Write the run's final fields (status, outputs, error, timings)."""
        ...

    async def get_run(self, app_id: str, run_id: str) -> RunRecord | None:
        """The run, only if it belongs to ``app_id``."""
        ...

    async def get_run_any(self, run_id: str) -> RunRecord | None: ...
    async def get_run_by_task(self, app_id: str, task_id: str) -> RunRecord | None: ...
    async def list_runs(self, app_id: str, query: RunQuery) -> tuple[list[RunRecord], int]:
        """A page of the app's runs, newest first, and the total matching ``query``."""
        ...

    async def save_run_writes(
        self, executions: Sequence[NodeExecutionRecord], finished: Sequence[RunRecord] = ()
    ) -> None:
        """In one transaction: insert each node execution, or replace the one with the same id
        (events may be delivered twice), then write each finished run's final fields as
        ``finish_run`` does. The run recorder batches what concurrent events wrote into one call."""
        ...

    async def list_node_executions(self, run_id: str) -> list[NodeExecutionRecord]: ...


class ChatStore(Protocol):
    """End users, conversations, messages, feedback and files; every read is scoped by app."""

    async def ensure_end_user(self, app_id: str, session_id: str) -> EndUserRecord: ...
    async def get_end_user(self, app_id: str, end_user_id: str) -> EndUserRecord | None: ...
    async def create_conversation(self, conversation: ConversationRecord) -> None: ...
    async def get_conversation(self, app_id: str, conversation_id: str) -> ConversationRecord | None: ...
    async def update_conversation(self, conversation: ConversationRecord) -> None: ...
    async def list_conversations(
        self, app_id: str, user: str, *, last_id: str | None, limit: int, sort_by: str, source: str = "api"
    ) -> tuple[list[ConversationRecord], bool]:
        """``user``'s conversations whose ``from_source`` is ``source`` (``api`` or ``console``): a page after
        ``last_id`` and whether more follow; raises LookupError for an unknown cursor."""
        ...

    async def delete_conversation(self, app_id: str, conversation_id: str) -> bool: ...
    async def create_message(self, message: MessageRecord) -> None: ...
    async def get_message(self, app_id: str, message_id: str) -> MessageRecord | None: ...
    async def get_message_by_run(self, run_id: str) -> MessageRecord | None: ...
    async def update_message(self, message: MessageRecord) -> None: ...
    async def list_messages(
        self, conversation_id: str, *, first_id: str | None, limit: int
    ) -> tuple[list[MessageRecord], bool]:
        """Up to ``limit`` messages before ``first_id`` (newest page first), oldest first in the page."""
        ...

    async def set_feedback(self, feedback: FeedbackRecord | None, message_id: str) -> None:
        """Store the message's feedback; None removes it."""
        ...

    async def get_feedback(self, message_id: str) -> FeedbackRecord | None: ...
    async def list_feedbacks(self, app_id: str, *, page: int, limit: int) -> list[FeedbackRecord]: ...
    async def create_file(self, file: FileRecord) -> None: ...
    async def get_file(self, file_id: str) -> FileRecord | None: ...


class AccountStore(Protocol):
    """Console accounts, memberships, login sessions and encrypted provider credentials."""

    async def create_account(self, email: str, name: str, password_hash: str) -> AccountRecord:
        """Raises ValueError when the e-mail is taken."""
        ...

    async def find_account(self, email: str) -> AccountRecord | None: ...
    async def get_account(self, account_id: str) -> AccountRecord | None: ...
    async def set_member(self, workspace_id: str, account_id: str, role: str) -> MemberRecord: ...
    async def get_member(self, workspace_id: str, account_id: str) -> MemberRecord | None: ...
    async def list_members(self, workspace_id: str) -> list[MemberRecord]: ...
    async def remove_member(self, workspace_id: str, account_id: str) -> bool: ...
    async def list_account_workspaces(self, account_id: str) -> list[tuple[WorkspaceRecord, str]]: ...
    async def create_session(
        self, token_hash: str, account_id: str, workspace_id: str, expires_at: float
    ) -> SessionRecord: ...
    async def find_session(self, token_hash: str) -> SessionRecord | None:
        """The live, unexpired session with that token hash."""
        ...

    async def switch_session(self, session_id: str, workspace_id: str) -> None: ...
    async def revoke_session(self, session_id: str) -> None: ...
    async def set_credentials(self, workspace_id: str, provider: str, sealed: bytes) -> None: ...
    async def get_credentials(self, workspace_id: str, provider: str) -> ProviderCredentialRecord | None: ...
    async def list_credentials(self, workspace_id: str) -> list[ProviderCredentialRecord]: ...
    async def delete_credentials(self, workspace_id: str, provider: str) -> bool: ...


class McpServerStore(Protocol):
    """Apps exposed as MCP servers: at most one per app, found by its URL code."""

    async def create_mcp_server(self, server: McpServerRecord) -> McpServerRecord:
        """Raises ValueError when the app has one already (or is unknown)."""
        ...

    async def get_mcp_server(self, app_id: str) -> McpServerRecord | None: ...
    async def find_mcp_server(self, server_code: str) -> McpServerRecord | None: ...
    async def update_mcp_server(self, app_id: str, /, **fields: Any) -> McpServerRecord | None:
        """Change ``status``, ``description``, ``parameters`` or ``server_code``; None if it has none."""
        ...


class Store(AppStore, RunStore, ChatStore, AccountStore, McpServerStore, Protocol):
    """Everything the gateway persists. Every method is one transaction: a failed call leaves
    nothing behind."""

    async def open_generation(
        self,
        run: RunRecord,
        *,
        conversation: ConversationRecord | None = None,
        new_conversation: bool = False,
        message: MessageRecord | None = None,
    ) -> None:
        """A generation's records at once: the conversation (created when ``new_conversation``,
        else its fields updated), the run and the message."""
        ...

    async def close_generation(self, outcome: MessageOutcome) -> None:
        """A message's end at once: its outcome, and its conversation's variables and
        ``updated_at`` (never moved back). A message or conversation of another app is left alone."""
        ...


class CredentialMirror(Protocol):
    """Where the agent service reads provider credentials (sealed): a JetStream KV bucket."""

    async def put(self, workspace_id: str, provider: str, sealed: bytes) -> None: ...

    async def delete(self, workspace_id: str, provider: str) -> None: ...


class Suggester(Protocol):
    """Whoever calls models (the agent service) suggests the questions to ask after an answer."""

    async def suggest(self, request: SuggestQuestionsRequest, timeout: float) -> SuggestQuestionsReply:
        """The reply; no answer within ``timeout`` seconds raises TimeoutError."""
        ...
