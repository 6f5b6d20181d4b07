"""Riverflow orchestrator."""
