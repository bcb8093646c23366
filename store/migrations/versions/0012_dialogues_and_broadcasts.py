"""dialogue sessions, their participants, broadcasts; cases linked to a dialogue or a reception session

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dialogue_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("field_slug", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("online_link", sa.String(length=500), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=False),
        sa.Column("village_ids", JSON, nullable=False),
        sa.Column("case_ids", JSON, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("urgent_note", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_note", sa.String(length=300), nullable=False),
        sa.Column("results_text", sa.Text(), nullable=True),
        sa.Column("results_files", JSON, nullable=False),
        sa.Column("results_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["staff_members.id"]),
        sa.ForeignKeyConstraint(["results_by"], ["staff_members.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commune_id", "number"),
    )
    op.create_index("ix_dialogue_sessions_commune_id", "dialogue_sessions", ["commune_id"], unique=False)
    op.create_table(
        "dialogue_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attending", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"]),
        sa.ForeignKeyConstraint(["dialogue_id"], ["dialogue_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dialogue_id", "citizen_id"),
    )
    op.create_index(
        "ix_dialogue_participants_dialogue_id", "dialogue_participants", ["dialogue_id"], unique=False
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("village_ids", JSON, nullable=False),
        sa.Column("citizen_ids", JSON, nullable=False),
        sa.Column("texts", JSON, nullable=False),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("dialogue_id", sa.Integer(), nullable=True),
        sa.Column("dialogue_version", sa.Integer(), nullable=True),
        sa.Column("status_channel", sa.String(length=20), nullable=True),
        sa.Column("status_chat_id", sa.String(length=64), nullable=True),
        sa.Column("status_outbox_id", sa.Integer(), nullable=True),
        sa.Column("progress_seq", sa.Integer(), nullable=False),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("expanded", sa.Boolean(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("estimate", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["staff_members.id"]),
        sa.ForeignKeyConstraint(["dialogue_id"], ["dialogue_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"], unique=False)
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch.create_index("ix_outbox_broadcast", ["broadcast_id", "status"], unique=False)
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("dialogue_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reception_key", sa.String(length=20), nullable=True))
        batch.create_foreign_key("fk_cases_dialogue_id", "dialogue_sessions", ["dialogue_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_dialogue_id", type_="foreignkey")
        batch.drop_column("reception_key")
        batch.drop_column("dialogue_id")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_index("ix_outbox_broadcast")
        batch.drop_column("broadcast_id")
    op.drop_index("ix_broadcasts_status", table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_index("ix_dialogue_participants_dialogue_id", table_name="dialogue_participants")
    op.drop_table("dialogue_participants")
    op.drop_index("ix_dialogue_sessions_commune_id", table_name="dialogue_sessions")
    op.drop_table("dialogue_sessions")
