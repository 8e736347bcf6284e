"""Work queue: requests a front end acknowledged, for a worker to carry out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_queue",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_queue")),
    )
    op.create_index(op.f("ix_work_queue_started_at"), "work_queue", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_work_queue_started_at"), table_name="work_queue")
    op.drop_table("work_queue")
