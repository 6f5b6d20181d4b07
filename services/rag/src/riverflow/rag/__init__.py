"""Riverflow rag."""
