"""A citizen's opt-in to the commune's notices: which topics, which villages, with the consent it was given
under. Cancelled (never deleted) by ``/huydangky`` or when the chat blocks the bot."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base


class Topic(StrEnum):
    CONFERENCE = "doi_thoai"  # hội nghị đối thoại
    RECEPTION = "tiep_dan"  # lịch tiếp công dân
    ANNOUNCEMENT = "thong_bao"  # thông báo của xã


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("commune_id", "citizen_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    topics: Mapped[list[str]] = mapped_column(JSON_TYPE)
    village_ids: Mapped[list[int]] = mapped_column(JSON_TYPE)  # empty: the whole commune
    consent_version: Mapped[str] = mapped_column(String(40))  # the text the citizen agreed to
    channel: Mapped[str] = mapped_column(String(20))
    subscribed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    cancel_reason: Mapped[str | None] = mapped_column(String(20), default=None)  # citizen | blocked

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    def covers(self, topic: Topic, village_ids: frozenset[int] | None) -> bool:
        """Whether a notice on ``topic`` for these villages (None: the whole commune) reaches them."""
        if not self.active or topic.value not in self.topics:
            return False
        return village_ids is None or not self.village_ids or bool(village_ids & set(self.village_ids))
