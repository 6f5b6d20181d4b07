"""SQL for the sqlite-vec store: schema, the FTS5 query syntax, and metadata filters as ``json_extract``."""

from __future__ import annotations

import re
from typing import Any

from riverflow.rag.filters import Condition, MetadataFilter

__all__ = ["SCHEMA", "vector_table", "fts_query", "filter_sql"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    dataset_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    dim INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks (dataset_id, document_id);
-- rowid = chunks.rowid. Porter stemming over unicode61 words, as Lucene's English analyzer stems.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (
    text, keywords, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

_WORD = re.compile(r"\w+")


def vector_table(dim: int) -> str:
    """One vec0 table per dimension (datasets may use different embedding models), partitioned by dataset."""
    return f"vec_{int(dim)}"


def vector_table_ddl(dim: int) -> str:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {vector_table(dim)} USING vec0 ("
        f"dataset_id TEXT PARTITION KEY, embedding FLOAT[{int(dim)}] distance_metric=cosine)"
    )


def fts_query(text: str, column: str, stopwords: frozenset[str] = frozenset()) -> str | None:
    """Any query word may match (OR), each quoted so FTS5 operators in user text stay plain words."""
    words = dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in stopwords)
    if not words:
        return None
    return "{" + column + "} : (" + " OR ".join(f'"{w}"' for w in words) + ")"


def _path(name: str) -> str:
    # Condition names are validated as plain identifiers, so this quoting is safe.
    return f"json_extract(c.metadata, '$.{name}')"


def _condition(c: Condition, params: list[Any]) -> str:
    x = _path(c.name)
    op, v = c.op, c.value
    if op == "empty":
        return f"({x} IS NULL OR {x} = '')"
    if op == "not_empty":
        return f"({x} IS NOT NULL AND {x} != '')"
    if op == "eq":
        params.append(v)
        return f"({x} IS NOT NULL AND {x} = ?)"
    if op == "ne":
        params.append(v)
        return f"({x} IS NULL OR {x} != ?)"
    if op in ("gt", "gte", "lt", "lte"):
        params.append(float(v))
        sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"(json_type(c.metadata, '$.{c.name}') IN ('integer', 'real') AND {x} {sign} ?)"
    if op in ("in", "not_in"):
        params.extend(v)
        marks = ", ".join("?" for _ in v) or "NULL"
        if op == "in":
            return f"({x} IS NOT NULL AND {x} IN ({marks}))"
        return f"({x} IS NULL OR {x} NOT IN ({marks}))"
    params.append(str(v))
    text = f"CAST({x} AS TEXT)"
    if op == "contains":
        return f"({x} IS NOT NULL AND instr({text}, ?) > 0)"
    if op == "not_contains":
        return f"({x} IS NULL OR instr({text}, ?) = 0)"
    params.append(str(v))
    if op == "starts_with":
        return f"({x} IS NOT NULL AND substr({text}, 1, length(?)) = ?)"
    return f"({x} IS NOT NULL AND substr({text}, length({text}) - length(?) + 1) = ?)"


def filter_sql(flt: MetadataFilter | None, params: list[Any]) -> str:
    """A SQL boolean over ``chunks c`` equivalent to ``flt.matches(metadata)``; ``1`` when there is none."""
    if flt is None or not flt.conditions:
        return "1"
    joiner = " AND " if flt.logical_operator == "and" else " OR "
    return "(" + joiner.join(_condition(c, params) for c in flt.conditions) + ")"
