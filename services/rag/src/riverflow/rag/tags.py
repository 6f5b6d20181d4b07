"""Knowledge tags: a workspace's labels for datasets, bound and unbound, and filtering datasets by them."""

from __future__ import annotations

import uuid
from typing import Any

from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import load_dataset
from riverflow.rag.db import TagBindingRow, TagRow
from riverflow.rag.errors import KnowledgeError, invalid_param
from sqlalchemy import delete, func, select

__all__ = ["TagService", "tags_of"]


def _tag_not_found() -> KnowledgeError:
    return KnowledgeError("not_found", "Tag not found", 404)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid_param("Tag name must be 1 to 50 characters.")
    return name


async def tags_of(session: Any, dataset_ids: list[str]) -> dict[str, list[TagRow]]:
    """The tags bound to each dataset, by name."""
    out: dict[str, list[TagRow]] = {}
    if dataset_ids:
        rows = await session.execute(
            select(TagBindingRow.dataset_id, TagRow)
            .join(TagRow, TagRow.id == TagBindingRow.tag_id)
            .where(TagBindingRow.dataset_id.in_(dataset_ids))
            .order_by(TagRow.name)
        )
        for dataset_id, tag in rows.all():
            out.setdefault(dataset_id, []).append(tag)
    return out


class TagService:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    async def list(self, workspace_id: str) -> list[tuple[TagRow, int]]:
        """The workspace's tags with their binding counts."""
        async with self._c.sessions() as session:
            rows = await session.execute(
                select(TagRow, func.count(TagBindingRow.dataset_id))
                .outerjoin(TagBindingRow, TagBindingRow.tag_id == TagRow.id)
                .where(TagRow.workspace_id == workspace_id)
                .group_by(TagRow.id)
                .order_by(TagRow.created_at.desc(), TagRow.name)
            )
            return [(tag, int(count)) for tag, count in rows.all()]

    async def _name_taken(self, session: Any, workspace_id: str, name: str, tag_id: str = "") -> bool:
        found = await session.scalar(
            select(TagRow.id).where(
                TagRow.workspace_id == workspace_id, TagRow.name == name, TagRow.id != tag_id
            )
        )
        return found is not None

    async def create(self, workspace_id: str, user: str, name: str) -> TagRow:
        name = _check_name(name)
        async with self._c.sessions() as session:
            if await self._name_taken(session, workspace_id, name):
                raise invalid_param("Tag name already exists")
            tag = TagRow(
                id=str(uuid.uuid4()),
                workspace_id=workspace_id,
                name=name,
                type="knowledge",
                created_by=user,
                created_at=self._c.now(),
            )
            session.add(tag)
            await session.commit()
            return tag

    async def _tag(self, session: Any, workspace_id: str, tag_id: str) -> TagRow:
        tag = await session.get(TagRow, tag_id)
        if tag is None or tag.workspace_id != workspace_id:
            raise _tag_not_found()
        return tag

    async def rename(self, workspace_id: str, tag_id: str, name: str) -> tuple[TagRow, int]:
        name = _check_name(name)
        async with self._c.sessions() as session:
            tag = await self._tag(session, workspace_id, tag_id)
            if await self._name_taken(session, workspace_id, name, tag.id):
                raise invalid_param("Tag name already exists")
            tag.name = name
            await session.commit()
            count = await session.scalar(select(func.count()).where(TagBindingRow.tag_id == tag.id))
            return tag, int(count or 0)

    async def delete(self, workspace_id: str, tag_id: str) -> None:
        async with self._c.sessions() as session:
            tag = await self._tag(session, workspace_id, tag_id)
            await session.execute(delete(TagBindingRow).where(TagBindingRow.tag_id == tag.id))
            await session.delete(tag)
            await session.commit()

    async def bind(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None:
        """Bind the workspace's tags among ``tag_ids`` (others are ignored, as in Dify) to the dataset."""
        if not tag_ids:
            raise invalid_param("tag_ids must not be empty")
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            mine = set(
                (
                    await session.scalars(
                        select(TagRow.id).where(
                            TagRow.workspace_id == workspace_id, TagRow.id.in_(set(tag_ids))
                        )
                    )
                ).all()
            )
            bound = set(
                (
                    await session.scalars(
                        select(TagBindingRow.tag_id).where(TagBindingRow.dataset_id == dataset.id)
                    )
                ).all()
            )
            now = self._c.now()
            session.add_all(
                TagBindingRow(tag_id=t, dataset_id=dataset.id, created_at=now) for t in sorted(mine - bound)
            )
            await session.commit()

    async def unbind(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None:
        if not tag_ids:
            raise invalid_param("tag_ids must not be empty")
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            await session.execute(
                delete(TagBindingRow).where(
                    TagBindingRow.dataset_id == dataset.id, TagBindingRow.tag_id.in_(set(tag_ids))
                )
            )
            await session.commit()

    async def of_dataset(self, workspace_id: str, dataset_id: str) -> list[TagRow]:
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            return (await tags_of(session, [dataset.id])).get(dataset.id, [])
