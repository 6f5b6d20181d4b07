"""Riverflow gateway: the Dify-compatible Service API and the console API over HTTP."""
