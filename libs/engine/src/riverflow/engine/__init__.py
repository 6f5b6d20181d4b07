"""Riverflow engine."""
