"""Riverflow agent service: model and tool calls (node tasks over NATS)."""
