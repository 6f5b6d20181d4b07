"""The knowledge-base platform of the RAG end-to-end tests: nats-server, gateway (knowledge over gRPC),
orchestrator and rag as real processes, and the PDF, DOCX and Markdown files they ingest.

The files are generated here with the writers the project already depends on (fpdf2, python-docx),
so what the rag service parses is a real PDF and a real Word document. Each line is a chunk under
Dify's automatic rule (separator ``\\n``), and each chunk has words no other chunk has, so a
distinctive query has one right answer in every retrieval mode.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import httpx
from fpdf import FPDF
from riverflow.runtime.nats_server import NatsServerProcess, free_port

from tests.platform import Platform

__all__ = ["DOCUMENTS", "write_documents", "rag_platform", "dataset_key", "wait_until"]

#: file name -> the lines (chunks) it holds.
DOCUMENTS: dict[str, list[str]] = {
    "volcanoes.pdf": [
        "Basalt lava from shield volcanoes flows for kilometres before it cools.",
        "Pyroclastic flows race down stratovolcano slopes faster than a train.",
    ],
    "bees.docx": [
        "Honeybees tell the hive where flowers are with a waggle dance.",
        "A queen bee lays about two thousand eggs a day in spring.",
    ],
    "tides.md": [
        "The Moon's gravity pulls the oceans into two bulges, so most coasts see two high tides daily.",
        "Spring tides happen when the Sun and the Moon line up at new and full moon.",
    ],
}


def _pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in lines:  # one text line per chunk: pypdf gives them back separated by "\n"
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _docx(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_documents(directory: Path) -> dict[str, Path]:
    """The three files of ``DOCUMENTS`` written into ``directory``."""
    writers: dict[str, Callable[[list[str]], bytes]] = {
        ".pdf": _pdf,
        ".docx": _docx,
        ".md": lambda lines: "\n".join(lines).encode(),
    }
    paths = {}
    for name, lines in DOCUMENTS.items():
        path = directory / name
        path.write_bytes(writers[path.suffix](lines))
        paths[name] = path
    return paths


@contextlib.contextmanager
def rag_platform(work: Path, *services: str, **extra_env: str) -> Iterator[Platform]:
    """gateway (knowledge API on the rag service's gRPC), rag and ``services`` on one nats-server."""
    nats = NatsServerProcess(work / "nats", log_file=work / "nats.log").start()
    grpc_port = free_port()
    running = Platform(
        nats.url,
        work,
        extra_env={
            "GATEWAY_KNOWLEDGE": "grpc",
            "GATEWAY_RAG_TARGET": f"127.0.0.1:{grpc_port}",
            "RAG_HOST": "127.0.0.1",
            "RAG_GRPC_PORT": str(grpc_port),
            "RAG_HEALTH_PORT": "0",
            "RAG_DATA_DIR": str(work / "rag"),
            **extra_env,
        },
    )
    try:
        running.start("rag")
        running.start("gateway")
        running.wait_for_gateway(timeout=300)
        # The gateway answers 503 while rag's gRPC server is not up yet: wait for it too.
        running.wait_for_port("rag", grpc_port, timeout=300)
        for name in services:
            running.start(name)
        yield running
    finally:
        running.stop_all()
        nats.stop()


def dataset_key(platform: Platform) -> str:
    response = httpx.post(
        f"{platform.base_url}/console/api/datasets/api-keys",
        headers={"Authorization": f"Bearer {Platform.CONSOLE_TOKEN}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def wait_until(check: Callable[[], bool], timeout: float, what: str, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout} s; rag log:\n{log()[-4000:]}")
        time.sleep(0.3)
