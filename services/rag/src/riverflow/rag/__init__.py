"""Riverflow rag service: knowledge bases and retrieval (gRPC ``riverflow.rag.v1``, node tasks over NATS)."""
