"""calendar overrides per commune

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "kind", sa.Enum("off", "work", name="overridekind", native_enum=False, length=30), nullable=False
        ),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commune_id", "day"),
    )
    with op.batch_alter_table("calendar_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_overrides_commune_id"), ["commune_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_overrides_commune_id"))
    op.drop_table("calendar_overrides")
