"""cases: index for the office's duplicate and hot-spot search (a field's latest cases)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cases_commune_field_received", "cases", ["commune_id", "field_slug", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_cases_commune_field_received", table_name="cases")
