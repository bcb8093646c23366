"""Broadcasts: one message to many citizens (announcements, conference notices and their reminders,
corrections and results), expanded into the outbox a chunk at a time so a crash resumes where it stopped.

The audience is the active subscribers to ``topic`` covering ``village_ids`` (empty: the whole commune), plus
``citizen_ids`` named outright (those who registered for a conference). Each recipient's outbox row has the
delivery key ``bc:<id>:<citizen id>``: expanding the same chunk twice cannot send twice. Progress and the
final report go to the clerk who sent it, by editing one status message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict, str_enum


class BroadcastKind(StrEnum):
    ANNOUNCEMENT = "announcement"  # /thongbao
    CONFERENCE_NOTICE = "dialogue_notice"
    CONFERENCE_REMINDER = "dialogue_reminder"
    CONFERENCE_CORRECTION = "dialogue_correction"
    CONFERENCE_CANCELLED = "dialogue_cancelled"
    CONFERENCE_RESULTS = "dialogue_results"
    RECEPTION_REMINDER = "reception_reminder"


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # waiting for the clerk's confirmation
    SENDING = "sending"  # recipients being queued and messages delivered
    DONE = "done"
    CANCELLED = "cancelled"  # not confirmed, or superseded (a conference moved) before it was all sent


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    key: Mapped[str] = mapped_column(String(200), unique=True)  # what it is about: never two of one thing
    kind: Mapped[BroadcastKind] = mapped_column(str_enum(BroadcastKind))
    topic: Mapped[str] = mapped_column(String(20))
    village_ids: Mapped[list[int]] = mapped_column(JSON_TYPE)
    citizen_ids: Mapped[list[int]] = mapped_column(JSON_TYPE)
    texts: Mapped[dict[str, str]] = mapped_column(JSON_TYPE)  # language → text
    attachments: Mapped[list[JsonDict]] = mapped_column(JSON_TYPE)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    status: Mapped[BroadcastStatus] = mapped_column(str_enum(BroadcastStatus))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), default=None)
    conference_id: Mapped[int | None] = mapped_column(
        "dialogue_id", ForeignKey("dialogue_sessions.id"), default=None
    )
    conference_version: Mapped[int | None] = mapped_column("dialogue_version", default=None)
    # Where the clerk watches it: the status message (an outbox row, edited as it goes).
    status_channel: Mapped[str | None] = mapped_column(String(20), default=None)
    status_chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status_outbox_id: Mapped[int | None] = mapped_column(default=None)
    progress_seq: Mapped[int] = mapped_column(default=0)
    progress_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    # Expansion: subscriptions up to ``cursor`` (their id) are queued; then the named citizens.
    cursor: Mapped[int] = mapped_column(default=0)
    expanded: Mapped[bool] = mapped_column(default=False)
    queued: Mapped[int] = mapped_column(default=0)
    estimate: Mapped[int] = mapped_column(default=0)  # recipients counted when it was confirmed
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
