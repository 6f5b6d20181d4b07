"""freeze_startup exempts what exists from collections, and cycles made later are still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from riverflow.runtime.heap import THRESHOLDS, freeze_startup


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_startup_objects_are_frozen_and_thresholds_raised(restored_collector: None) -> None:
    before = gc.get_freeze_count()
    kept = [_Node() for _ in range(100)]
    freeze_startup()
    assert gc.get_freeze_count() >= before + len(kept)
    assert gc.get_threshold() == THRESHOLDS


def test_garbage_left_by_startup_is_collected_before_freezing(restored_collector: None) -> None:
    left = _cycle()
    freeze_startup()
    assert left() is None  # not frozen forever: collected first


def test_cycles_made_after_freezing_are_still_collected(restored_collector: None) -> None:
    freeze_startup()
    later = _cycle()
    gc.collect()
    assert later() is None
