"""Conferences (hội nghị đối thoại, dialogue conferences) the commune holds with its people, and who signed
up for them.

A conference's ``version`` is bumped whenever its time or place changes: a notice or reminder carries the
version it was written for, so nothing is ever sent for an old time. Questions sent in advance are hỏi đáp
cases linked by ``Case.conference_id``. The tables keep the names they were created with
(``dialogue_sessions``, ``dialogue_participants``, columns ``dialogue_id``): renaming stored tables would buy
nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict

CODE_PREFIX = "DT"


class Conference(Base):
    __tablename__ = "dialogue_sessions"
    __table_args__ = (UniqueConstraint("commune_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    number: Mapped[int]  # DT1, DT2… within the commune
    title: Mapped[str] = mapped_column(String(300))
    field_slug: Mapped[str] = mapped_column(String(40))  # the topic: one of the commune's fields
    starts_at: Mapped[datetime] = mapped_column(AwareDateTime())
    ends_at: Mapped[datetime] = mapped_column(AwareDateTime())
    place: Mapped[str] = mapped_column(String(300))
    online_link: Mapped[str] = mapped_column(String(500))
    chair: Mapped[str] = mapped_column(String(200))
    village_ids: Mapped[list[int]] = mapped_column(JSON_TYPE)  # empty: the whole commune
    case_ids: Mapped[list[int]] = mapped_column(JSON_TYPE)  # related cases, if any
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    published_at: Mapped[datetime] = mapped_column(AwareDateTime())  # of the current version
    # Announced less than 7 days ahead: the clerk confirmed it is urgent, with the reason.
    urgent: Mapped[bool] = mapped_column(default=False)
    urgent_note: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(default=1)
    cancelled_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    cancel_note: Mapped[str] = mapped_column(String(300), default="")
    # Kết quả đối thoại: the text and the documents (files as the channel stores them).
    results_text: Mapped[str | None] = mapped_column(Text, default=None)
    results_files: Mapped[list[JsonDict]] = mapped_column(JSON_TYPE, default_factory=list)
    results_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    results_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), default=None)

    @property
    def code(self) -> str:
        return f"{CODE_PREFIX}{self.number}"

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


class ConferenceParticipant(Base):
    """A citizen registered to attend (or who sent a question), with the name and phone the chair sees."""

    __tablename__ = "dialogue_participants"
    __table_args__ = (UniqueConstraint("dialogue_id", "citizen_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    conference_id: Mapped[int] = mapped_column("dialogue_id", ForeignKey("dialogue_sessions.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    attending: Mapped[bool] = mapped_column(default=False)  # registered to attend (not only a question)
