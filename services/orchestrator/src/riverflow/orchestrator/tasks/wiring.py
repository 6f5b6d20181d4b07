"""Build the orchestrator's task executors from its settings."""

from __future__ import annotations

import os

from riverflow.orchestrator.settings import OrchestratorSettings
from riverflow.orchestrator.tasks.code_node import CodeNodeExecutor
from riverflow.orchestrator.tasks.code_outputs import OutputLimits
from riverflow.orchestrator.tasks.http_request.address_guard import AddressPolicy
from riverflow.orchestrator.tasks.http_request.executor import HttpLimits, HttpRequestExecutor
from riverflow.orchestrator.tasks.http_request.request import Timeouts
from riverflow.orchestrator.tasks.registry import TaskRegistry
from riverflow.orchestrator.tasks.sandbox.code_runner import CodeSandbox, default_node, default_python
from riverflow.orchestrator.tasks.sandbox.jail import SYSTEM_READABLE, Jail, JailConfig, SandboxLimits

__all__ = ["build_task_registry", "sandbox_from_settings"]


def sandbox_from_settings(settings: OrchestratorSettings) -> CodeSandbox:
    limits = SandboxLimits(
        timeout_seconds=settings.sandbox_timeout_seconds,
        cpu_seconds=settings.sandbox_cpu_seconds,
        memory_mb=settings.sandbox_memory_mb,
        max_processes=settings.sandbox_max_processes,
        max_open_files=settings.sandbox_max_open_files,
        max_file_mb=settings.sandbox_max_file_mb,
        max_output_bytes=settings.sandbox_max_output_bytes,
    )
    python = settings.sandbox_python or default_python()
    node = settings.sandbox_node or default_node()
    jail = Jail(
        JailConfig(
            limits=limits,
            launcher_python=python,
            readable=_install_roots(python, node),
            uid=settings.sandbox_uid,
            gid=settings.sandbox_gid,
            require_namespaces=settings.sandbox_require_namespaces,
            work_root=settings.sandbox_work_dir or None,
        )
    )
    return CodeSandbox(jail, python, node, settings.sandbox_max_concurrency)


def _install_roots(*interpreters: str) -> tuple[str, ...]:
    """Installation roots (``<root>/bin/<exe>``) of interpreters outside the system directories."""
    roots = []
    for exe in interpreters:
        root = os.path.dirname(os.path.dirname(os.path.realpath(exe)))
        if not any(root == d or root.startswith(d + "/") for d in SYSTEM_READABLE) and root not in roots:
            roots.append(root)
    return tuple(roots)


def build_task_registry(settings: OrchestratorSettings) -> TaskRegistry:
    """code → the sandbox, http-request → httpx behind the address guard."""
    outputs = OutputLimits(
        max_string_length=settings.code_max_string_length,
        max_number=settings.code_max_number,
        min_number=settings.code_min_number,
        max_precision=settings.code_max_precision,
        max_depth=settings.code_max_depth,
        max_string_array_length=settings.code_max_string_array_length,
        max_object_array_length=settings.code_max_object_array_length,
        max_number_array_length=settings.code_max_number_array_length,
    )
    http = HttpLimits(
        timeouts=Timeouts(
            connect=settings.http_max_connect_timeout,
            read=settings.http_max_read_timeout,
            write=settings.http_max_write_timeout,
        ),
        max_text_bytes=settings.http_max_text_bytes,
        max_binary_bytes=settings.http_max_binary_bytes,
        max_redirects=settings.http_max_redirects,
        ssl_verify=settings.http_ssl_verify,
    )
    policy = AddressPolicy(tuple(settings.http_allowed_hosts), settings.http_allow_private)
    return TaskRegistry(
        {
            "code": CodeNodeExecutor(sandbox_from_settings(settings), outputs),
            "http-request": HttpRequestExecutor(policy, http),
        }
    )
