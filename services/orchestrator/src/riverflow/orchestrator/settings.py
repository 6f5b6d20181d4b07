"""Orchestrator settings (env prefix ``ORCHESTRATOR_``; NATS and telemetry sections shared)."""

from __future__ import annotations

from typing import Annotated

from pydantic import field_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["OrchestratorSettings"]


class OrchestratorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore")

    #: Runs whose folded state stays in memory (a miss costs one read of the run's log).
    state_cache_size: int = 2048
    #: Inbox messages one replica works on at once; the rest wait in JetStream.
    max_workers: int = 32
    #: Port of the /healthz and /readyz endpoint; 0 turns it off.
    health_port: int = 0

    # -- node tasks the orchestrator executes itself (code, http-request) ------------------------
    #: Node tasks one replica executes at once (sandboxed programs, HTTP requests).
    task_workers: int = 8
    #: Largest NodeTaskResult published, in bytes of JSON; 0 = the bus's max_payload less 64 KiB.
    #: A bigger result fails the node with a clear error instead of failing to publish.
    task_result_max_bytes: int = 0

    # -- code sandbox (defaults follow Dify's sandbox) --------------------------------------------
    #: Wall-clock limit of one program (Dify's sandbox WORKER_TIMEOUT).
    sandbox_timeout_seconds: float = 15.0
    #: CPU-time limit (RLIMIT_CPU) of one program.
    sandbox_cpu_seconds: int = 15
    #: Memory of one program: RLIMIT_AS for Python, V8 heap and RLIMIT_DATA for Node.
    sandbox_memory_mb: int = 512
    #: RLIMIT_NPROC: processes and threads (Node needs about 8).
    sandbox_max_processes: int = 32
    sandbox_max_open_files: int = 64
    #: RLIMIT_FSIZE: the largest file a program may write.
    sandbox_max_file_mb: int = 16
    #: Cap of a program's result (stdout) and of its prints (stderr), each.
    sandbox_max_output_bytes: int = 8 * 1024 * 1024
    #: Programs running at once in one replica (each may use ``sandbox_memory_mb``).
    sandbox_max_concurrency: int = 4
    #: Uid/gid programs run as when the orchestrator runs as root (65534 = nobody; 0 = stay root,
    #: which also disables the process limit: the kernel does not enforce RLIMIT_NPROC for root).
    sandbox_uid: int = 65534
    sandbox_gid: int = 65534
    #: Refuse to run code when user/network namespaces are unavailable (else: run, and log loudly).
    sandbox_require_namespaces: bool = True
    #: Interpreters ("" = a system python3 / node from PATH) and the parent of work directories.
    sandbox_python: str = ""
    sandbox_node: str = ""
    sandbox_work_dir: str = ""

    # -- code output checks (Dify's CODE_* settings and defaults) ---------------------------------
    code_max_string_length: int = 400_000
    code_max_number: int = 9_223_372_036_854_775_807
    code_min_number: int = -9_223_372_036_854_775_808
    code_max_precision: int = 20
    code_max_depth: int = 5
    code_max_string_array_length: int = 30
    code_max_object_array_length: int = 30
    code_max_number_array_length: int = 1000

    # -- http-request node --------------------------------------------------------------------------
    #: Hosts (names, ``*.domain`` wildcards, IPs, CIDRs) that may be reached although not public;
    #: comma-separated in the environment. Everything private/loopback/link-local is refused otherwise.
    http_allowed_hosts: Annotated[list[str], NoDecode] = []
    #: Allow every private, loopback and link-local address (development only).
    http_allow_private: bool = False
    #: Maxima of a node's timeouts, in seconds (Dify's HTTP_REQUEST_MAX_*_TIMEOUT).
    http_max_connect_timeout: float = 10.0
    http_max_read_timeout: float = 60.0
    http_max_write_timeout: float = 20.0
    #: Response size limits (Dify's HTTP_REQUEST_NODE_MAX_TEXT_SIZE / _MAX_BINARY_SIZE).
    http_max_text_bytes: int = 1024 * 1024
    http_max_binary_bytes: int = 10 * 1024 * 1024
    http_max_redirects: int = 10
    #: Default of a node's ``ssl_verify`` (Dify's HTTP_REQUEST_NODE_SSL_VERIFY).
    http_ssl_verify: bool = True

    @field_validator("http_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
