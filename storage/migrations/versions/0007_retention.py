"""Retention: indexes on created_at, so the housekeeping job finds old rows in bounded batches
without scanning whole tables.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("messages", "calls", "conferences")


def upgrade() -> None:
    for table in _TABLES:
        op.create_index(f"ix_{table}_created_at", table, ["created_at"])


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(f"ix_{table}_created_at", table_name=table)
