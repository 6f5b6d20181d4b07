"""Parsers (real files made here), Dify's cleaning rules, chunking by tokens, process-rule validation."""

from __future__ import annotations

import json

import pytest
from riverflow.rag.cleaning import clean_text
from riverflow.rag.embedding.minilm_weights import load_tokenizer
from riverflow.rag.errors import KnowledgeError
from riverflow.rag.parsing import ParseError, UnsupportedFileType, parse_document
from riverflow.rag.process_rules import resolve_process_rule
from riverflow.rag.splitting import Segmentation, TextChunker

from .knowledge_calls import docx_bytes, pdf_bytes


@pytest.fixture(scope="module")
def chunker() -> TextChunker:
    return TextChunker(load_tokenizer(None))


def test_pdf_and_docx_text_comes_out_in_order() -> None:
    pdf = parse_document(pdf_bytes(["First page paragraph.", "Second paragraph here."]), "x.PDF")
    assert pdf.index("First page paragraph.") < pdf.index("Second paragraph here.")
    text = parse_document(docx_bytes(["Alpha.", "Beta."]), "notes.docx")
    assert text.split("\n\n") == ["Field notes", "Alpha.", "Beta.", "glacier | retreating"]


def test_html_csv_json_markdown_and_encodings() -> None:
    html = (
        b"<html><head><script>var x=1;</script><style>p{}</style></head>"
        b"<body><h1>Title</h1><p>Body&nbsp;text</p></body></html>"
    )
    text = parse_document(html, "page.html")
    assert "Title" in text and "Body" in text and "var x" not in text and "<p>" not in text
    assert (
        parse_document(b"name,age\nAda,36\nAlan,41\n", "people.csv")
        == "name: Ada;age: 36\nname: Alan;age: 41"
    )
    assert json.loads(parse_document(b'{"a": [1, 2]}', "d.json")) == {"a": [1, 2]}
    french = "# Été\n\nL'été à Paris, où les élèves déjeunent près de la rivière, est très agréable."
    assert (
        parse_document(french.encode("utf-16"), "f.md") == french
    )  # not UTF-8: detected by charset-normalizer
    with pytest.raises(UnsupportedFileType):
        parse_document(b"x", "virus.exe")
    with pytest.raises(ParseError):
        parse_document(b"%PDF-1.4 broken", "x.pdf")
    with pytest.raises(ParseError):
        parse_document(b"   ", "empty.txt")


def test_cleaning_rules() -> None:
    raw = "a\x00b <|x|>\n\n\n\nc   d\u3000\u3000e mail me@example.com see https://x.io/p [link](https://keep.me)"
    assert (
        clean_text(raw, [])
        == "ab <x>\n\n\n\nc   d\u3000\u3000e mail me@example.com see https://x.io/p [link](https://keep.me)"
    )
    cleaned = clean_text(raw, ["remove_extra_spaces", "remove_urls_emails"])
    # As in Dify, spaces are collapsed before URLs and e-mails go, so their neighbours' spaces stay.
    assert cleaned == "ab <x>\n\nc d e mail  see  [link](https://keep.me)"


def test_general_split_keeps_pieces_and_bounds_long_ones(chunker: TextChunker) -> None:
    long = " ".join(f"Sentence {i} talks about rivers." for i in range(120))
    chunks = chunker.general(f"Short one.\n\n{long}", Segmentation("\\n\\n", 60, 10))
    assert chunks[0].content == "Short one." and chunks[0].tokens == chunker.count_tokens("Short one.")
    assert len(chunks) > 5 and all(c.tokens <= 60 for c in chunks)
    # Overlap: consecutive chunks of the long piece share text.
    assert chunks[2].content.split(".")[0] in chunks[1].content


def test_parent_child_split(chunker: TextChunker) -> None:
    text = "P1 line one.\nP1 line two.\n\nP2 only line."
    parents = chunker.parent_child(text, Segmentation("\n\n", 500, 0), Segmentation("\n", 50, 0))
    assert [p.content for p in parents] == ["P1 line one.\nP1 line two.", "P2 only line."]
    assert [c.content for c in parents[0].children] == ["P1 line one.", "P1 line two."]
    whole = chunker.parent_child(text, Segmentation("\n\n", 500, 0), Segmentation("\n", 50, 0), "full-doc")
    assert len(whole) == 1 and len(whole[0].children) == 3


def test_process_rules_defaults_and_errors() -> None:
    stored, rule = resolve_process_rule(None, "")
    assert stored["mode"] == "automatic" and rule.doc_form == "text_model"
    assert (rule.segmentation.separator, rule.segmentation.max_tokens, rule.cleaning) == (
        "\n",
        500,
        frozenset({"remove_extra_spaces"}),
    )
    _, h = resolve_process_rule(
        {
            "mode": "hierarchical",
            "rules": {
                "parent_mode": "full-doc",
                "subchunk_segmentation": {"separator": "\\n", "max_tokens": 100},
            },
        },
        "",
    )
    assert (h.doc_form, h.parent_mode, h.child.max_tokens) == ("hierarchical_model", "full-doc", 100)
    for bad, doc_form in (
        ({"mode": "custom"}, ""),
        ({"mode": "weird"}, ""),
        (None, "qa_model"),
        ({"mode": "custom", "rules": {"segmentation": {"max_tokens": 5000}}}, ""),
        ({"mode": "custom", "rules": {"pre_processing_rules": [{"id": "nope"}]}}, ""),
        ({"mode": "automatic"}, "hierarchical_model"),
    ):
        with pytest.raises(KnowledgeError) as info:
            resolve_process_rule(bad, doc_form)
        assert info.value.status == 400 and info.value.code == "invalid_param"
