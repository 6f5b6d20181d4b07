"""Adapters behind the orchestrator's ports."""
