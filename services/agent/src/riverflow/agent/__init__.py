"""Riverflow agent."""
