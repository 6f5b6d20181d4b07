"""Error strategy helpers: retry policy and default-value outputs (dify-dsl.md §1.3, §5)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["retry_policy", "default_outputs"]


def retry_policy(data: dict[str, Any]) -> tuple[int, float] | None:
    """``(max_retries, retry_interval_ms)`` when retries are enabled, else None."""
    config = data.get("retry_config") or {}
    if not config.get("retry_enabled"):
        return None
    try:
        max_retries = int(config.get("max_retries") or 0)
        interval = float(config.get("retry_interval") or 0)
    except (TypeError, ValueError):
        return None
    return (max_retries, interval) if max_retries > 0 else None


def _coerce(value: Any, value_type: str) -> Any:
    if not isinstance(value, str) or value_type == "string":
        return value
    if value_type == "number":
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def default_outputs(data: dict[str, Any]) -> dict[str, Any]:
    """The ``default_value`` entries as outputs (non-string types given as strings are parsed)."""
    outputs: dict[str, Any] = {}
    for item in data.get("default_value") or []:
        if isinstance(item, dict) and item.get("key"):
            outputs[str(item["key"])] = _coerce(item.get("value"), str(item.get("type") or "string"))
    return outputs
