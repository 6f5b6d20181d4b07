"""Dify's ``RetrievalModel`` validated into what the retriever needs (``RetrievalSpec``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from riverflow.rag.errors import invalid_param
from riverflow.rag.filters import MetadataFilter, from_dify
from riverflow.rag.ports import Fusion

__all__ = [
    "RetrievalSpec",
    "SearchMethod",
    "parse_retrieval_model",
    "DEFAULT_RETRIEVAL_MODEL",
    "DEFAULT_TOP_K",
]

SearchMethod = Literal["semantic_search", "full_text_search", "hybrid_search", "keyword_search"]
DEFAULT_TOP_K = 4
#: Hybrid defaults, chosen on SciFact's train queries (bench/README.md).
DEFAULT_FUSION: Fusion = "weighted_score"
DEFAULT_VECTOR_WEIGHT = 0.7
_WEIGHT_TYPES = {"semantic_first": 0.7, "keyword_first": 0.3}
#: What a dataset gets when it is created without a retrieval model (Dify's default: semantic).
DEFAULT_RETRIEVAL_MODEL: dict[str, Any] = {
    "search_method": "semantic_search",
    "reranking_enable": False,
    "reranking_mode": None,
    "reranking_model": {"reranking_provider_name": "", "reranking_model_name": ""},
    "weights": None,
    "top_k": DEFAULT_TOP_K,
    "score_threshold_enabled": False,
    "score_threshold": None,
}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Rerank(_Lenient):
    reranking_provider_name: str = ""
    reranking_model_name: str = ""


class _Weights(_Lenient):
    weight_type: str = ""
    vector_setting: dict[str, Any] = Field(default_factory=dict)
    keyword_setting: dict[str, Any] = Field(default_factory=dict)


class _Filtering(_Lenient):
    logical_operator: str = "and"
    conditions: list[dict[str, Any]] = Field(default_factory=list)


class _Model(_Lenient):
    search_method: SearchMethod | Literal[""] = ""
    reranking_enable: bool = False
    reranking_mode: Literal["reranking_model", "weighted_score", "reciprocal_rank_fusion", ""] | None = None
    reranking_model: _Rerank | None = None
    top_k: int = Field(default=0, ge=0, le=100)
    score_threshold_enabled: bool = False
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    weights: _Weights | None = None
    metadata_filtering_conditions: _Filtering | None = None


@dataclass(frozen=True)
class RetrievalSpec:
    search_method: SearchMethod = "semantic_search"
    top_k: int = DEFAULT_TOP_K
    score_threshold: float | None = None
    fusion: Fusion = DEFAULT_FUSION
    vector_weight: float = DEFAULT_VECTOR_WEIGHT
    #: (provider, model) of a rerank model, when reranking is on.
    rerank: tuple[str, str] | None = None
    filter: MetadataFilter | None = None


def parse_retrieval_model(
    raw: dict[str, Any] | None, fallback: dict[str, Any] | None = None
) -> RetrievalSpec:
    """``raw`` (the request's) over ``fallback`` (the dataset's); raises 400 ``invalid_param``."""
    merged = {**(fallback or {}), **{k: v for k, v in (raw or {}).items() if v is not None}}
    try:
        m = _Model.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise invalid_param(f"retrieval_model.{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    fusion: Fusion = DEFAULT_FUSION
    if m.reranking_mode == "reciprocal_rank_fusion":
        fusion = "reciprocal_rank_fusion"
    vector_weight = DEFAULT_VECTOR_WEIGHT
    if m.weights is not None:
        if m.weights.weight_type in _WEIGHT_TYPES:
            vector_weight = _WEIGHT_TYPES[m.weights.weight_type]
        elif "vector_weight" in m.weights.vector_setting:
            try:
                vector_weight = float(m.weights.vector_setting["vector_weight"])
            except (TypeError, ValueError):
                raise invalid_param(
                    "retrieval_model.weights.vector_setting.vector_weight must be a number"
                ) from None
            if not 0.0 <= vector_weight <= 1.0:
                raise invalid_param(
                    "retrieval_model.weights.vector_setting.vector_weight must be between 0 and 1"
                )
    rerank = None
    if m.reranking_enable and (m.reranking_mode in (None, "", "reranking_model")):
        r = m.reranking_model or _Rerank()
        if not r.reranking_model_name:
            raise invalid_param(
                "retrieval_model.reranking_model.reranking_model_name is required when reranking is enabled"
            )
        rerank = (r.reranking_provider_name, r.reranking_model_name)
    try:
        flt = (
            from_dify(
                m.metadata_filtering_conditions.logical_operator, m.metadata_filtering_conditions.conditions
            )
            if m.metadata_filtering_conditions
            else None
        )
    except ValueError as exc:
        raise invalid_param(f"retrieval_model.metadata_filtering_conditions: {exc}") from None
    return RetrievalSpec(
        search_method=m.search_method or "semantic_search",
        top_k=m.top_k or DEFAULT_TOP_K,
        score_threshold=m.score_threshold if m.score_threshold_enabled else None,
        fusion=fusion,
        vector_weight=vector_weight,
        rerank=rerank,
        filter=flt,
    )
