"""Sections -> chunks -> embeddings -> a Chroma collection, built incrementally and
switched over atomically, plus the read side used by the assistant."""
