"""A commune's changes to the civil-service calendar: an extra day off, or a day worked that would be off.

They sit on top of the public holidays (``holidays``) and the official swaps shipped in
``deadlines.calendar.DEFAULT_OVERRIDES``; a row for a day replaces the shipped rule for that day, and removing
the row (``nghedan calendar reset``) brings the shipped rule back.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base, str_enum
from models.deadlines.calendar import OverrideKind


class CalendarOverride(Base):
    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("commune_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    day: Mapped[date] = mapped_column(Date())
    kind: Mapped[OverrideKind] = mapped_column(str_enum(OverrideKind))
    reason: Mapped[str] = mapped_column(String(200))
    set_by: Mapped[str] = mapped_column(String(100))  # "cli", or "staff:<id>"
    set_at: Mapped[datetime] = mapped_column(AwareDateTime())
