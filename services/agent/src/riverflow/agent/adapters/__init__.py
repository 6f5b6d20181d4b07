"""Adapters of the agent's ports to real systems (litellm, JetStream KV, HTTP, MCP)."""
