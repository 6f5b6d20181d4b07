"""Event payload helpers."""

from __future__ import annotations

import uuid

import pytest
from riverflow.engine.payloads import stable_id

_PARTS = [("run", "node", 1), ("x",), ("r", "it#0/inner#2", "n", 3, "retry"), ("é", "ü")]


@pytest.mark.parametrize("parts", _PARTS)
def test_stable_id_is_uuid5_of_the_joined_parts(parts: tuple[object, ...]) -> None:
    expected = uuid.uuid5(uuid.NAMESPACE_URL, "riverflow:" + ":".join(str(p) for p in parts))
    assert stable_id(*parts) == str(expected)
