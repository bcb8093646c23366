"""A person's message the system could not handle, kept for the office instead of being lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base


class UnhandledMessage(Base):
    """What someone wrote in a message that failed every time it was handled. Their words are kept, shown
    to the office's clerks in private (never in a group: they may name a denouncer), and the sender is told
    that a clerk will read them."""

    __tablename__ = "unhandled_messages"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    sender_id: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(120), unique=True)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), default=None, index=True)
