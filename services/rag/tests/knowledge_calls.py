"""What the Knowledge gRPC tests share: a workspace, document bytes, and short calls."""

from __future__ import annotations

import io

import docx
import grpc
import pytest
from fpdf import FPDF
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r

__all__ = ["WS", "docx_bytes", "new_dataset", "pdf_bytes", "rpc_error"]

WS = "ws-1"


def pdf_bytes(paragraphs: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for p in paragraphs:
        pdf.multi_cell(0, 8, p)
        pdf.ln(4)
    return bytes(pdf.output())


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    document.add_heading("Field notes", level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "glacier", "retreating"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def rpc_error(call) -> tuple[grpc.StatusCode, str, int]:
    """The failed call's status code, Dify error code and HTTP status (from the trailers)."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    trailers = dict(list(info.value.trailing_metadata() or ()))
    return info.value.code(), trailers.get("rf-error-code", ""), int(trailers.get("rf-http-status", "0"))


async def new_dataset(stub: knowledge_pb2_grpc.KnowledgeStub, name: str = "notes", **extra) -> r.Dataset:
    return await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, user="alice", name=name, **extra))
