"""Riverflow gateway."""
