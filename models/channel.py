"""What a channel keeps between runs and shares between workers: its API credentials that rotate, and when
each chat last wrote (a Zalo Official Account may send only for a while after that)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base


class ChannelToken(Base):
    """The OAuth tokens of one channel account (a Zalo Official Account). The refresh token can be spent
    once, so every worker reads and rotates the same row, under a row lock; ``generation`` grows with each
    rotation. Both tokens are stored encrypted (by the channel, with a key from its settings)."""

    __tablename__ = "channel_tokens"
    __table_args__ = (UniqueConstraint("channel", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    channel: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(64))
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    generation: Mapped[int] = mapped_column(default=1)


class ChatContact(Base):
    """When a person last wrote to us on one chat: a Zalo Official Account may send them free messages only
    for 48 hours after that, and none after 7 days, so its sender reads this before every message."""

    __tablename__ = "chat_contacts"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    last_inbound_at: Mapped[datetime] = mapped_column(AwareDateTime())
