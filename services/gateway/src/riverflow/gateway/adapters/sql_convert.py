"""Time conversions between records (Unix seconds) and SQL rows (UTC datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now", "ts", "dt"]


def now() -> datetime:
    return datetime.now(UTC)


def ts(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were written as UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)
