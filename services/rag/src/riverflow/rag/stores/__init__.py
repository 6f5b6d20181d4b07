"""``VectorStore`` adapters: in-memory (reference), sqlite-vec + FTS5 (embedded default), Weaviate."""
