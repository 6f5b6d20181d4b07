"""Dify Service API routers (app keys)."""
