"""Messages the system owes someone, written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict, str_enum
from models.enums import OutboxPriority, OutboxStatus


class OutboxMessage(Base):
    """One message to deliver to one chat. Delivery state lives here, never on the case.

    ``delivery_key`` is unique: whoever enqueues a message derives it from what the message is about
    (an update, a case event, a reminder), so enqueuing the same thing twice cannot create two messages.
    ``payload`` holds the rendered reply (text, choices, requested input) in the recipient's language.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "id"),
        Index("ix_outbox_chat", "channel", "chat_id", "id"),
        Index("ix_outbox_broadcast", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[JsonDict] = mapped_column(JSON_TYPE)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime())
    commune_id: Mapped[int | None] = mapped_column(default=None)
    citizen_id: Mapped[int | None] = mapped_column(default=None)
    case_id: Mapped[int | None] = mapped_column(default=None)
    priority: Mapped[int] = mapped_column(default=OutboxPriority.REPLY)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    external_id: Mapped[str | None] = mapped_column(String(64), default=None)
    broadcast_id: Mapped[int | None] = mapped_column(default=None)  # one recipient of a broadcast
