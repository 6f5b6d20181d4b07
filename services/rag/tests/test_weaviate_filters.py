"""The Weaviate adapter's filter translation (its searches: the conformance suite, with WEAVIATE_URL)."""

from __future__ import annotations

from riverflow.rag.filters import Condition, MetadataFilter
from riverflow.rag.stores.weaviate import collection_name
from riverflow.rag.stores.weaviate_filters import to_weaviate


def test_conditions_become_property_filters_on_prefixed_names() -> None:
    flt = MetadataFilter((Condition("year", "gt", 2020), Condition("lang", "eq", "en")), "or")
    built = to_weaviate(flt)
    assert type(built).__name__ == "_FilterOr"
    left, right = built.filters
    assert (left.target, left.operator.name, left.value) == ("m_year", "GREATER_THAN", 2020.0)
    assert (right.target, right.operator.name, right.value) == ("m_lang", "EQUAL", "en")
    assert to_weaviate(None) is None


def test_collection_names_are_valid_and_stable() -> None:
    name = collection_name("7c8a2b7e-0000-4000-8000-000000000000")
    assert name == collection_name("7c8a2b7e-0000-4000-8000-000000000000")
    assert name[0].isupper() and name.replace("_", "").isalnum()
