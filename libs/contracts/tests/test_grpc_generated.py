"""Generated gRPC code: it imports, its messages round-trip, and it is up to date with proto/."""

from __future__ import annotations

import filecmp
import os
import pickle
import subprocess
import sys
from pathlib import Path

from google.protobuf import json_format
from riverflow.contracts.grpc.health.v1 import health_pb2, health_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import retrieval_pb2, retrieval_pb2_grpc

REPO_ROOT = Path(__file__).resolve().parents[3]
GENERATED = REPO_ROOT / "libs/contracts/src/riverflow/contracts/grpc"


def test_retrieve_request_round_trips_through_bytes() -> None:
    request = retrieval_pb2.RetrieveRequest(
        dataset_ids=["ds-1", "ds-2"], query="what is riverflow?", top_k=4, search_method="hybrid_search"
    )
    assert not request.HasField("score_threshold")
    request.score_threshold = 0.0  # explicit presence: 0.0 is a threshold, not "unset"

    decoded = retrieval_pb2.RetrieveRequest.FromString(request.SerializeToString())

    assert decoded == request
    assert decoded.HasField("score_threshold")
    assert list(decoded.dataset_ids) == ["ds-1", "ds-2"]


def test_retrieve_response_carries_json_metadata() -> None:
    record = retrieval_pb2.RetrievedRecord(
        segment_id="seg", document_id="doc", dataset_id="ds", content="text", score=0.75
    )
    record.metadata.update({"source": "handbook.pdf", "page": 3, "tags": ["a", "b"]})
    response = retrieval_pb2.RetrieveResponse(records=[record])

    decoded = retrieval_pb2.RetrieveResponse.FromString(response.SerializeToString())

    assert decoded.records[0].score == 0.75
    assert json_format.MessageToDict(decoded.records[0].metadata) == {
        "source": "handbook.pdf",
        "page": 3.0,
        "tags": ["a", "b"],
    }


def test_health_messages_round_trip() -> None:
    response = health_pb2.CheckResponse(
        status=health_pb2.CheckResponse.SERVING_STATUS_SERVING, service_name="rag"
    )
    decoded = health_pb2.CheckResponse.FromString(response.SerializeToString())
    assert decoded.status == health_pb2.CheckResponse.SERVING_STATUS_SERVING
    assert decoded.service_name == "rag"


def test_descriptors_keep_canonical_proto_names_and_python_module_names() -> None:
    # Wire names come from the proto package; Python names from where the code really lives.
    assert retrieval_pb2.DESCRIPTOR.name == "riverflow/rag/v1/retrieval.proto"
    assert retrieval_pb2.DESCRIPTOR.services_by_name["Retrieval"].full_name == "riverflow.rag.v1.Retrieval"
    assert health_pb2.DESCRIPTOR.services_by_name["Health"].full_name == "riverflow.health.v1.Health"
    assert retrieval_pb2.RetrieveRequest.__module__ == "riverflow.contracts.grpc.rag.v1.retrieval_pb2"
    request = retrieval_pb2.RetrieveRequest(query="q")
    assert pickle.loads(pickle.dumps(request)) == request


def test_service_stubs_and_servicers_are_generated() -> None:
    assert hasattr(retrieval_pb2_grpc, "RetrievalStub")
    assert hasattr(retrieval_pb2_grpc, "add_RetrievalServicer_to_server")
    assert hasattr(health_pb2_grpc, "HealthStub")
    assert hasattr(health_pb2_grpc, "add_HealthServicer_to_server")


def _tree(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "grpc"
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "proto/generate.sh"), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        check=False,
    )
    assert result.returncode == 0, result.stderr

    assert _tree(out) == _tree(GENERATED), "run `make proto`: generated files differ from proto/"
    _, mismatch, errors = filecmp.cmpfiles(out, GENERATED, _tree(out), shallow=False)
    assert not mismatch and not errors, f"run `make proto`: stale generated files {mismatch + errors}"
