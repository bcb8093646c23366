"""Channel events already handled, so a redelivered update is never processed twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base


class ProcessedEvent(Base):
    """One channel event (e.g. a Telegram ``update_id``), inserted in the transaction that handles it."""

    __tablename__ = "processed_events"

    event_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
