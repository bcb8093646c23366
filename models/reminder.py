"""A reminder the scheduler has sent: one row per key, so each is sent once, across restarts and workers.

The key names what it is about — ``case:42:xu_ly_don:2026-05-26:before:3`` (three working days before that
due date), ``…:overdue:2026-05-28`` (one per day), ``…:escalated``, ``digest:1:2026-05-27`` — so a deadline
that moves (an extension, a calendar change) gets reminders of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base


class SentReminder(Base):
    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    sent_at: Mapped[datetime] = mapped_column(AwareDateTime())
