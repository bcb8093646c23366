"""case deadlines: the stage, its start and due date stored on the case; extensions, pauses, urgency

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00

Existing open cases get their stage from their kind and status (the rule the office applied until now); the
due date itself is filled in on the case's next read, on the commune's calendar.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_rule", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("deadline_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("deadline_complex", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("deadline_extended", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("deadline_extensions", JSON, nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("paused_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paused_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_cases_commune_due", ["commune_id", "due_on"], unique=False)
    op.execute(
        """
        UPDATE cases SET deadline_rule = CASE
            WHEN status = 'moi_tiep_nhan' AND kind = 'khieu_nai' THEN 'khieu_nai.thu_ly'
            WHEN status = 'moi_tiep_nhan' AND kind = 'to_cao' THEN 'to_cao.xu_ly_ban_dau'
            WHEN kind = 'khieu_nai' THEN 'khieu_nai.giai_quyet_lan_dau'
            WHEN kind = 'to_cao' THEN 'to_cao.giai_quyet'
            ELSE 'pakn' END
        WHERE status IN ('moi_tiep_nhan', 'da_thu_ly', 'dang_xu_ly', 'cho_bo_sung')
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_commune_due")
        for column in (
            "urgent",
            "paused_days",
            "paused_on",
            "deadline_extensions",
            "deadline_extended",
            "deadline_complex",
            "due_on",
            "deadline_start",
            "deadline_rule",
        ):
            batch_op.drop_column(column)
