"""What a channel keeps between runs and shares between workers: its API credentials that rotate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base


class ChannelToken(Base):
    """The OAuth tokens of one channel account (a Zalo Official Account). The refresh token can be spent
    once, so every worker reads and rotates the same row, under a row lock; ``generation`` grows with each
    rotation. Both tokens are stored encrypted (``store``'s concern), never as typed."""

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
