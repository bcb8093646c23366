"""What an end-to-end test reads straight from the database: whether an event was taken, what is still unsent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.bootstrap import App
from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from models.processed import ProcessedEvent
from store.uow import SqlUnitOfWork


async def is_processed(app: App, key: str) -> bool:
    """The event with this key was handled (its turn committed)."""
    async with app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        return await uow.session.get(ProcessedEvent, key) is not None


async def unsent(app: App, channel: str, chat_id: str, now: datetime) -> int:
    """Messages to ``chat_id`` on ``channel`` that are due by ``now`` and not yet out."""
    async with app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        query = select(func.count()).where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            OutboxMessage.next_attempt_at <= now,
        )
        return int(await uow.session.scalar(query) or 0)
