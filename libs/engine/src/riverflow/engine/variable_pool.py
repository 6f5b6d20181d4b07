"""Variable pool: ``{owner: {name: value}}`` addressed by selectors ``[owner, name, *path]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["MISSING", "SYSTEM_NAMESPACES", "lookup", "has_value"]

#: Owners that are namespaces rather than node ids.
SYSTEM_NAMESPACES = frozenset({"sys", "env", "conversation"})


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


#: Returned by ``lookup`` for a selector that resolves to nothing (distinct from a JSON null).
MISSING: Any = _Missing()


def lookup(pool: dict[str, dict[str, Any]], selector: Sequence[str]) -> Any:
    """Resolve ``selector`` in ``pool``; extra segments read object keys (or file attributes).

    Returns ``MISSING`` when any step is absent; an explicit ``None`` value is returned as None.
    """
    if len(selector) < 2:
        return MISSING
    scope = pool.get(str(selector[0]))
    if scope is None or str(selector[1]) not in scope:
        return MISSING
    value = scope[str(selector[1])]
    for key in selector[2:]:
        if isinstance(value, dict) and str(key) in value:
            value = value[str(key)]
        else:
            return MISSING
    return value


def has_value(pool: dict[str, dict[str, Any]], selector: Sequence[str]) -> bool:
    """True when ``selector`` resolves (even to None)."""
    return lookup(pool, selector) is not MISSING
