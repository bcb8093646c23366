"""Outbox delivery on SQLite and PostgreSQL: two workers racing never send a message twice or out of order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from handlers.delivery.ratelimit import RateLimits
from handlers.delivery.reachability import chat_blocked
from handlers.delivery.worker import DeliveryConfig, OutboxDelivery
from handlers.kernel.replies import Reply
from models.outbox import OutboxMessage
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import FakeTimer, ManualClock, RecordingSender, outbox_message

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


async def test_blocking_and_unblocking_a_chat_is_recorded_on_its_citizens_and_conversation(
    backend: Backend, clock: ManualClock, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat("4242")
    await chat.file_petition()
    async with backend.uow_factory() as uow:
        await uow.outbox.add_many([outbox_message(clock, "4242", "queued", channel=chat.channel)])
        await chat_blocked(uow, chat.channel, "4242", clock.now())
        await uow.commit()
    async with backend.uow_factory() as uow:
        conversation = await uow.conversations.get(chat.channel, "4242")
        citizen = await uow.citizens.by_account(1, chat.channel, "4242")
        assert conversation is not None
        assert conversation.unreachable
        assert citizen is not None
        assert citizen.unreachable_at == clock.now()
        assert not await uow.outbox.has_unsent(chat.channel, "4242")  # the queue was dropped
    await chat.send("/cuatoi")  # writing again makes them reachable
    async with backend.uow_factory() as uow:
        conversation = await uow.conversations.get(chat.channel, "4242")
        citizen = await uow.citizens.by_account(1, chat.channel, "4242")
        assert conversation is not None
        assert not conversation.unreachable
        assert citizen is not None
        assert citizen.unreachable_at is None
