"""Delivering outbox messages through a channel's sender, recording the outcome on the outbox row.

A message is claimed (status ``sending`` with a lease) in one transaction, sent, and its outcome recorded
in another. A failed delivery never touches the case that caused it: commands fail loudly, notifications
fail softly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from handlers.ports import Clock, UnitOfWorkFactory
from handlers.replies import Reply
from models.enums import OutboxStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbox message, detached from the database session."""

    id: int
    channel: str
    chat_id: str
    reply: Reply
    attempts: int
    priority: int


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # temporary failure: rate limit, server error, timeout
    BLOCKED = "blocked"  # the recipient blocked the bot: stop sending to them
    REJECTED = "rejected"  # the request itself is wrong: never retry


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    external_id: str | None = None
    retry_after: float | None = None
    error: str = ""


class Sender(Protocol):
    async def send(self, message: Outgoing) -> SendResult: ...


class OutboxDelivery:
    """Sends outbox messages right after the transaction that wrote them has committed."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        senders: Mapping[str, Sender],
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._senders = dict(senders)
        self._lease = lease

    def add_sender(self, channel: str, sender: Sender) -> None:
        self._senders[channel] = sender

    async def deliver(self, ids: Sequence[int]) -> list[SendResult]:
        """Claim and send the given messages in order; returns one result per message actually sent."""
        claimed = await self._claim(ids)
        results: list[SendResult] = []
        for message in claimed:
            sender = self._senders.get(message.channel)
            if sender is None:
                log.error("no sender for channel %s (outbox %d)", message.channel, message.id)
                continue
            result = await sender.send(message)
            await self.record(message, result)
            results.append(result)
        return results

    async def _claim(self, ids: Sequence[int]) -> list[Outgoing]:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            rows = await uow.outbox.claim(ids, now=now, lease_until=now + self._lease)
            claimed = [
                Outgoing(
                    id=row.id,
                    channel=row.channel,
                    chat_id=row.chat_id,
                    reply=Reply.from_payload(row.payload),
                    attempts=row.attempts,
                    priority=row.priority,
                )
                for row in rows
            ]
            await uow.commit()
        return claimed

    async def record(self, message: Outgoing, result: SendResult) -> None:
        """Write the outcome of one attempt on the outbox row."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            row = await uow.outbox.get(message.id)
            if row is None:
                return
            row.attempts += 1
            row.lease_until = None
            if result.outcome is Outcome.SENT:
                row.status = OutboxStatus.SENT
                row.sent_at = now
                row.external_id = result.external_id
                row.last_error = None
            elif result.outcome is Outcome.RETRY:
                row.status = OutboxStatus.PENDING
                delay = (
                    result.retry_after if result.retry_after is not None else min(2.0**row.attempts, 3600.0)
                )
                row.next_attempt_at = now + timedelta(seconds=delay)
                row.last_error = result.error[:500]
            else:
                row.status = OutboxStatus.FAILED
                row.last_error = (result.outcome.value + ": " + result.error)[:500]
            await uow.commit()
