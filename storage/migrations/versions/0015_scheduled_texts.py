"""Scheduled texts (`/sms at ...`, `/sms in ...`), and who has opened the Home tab.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = "status IN ('waiting', 'queued', 'sent', 'refused', 'cancelled', 'missed')"


def upgrade() -> None:
    op.create_table(
        "home_tabs",
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_home_tabs")),
    )
    op.create_table(
        "scheduled_texts",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("request_key", sa.String(), nullable=True),
        sa.Column("requester", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("typed", sa.Text(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_scheduled_texts_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_texts")),
        sa.UniqueConstraint("request_key", name=op.f("uq_scheduled_texts_request_key")),
    )
    op.create_index(
        op.f("ix_scheduled_texts_requester"), "scheduled_texts", ["requester"], unique=False
    )
    op.create_index(
        op.f("ix_scheduled_texts_status_send_at"),
        "scheduled_texts",
        ["status", "send_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_texts_status_send_at"), table_name="scheduled_texts")
    op.drop_index(op.f("ix_scheduled_texts_requester"), table_name="scheduled_texts")
    op.drop_table("scheduled_texts")
    op.drop_table("home_tabs")
