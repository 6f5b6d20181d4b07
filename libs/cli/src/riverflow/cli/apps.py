"""``riverflow apps import FILE``: upload a Dify DSL to the gateway's console API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

__all__ = ["register", "import_app", "DEFAULT_GATEWAY", "resolve_token"]

DEFAULT_GATEWAY = "http://127.0.0.1:5001"
#: The file the gateway writes its generated console token to (``GATEWAY_DATA_DIR``/console-token).
TOKEN_FILE = "console-token"


def register(subparsers: argparse._SubParsersAction) -> None:
    apps = subparsers.add_parser("apps", help="manage apps on a running gateway")
    actions = apps.add_subparsers(dest="apps_command", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="import a Dify DSL (YAML) file as a new app")
    imp.add_argument("file", type=Path, help="the DSL file (.yml)")
    imp.add_argument(
        "--gateway",
        default=os.environ.get("RIVERFLOW_GATEWAY_URL", DEFAULT_GATEWAY),
        help="gateway base URL (env RIVERFLOW_GATEWAY_URL; default %(default)s)",
    )
    imp.add_argument(
        "--token", default=None, help="console token (else RIVERFLOW_CONSOLE_TOKEN, else the file)"
    )
    imp.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("GATEWAY_DATA_DIR", ".riverflow")),
        help="where the gateway wrote console-token (default %(default)s)",
    )
    imp.set_defaults(func=import_app)


def resolve_token(explicit: str | None, data_dir: Path) -> str | None:
    """``--token``, else ``RIVERFLOW_CONSOLE_TOKEN``, else ``<data_dir>/console-token``."""
    if explicit:
        return explicit
    if os.environ.get("RIVERFLOW_CONSOLE_TOKEN"):
        return os.environ["RIVERFLOW_CONSOLE_TOKEN"]
    path = data_dir / TOKEN_FILE
    return path.read_text().strip() if path.exists() else None


def import_app(args: argparse.Namespace) -> int:
    """Exit codes: 0 imported, 2 refused by the gateway (4xx) or bad local input, 1 otherwise."""
    try:
        text = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    token = resolve_token(args.token, args.data_dir)
    if token is None:
        print(
            "error: no console token: pass --token, set RIVERFLOW_CONSOLE_TOKEN, "
            f"or run where {args.data_dir / TOKEN_FILE} exists",
            file=sys.stderr,
        )
        return 2
    url = args.gateway.rstrip("/") + "/console/api/apps/import"
    try:
        response = httpx.post(
            url,
            content=text,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-yaml"},
            timeout=60,
        )
    except httpx.HTTPError as exc:
        print(f"error: cannot reach the gateway at {args.gateway}: {exc}", file=sys.stderr)
        return 1
    if response.status_code >= 400:
        try:
            message = response.json().get("message") or response.text
        except ValueError:
            message = response.text
        print(f"error: {message}", file=sys.stderr)
        return 2 if response.status_code < 500 else 1
    body = response.json()
    print(f"app_id: {body['id']}")
    print(f"name: {body.get('name', '')}")
    print(f"mode: {body.get('mode', '')}")
    print(f"api_key: {body['api_key']}")
    print("(the API key is shown only once)", file=sys.stderr)
    return 0
