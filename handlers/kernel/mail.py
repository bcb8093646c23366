"""Messages a turn sends to chats other than the one it answers: cards to staff groups, notices to
citizens and unit officers. Written to the outbox at once (so a card can refer to its own row), in the
turn's transaction, under a delivery key derived from the event: replaying the event cannot repeat them."""

from __future__ import annotations

from datetime import datetime

from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Reply
from models.enums import OutboxPriority
from models.outbox import OutboxMessage


class Mailbox:
    def __init__(self, uow: UnitOfWork, *, event_key: str, now: datetime) -> None:
        self._uow = uow
        self._event_key = event_key
        self._now = now
        self.count = 0

    async def send(
        self,
        channel: str,
        chat_id: str,
        reply: Reply,
        *,
        key: str,
        commune_id: int | None,
        citizen_id: int | None = None,
        case_id: int | None = None,
        priority: int = OutboxPriority.NOTICE,
    ) -> OutboxMessage:
        message = OutboxMessage(
            channel=channel,
            chat_id=chat_id,
            delivery_key=f"{self._event_key}:{key}",
            payload=reply.to_payload(),
            created_at=self._now,
            next_attempt_at=self._now,
            commune_id=commune_id,
            citizen_id=citizen_id,
            case_id=case_id,
            priority=priority,
        )
        await self._uow.outbox.add(message)
        self.count += 1
        return message
