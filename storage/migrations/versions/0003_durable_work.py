"""Durable work: claims that expire, the side-effect mark, and per-user ordering.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Items a worker had started under 0002 cannot say whether their side effect began, so they
are marked as begun: their requesters are told it may or may not have happened, and they
are never run twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_queue") as batch:
        batch.add_column(sa.Column("ordering_key", sa.String(), nullable=True))
        batch.add_column(
            sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("side_effect_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_index(
        op.f("ix_work_queue_ordering_key_id"), "work_queue", ["ordering_key", "id"], unique=False
    )
    op.execute(
        "UPDATE work_queue SET claim_expires_at = started_at, side_effect_at = started_at, "
        "attempts = 1 WHERE started_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_work_queue_ordering_key_id"), table_name="work_queue")
    with op.batch_alter_table("work_queue") as batch:
        batch.drop_column("attempts")
        batch.drop_column("side_effect_at")
        batch.drop_column("claim_expires_at")
        batch.drop_column("ordering_key")
