"""chat_contacts: when each chat last wrote (a Zalo OA's messaging window)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("last_inbound_at", models.base.AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_contacts")),
        sa.UniqueConstraint("channel", "chat_id", name=op.f("uq_chat_contacts_channel_chat_id")),
    )


def downgrade() -> None:
    op.drop_table("chat_contacts")
