"""Adapters behind the gateway's ports: SQL and in-memory stores, NATS and in-memory run buses."""
