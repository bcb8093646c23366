"""Changes to a commune's citizen-reception schedule (lịch tiếp công dân): a regular session cancelled (a
holiday, the chairman away), or an extra session. The regular sessions come from the commune file."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base, str_enum


class ReceptionChangeKind(StrEnum):
    CANCELLED = "cancelled"  # no regular session that day
    EXTRA = "extra"  # a session that day, besides or instead of the regular one


class ReceptionChange(Base):
    __tablename__ = "reception_changes"
    __table_args__ = (UniqueConstraint("commune_id", "day", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    day: Mapped[date] = mapped_column(Date())
    kind: Mapped[ReceptionChangeKind] = mapped_column(str_enum(ReceptionChangeKind))
    note: Mapped[str] = mapped_column(String(300))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    set_at: Mapped[datetime] = mapped_column(AwareDateTime())
    start: Mapped[str] = mapped_column(String(5), default="")  # "07:30", for an extra session
    end: Mapped[str] = mapped_column(String(5), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
