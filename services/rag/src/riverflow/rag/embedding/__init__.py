"""Embedding models: the bundled all-MiniLM-L6-v2 (no torch), a hashing embedder for tests, litellm."""
