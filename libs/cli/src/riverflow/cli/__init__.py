"""Riverflow cli."""
