"""Alembic migration environment and scripts (run through storage.migrate)."""
