"""Outbox delivery on SQLite and PostgreSQL: two workers racing never send a message twice or out of order."""

from __future__ import annotations

import asyncio

from handlers.delivery import DeliveryConfig, OutboxDelivery
from handlers.ratelimit import RateLimits
from handlers.replies import Reply
from models.outbox import OutboxMessage
from tests.conftest import Backend
from tests.fakes import FakeTimer, ManualClock, RecordingSender

CHATS, PER_CHAT = 40, 5


async def test_two_workers_racing_send_each_message_once_in_chat_order(
    backend: Backend, clock: ManualClock
) -> None:
    async with backend.uow_factory() as uow:
        for number in range(PER_CHAT):
            for chat in range(CHATS):
                await uow.outbox.add(
                    OutboxMessage(
                        channel="telegram",
                        chat_id=str(chat),
                        delivery_key=f"race:{chat}:{number}",
                        payload=Reply(str(number)).to_payload(),
                        created_at=clock.now(),
                        next_attempt_at=clock.now(),
                    )
                )
        await uow.commit()
    sender = RecordingSender(RateLimits(chat_burst=PER_CHAT))
    timers = [FakeTimer(), FakeTimer()]
    workers = [
        OutboxDelivery(
            uow_factory=backend.uow_factory,
            clock=clock,
            senders={"telegram": sender},
            config=DeliveryConfig(batch=17, concurrency=8),
            monotonic=timer.monotonic,
            sleep=timer.sleep,
        )
        for timer in timers
    ]

    async def work(worker: OutboxDelivery) -> None:
        while await worker.drain_once():
            pass

    await asyncio.gather(*(work(worker) for worker in workers), *(work(worker) for worker in workers))
    assert len(sender.sent) == CHATS * PER_CHAT
    assert len({m.id for m in sender.sent}) == CHATS * PER_CHAT
    for chat in range(CHATS):
        assert [m.reply.text for m in sender.sent if m.chat_id == str(chat)] == [
            str(n) for n in range(PER_CHAT)
        ]
