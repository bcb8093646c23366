"""case_cards: a digest of what each card shows, so an edit that changes nothing is not sent

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_cards") as batch:
        batch.add_column(sa.Column("shown", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("case_cards") as batch:
        batch.drop_column("shown")
