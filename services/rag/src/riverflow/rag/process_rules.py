"""Dify's ``process_rule`` and ``doc_form``: validated, with Dify's defaults, resolved for the splitter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from riverflow.rag.cleaning import PRE_PROCESSING_RULES
from riverflow.rag.errors import invalid_param
from riverflow.rag.splitting import AUTOMATIC, CHILD_DEFAULT, PARENT_DEFAULT, Segmentation

__all__ = ["ResolvedRule", "resolve_process_rule", "DOC_FORMS", "AUTOMATIC_RULE"]

DOC_FORMS = ("text_model", "hierarchical_model")
AUTOMATIC_RULE: dict[str, Any] = {
    "mode": "automatic",
    "rules": {
        "pre_processing_rules": [
            {"id": "remove_extra_spaces", "enabled": True},
            {"id": "remove_urls_emails", "enabled": False},
        ],
        "segmentation": {
            "separator": "\n",
            "max_tokens": AUTOMATIC.max_tokens,
            "chunk_overlap": AUTOMATIC.chunk_overlap,
        },
    },
}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Seg(_Lenient):
    separator: str = ""
    # Dify's UI also sends the separator as "delimiter".
    delimiter: str = ""
    max_tokens: int = Field(default=0, ge=0)
    chunk_overlap: int = Field(default=0, ge=0)

    def to(self, default: Segmentation) -> Segmentation:
        return Segmentation(
            self.separator or self.delimiter or default.separator,
            self.max_tokens or default.max_tokens,
            self.chunk_overlap,
        ).validated()


class _PreRule(_Lenient):
    id: str
    enabled: bool = False


class _Rules(_Lenient):
    pre_processing_rules: list[_PreRule] = Field(default_factory=list)
    segmentation: _Seg | None = None
    parent_mode: Literal["paragraph", "full-doc", ""] = ""
    subchunk_segmentation: _Seg | None = None


class _Rule(_Lenient):
    mode: Literal["automatic", "custom", "hierarchical", ""] = ""
    rules: _Rules | None = None


@dataclass(frozen=True)
class ResolvedRule:
    doc_form: str
    cleaning: frozenset[str]
    segmentation: Segmentation
    child: Segmentation | None = None
    parent_mode: Literal["paragraph", "full-doc"] = "paragraph"


def resolve_process_rule(rule: dict[str, Any] | None, doc_form: str) -> tuple[dict[str, Any], ResolvedRule]:
    """The rule as stored (Dify's JSON, defaults filled in) and as the pipeline uses it.

    Raises ``KnowledgeError`` (400 ``invalid_param``) with the offending field.
    """
    try:
        parsed = _Rule.model_validate(rule or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise invalid_param(f"process_rule.{field}: {first['msg']}") from None
    mode = parsed.mode or ("hierarchical" if doc_form == "hierarchical_model" else "automatic")
    doc_form = doc_form or ("hierarchical_model" if mode == "hierarchical" else "text_model")
    if doc_form not in DOC_FORMS:
        raise invalid_param(
            f"doc_form must be one of {list(DOC_FORMS)} (qa_model needs a model and is not supported)"
        )
    if (mode == "hierarchical") != (doc_form == "hierarchical_model"):
        raise invalid_param(
            "process_rule.mode 'hierarchical' goes with doc_form 'hierarchical_model', and only with it"
        )
    if mode != "automatic" and parsed.rules is None:
        raise invalid_param(f"process_rule.rules is required in {mode} mode")
    rules = (
        parsed.rules
        if mode != "automatic" and parsed.rules is not None
        else _Rules.model_validate(AUTOMATIC_RULE["rules"])
    )
    unknown = {r.id for r in rules.pre_processing_rules} - PRE_PROCESSING_RULES
    if unknown:
        raise invalid_param(f"unknown pre_processing_rules id {sorted(unknown)[0]!r}")
    cleaning = frozenset(r.id for r in rules.pre_processing_rules if r.enabled)
    try:
        if mode == "hierarchical":
            parent_mode = rules.parent_mode or "paragraph"
            segmentation = (rules.segmentation or _Seg()).to(PARENT_DEFAULT)
            child = (rules.subchunk_segmentation or _Seg()).to(CHILD_DEFAULT)
            resolved = ResolvedRule(doc_form, cleaning, segmentation, child, parent_mode)  # type: ignore[arg-type]
        else:
            resolved = ResolvedRule(doc_form, cleaning, (rules.segmentation or _Seg()).to(AUTOMATIC))
    except ValueError as exc:
        raise invalid_param(f"process_rule.rules.{exc}") from None
    stored: dict[str, Any] = {
        "mode": mode,
        "rules": {
            "pre_processing_rules": [{"id": r.id, "enabled": r.enabled} for r in rules.pre_processing_rules],
            "segmentation": _seg_json(resolved.segmentation),
        },
    }
    if resolved.child is not None:
        stored["rules"]["parent_mode"] = resolved.parent_mode
        stored["rules"]["subchunk_segmentation"] = _seg_json(resolved.child)
    return stored, resolved


def _seg_json(s: Segmentation) -> dict[str, Any]:
    return {"separator": s.separator, "max_tokens": s.max_tokens, "chunk_overlap": s.chunk_overlap}
