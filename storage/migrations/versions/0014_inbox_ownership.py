"""Who holds each conversation, the reminders sent, and the call outcome lines posted.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _to_conversation(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["conversations.id"],
        name=op.f(f"fk_{table}_conversation_id_conversations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "conversation_holders",
        sa.Column("conversation_id", ROW_ID, nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        _to_conversation("conversation_holders"),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_holders")),
    )
    op.create_index(
        op.f("ix_conversation_holders_user_id"), "conversation_holders", ["user_id"], unique=False
    )
    op.create_table(
        "conversation_reminders",
        sa.Column("conversation_id", ROW_ID, nullable=False),
        sa.Column("message_id", ROW_ID, nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False),
        _to_conversation("conversation_reminders"),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_reminders")),
    )
    op.create_table(
        "call_outcome_lines",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("call_kind", sa.String(), nullable=False),
        sa.Column("call_key", sa.String(), nullable=False),
        sa.Column("conversation_id", ROW_ID, nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        _to_conversation("call_outcome_lines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_outcome_lines")),
        sa.UniqueConstraint(
            "call_kind",
            "call_key",
            "conversation_id",
            name=op.f("uq_call_outcome_lines_call_kind_call_key_conversation_id"),
        ),
    )
    op.create_index(
        op.f("ix_call_outcome_lines_conversation_id"),
        "call_outcome_lines",
        ["conversation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_call_outcome_lines_conversation_id"), table_name="call_outcome_lines")
    op.drop_table("call_outcome_lines")
    op.drop_table("conversation_reminders")
    op.drop_index(op.f("ix_conversation_holders_user_id"), table_name="conversation_holders")
    op.drop_table("conversation_holders")
