"""channels: Zalo OA tokens, messages kept for the office, longer file ids, the office's hours

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", models.base.AwareDateTime(), nullable=False),
        sa.Column("updated_at", models.base.AwareDateTime(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_tokens")),
        sa.UniqueConstraint("channel", "account", name=op.f("uq_channel_tokens_channel_account")),
    )
    op.create_table(
        "unhandled_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=64), nullable=False),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", models.base.AwareDateTime(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_unhandled_messages_commune_id_communes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unhandled_messages")),
        sa.UniqueConstraint("event_key", name=op.f("uq_unhandled_messages_event_key")),
    )
    op.create_index(
        op.f("ix_unhandled_messages_commune_id"), "unhandled_messages", ["commune_id"], unique=False
    )
    with op.batch_alter_table("case_attachments") as batch:
        batch.alter_column(
            "file_id",
            existing_type=sa.String(length=300),
            type_=sa.String(length=2000),
            existing_nullable=False,
        )
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("office_hours", sa.String(length=300), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.drop_column("office_hours")
    with op.batch_alter_table("case_attachments") as batch:
        batch.alter_column(
            "file_id",
            existing_type=sa.String(length=2000),
            type_=sa.String(length=300),
            existing_nullable=False,
        )
    op.drop_index(op.f("ix_unhandled_messages_commune_id"), table_name="unhandled_messages")
    op.drop_table("unhandled_messages")
    op.drop_table("channel_tokens")
