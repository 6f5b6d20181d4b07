"""Template parsing and the markdown / plain-text renderings."""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.engine import parse_template, render_template, to_markdown, to_text

POOL = {
    "n1": {
        "s": "hi",
        "obj": {"a": 1, "é": "ü"},
        "arr": ["a", "é"],
        "nums": [1, 2.5],
        "empty": [],
        "num": 3,
        "none": None,
    },
    "sys": {"query": "q?"},
}


def test_parse_template_segments() -> None:
    segs = parse_template("a{{#n1.s#}}b{{#sys.query#}}")
    assert [(s.text, s.selector) for s in segs] == [
        ("a", None),
        (None, ("n1", "s")),
        ("b", None),
        (None, ("sys", "query")),
    ]
    # Ids with '-' cannot be referenced; a path segment may not start with a digit.
    assert [s.selector for s in parse_template("{{#retrieval-v2.result#}}{{#n1.1x#}}")] == [None]


@pytest.mark.parametrize(
    ("value", "markdown", "text"),
    [
        ("s", "s", "s"),
        (3, "3", "3"),
        (None, "", ""),
        ({"a": 1, "é": "ü"}, '{\n  "a": 1,\n  "é": "ü"\n}', '{"a": 1, "é": "ü"}'),
        (["a", "é"], "- a\n- é", '["a", "é"]'),
        ([1, 2.5], "- 1\n- 2.5", "[1, 2.5]"),
        ([], "", ""),
    ],
)
def test_renderings(value: Any, markdown: str, text: str) -> None:
    assert to_markdown(value) == markdown
    assert to_text(value) == text


def test_render_template_with_missing_reference_keeps_the_path() -> None:
    assert render_template("x={{#n1.obj#}} y={{#n1.nums#}}", POOL) == 'x={"a": 1, "é": "ü"} y=[1, 2.5]'
    assert render_template("{{#n1.arr#}}", POOL, markdown=True) == "- a\n- é"
    assert render_template("[{{#gone.out#}}]", POOL) == "[gone.out]"
    assert render_template("{{#n1.obj.a#}}|{{#n1.none#}}|", POOL) == "1||"
