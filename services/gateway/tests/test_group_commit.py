"""Group commit: writes submitted together share one commit; a failed commit fails every writer of
its batch, or, with ``retry_alone``, only the writes that fail on their own."""

from __future__ import annotations

import asyncio

import pytest
from riverflow.gateway.group_commit import GroupCommit


class Ledger:
    """A commit that takes a moment (as a transaction does) and refuses a batch holding ``poison``."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.committed: list[int] = []

    async def commit(self, batch: list[int]) -> None:
        self.batches.append(list(batch))
        await asyncio.sleep(0.01)
        if -1 in batch:
            raise ValueError("refused")
        self.committed += batch


async def test_writes_made_while_a_commit_is_in_flight_share_the_next_one() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.commit)
    first = asyncio.ensure_future(group.submit(0))
    await asyncio.sleep(0.001)  # the first commit is in flight
    await asyncio.gather(first, *(group.submit(i) for i in range(1, 11)))
    assert ledger.batches == [[0], list(range(1, 11))]
    assert ledger.committed == list(range(11))


async def test_a_failed_commit_fails_every_writer_of_its_batch() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.commit)
    outcomes = await asyncio.gather(*(group.submit(i) for i in (1, -1, 2)), return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert ledger.committed == []
    await group.submit(3)  # later writes go on
    assert ledger.committed == [3]


async def test_retry_alone_fails_only_the_write_that_fails_on_its_own() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.commit, retry_alone=True)
    outcomes = await asyncio.gather(*(group.submit(i) for i in (1, -1, 2)), return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    assert ledger.batches == [[1, -1, 2], [1], [-1], [2]]
    assert ledger.committed == [1, 2]


async def test_a_lone_write_goes_out_at_once() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.commit, retry_alone=True)
    with pytest.raises(ValueError):
        await group.submit(-1)
    assert ledger.batches == [[-1]]  # tried once: alone already
