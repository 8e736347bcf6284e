"""Phone verification: a number grants identity only once its owner proved it.

Adds phone_verifications (pending registrations: hashed code, expiry, wrong tries, cooling
off) and changes directory.source to 'verified' | 'admin' | 'profile'. Numbers registered with
/phone before this revision were never proven: they move to phone_verifications with no usable
code, so `/phone` tells their users to ask for one, and they grant nothing meanwhile.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_directory = sa.table(
    "directory",
    sa.column("slack_user_id", sa.String()),
    sa.column("phone_number", sa.String()),
    sa.column("source", sa.String()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_verifications = sa.table(
    "phone_verifications",
    sa.column("slack_user_id", sa.String()),
    sa.column("phone_number", sa.String()),
    sa.column("code_hash", sa.String()),
    sa.column("sent_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
    sa.column("attempts", sa.Integer()),
    sa.column("locked_until", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "phone_verifications",
        sa.Column("slack_user_id", sa.String(), nullable=False),
        sa.Column("phone_number", sa.String(), nullable=False),
        sa.Column("code_hash", sa.String(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("slack_user_id", name=op.f("pk_phone_verifications")),
    )
    connection = op.get_bind()
    now = datetime.now(UTC)
    unproven = connection.execute(
        sa.select(_directory.c.slack_user_id, _directory.c.phone_number).where(
            _directory.c.source == "registered"
        )
    ).all()
    for user_id, number in unproven:
        connection.execute(
            _verifications.insert().values(
                slack_user_id=user_id,
                phone_number=number,
                code_hash=None,
                sent_at=None,
                expires_at=now,
                attempts=0,
                locked_until=None,
            )
        )
    connection.execute(_directory.delete().where(_directory.c.source == "registered"))
    with op.batch_alter_table("directory") as batch:
        batch.drop_constraint(op.f("ck_directory_source"), type_="check")
        batch.create_check_constraint(
            "source", "source IN ('verified', 'admin', 'profile')"
        )


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        _directory.update()
        .where(_directory.c.source.in_(("verified", "admin")))
        .values(source="registered")
    )
    with op.batch_alter_table("directory") as batch:
        batch.drop_constraint(op.f("ck_directory_source"), type_="check")
        batch.create_check_constraint("source", "source IN ('registered', 'profile')")
    op.drop_table("phone_verifications")
