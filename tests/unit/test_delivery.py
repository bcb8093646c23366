"""Outbox delivery: order per chat, rate limits, retries, blocked recipients — on fakes with a fake timer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from handlers.delivery.ratelimit import RateLimiter, RateLimits
from handlers.delivery.worker import DeliveryConfig, OutboxDelivery, Outcome, SendResult
from handlers.kernel.ports import UnitOfWorkFactory
from models.citizen import Citizen
from models.commune import Commune
from models.enums import OutboxPriority, OutboxStatus
from models.outbox import OutboxMessage
from tests.conftest import Backend
from tests.fakes import (
    FakeTimer,
    FakeUnitOfWorkFactory,
    ManualClock,
    RecordingSender,
    outbox_message,
)


@pytest.fixture
def uow_factory(backend: Backend, commune: Commune) -> UnitOfWorkFactory:
    """The test's backend (the fake, or SQLite with ``--backend=sqlite``), with the demo commune (id 1)."""
    return backend.uow_factory


@pytest.fixture
def timer() -> FakeTimer:
    return FakeTimer()


def make_delivery(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer, sender: RecordingSender
) -> OutboxDelivery:
    return OutboxDelivery(
        uow_factory=uow_factory,
        clock=clock,
        senders={"telegram": sender},
        config=DeliveryConfig(),
        monotonic=timer.monotonic,
        sleep=timer.sleep,
    )


async def enqueue(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, chat: str, text: str, priority: int = 0
) -> int:
    async with uow_factory() as uow:
        message = outbox_message(clock, chat, text, priority=priority)
        await uow.outbox.add(message)
        await uow.commit()
    return message.id


def statuses(store: Any) -> dict[str, OutboxStatus]:
    return {m.payload["text"]: m.status for m in store.all(OutboxMessage)}


async def test_each_chat_gets_its_messages_in_order_and_one_at_a_time(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    sender = RecordingSender(RateLimits())
    delivery = make_delivery(uow_factory, clock, timer, sender)
    for text in ("a1", "a2", "a3"):
        await enqueue(uow_factory, clock, "100", text)
    await enqueue(uow_factory, clock, "200", "b1")
    assert await delivery.drain_once() == 2  # the heads of two chats, never a1 and a2 together
    while await delivery.drain_once():
        pass
    assert [m.reply.text for m in sender.sent if m.chat_id == "100"] == ["a1", "a2", "a3"]


async def test_a_private_chat_gets_about_one_message_a_second_after_a_short_burst(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    sender = RecordingSender(RateLimits(chat_per_second=1.0, chat_burst=3))
    delivery = make_delivery(uow_factory, clock, timer, sender)
    for index in range(6):
        await enqueue(uow_factory, clock, "100", f"m{index}")
    start = timer.now
    sent = await delivery.deliver_chat("telegram", "100")
    assert sent == 6
    assert timer.now - start == pytest.approx(3.0)  # three at once, then one per second


async def test_the_global_cap_paces_many_chats(timer: FakeTimer) -> None:
    limiter = RateLimiter(RateLimits(global_per_second=30.0), monotonic=timer.monotonic, sleep=timer.sleep)
    start = timer.now
    for chat in range(300):
        await limiter.acquire(str(chat))
    assert 300 / (timer.now - start) == pytest.approx(30.0, rel=0.12)


async def test_bulk_traffic_leaves_room_for_replies(timer: FakeTimer) -> None:
    limiter = RateLimiter(
        RateLimits(global_per_second=30.0, bulk_per_second=25.0), monotonic=timer.monotonic, sleep=timer.sleep
    )
    for chat in range(100):
        await limiter.acquire(f"bulk{chat}", bulk=True)
    before = timer.now
    await limiter.acquire("citizen")  # a reply does not queue behind the bulk slots
    assert timer.now - before < 0.05


async def test_a_group_gets_at_most_twenty_messages_a_minute(timer: FakeTimer) -> None:
    limiter = RateLimiter(
        RateLimits(group_per_minute=20.0, group_burst=3), monotonic=timer.monotonic, sleep=timer.sleep
    )
    start = timer.now
    for _ in range(23):
        await limiter.acquire("-500", group=True)
    assert timer.now - start == pytest.approx(60.0)


async def test_a_429_is_retried_after_retry_after_and_holds_the_chat(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    sender = RecordingSender(RateLimits())
    sender.scripted["100"] = [SendResult(Outcome.RETRY, retry_after=7, error="Too Many Requests")]
    delivery = make_delivery(uow_factory, clock, timer, sender)
    await enqueue(uow_factory, clock, "100", "first")
    await enqueue(uow_factory, clock, "100", "second")
    assert await delivery.drain_once() == 1
    assert sender.sent == []
    clock.advance(timedelta(seconds=6))
    assert await delivery.drain_once() == 0  # not before retry_after, and "second" waits behind "first"
    clock.advance(timedelta(seconds=1))
    while await delivery.drain_once():
        pass
    assert [m.reply.text for m in sender.sent] == ["first", "second"]
    assert timer.now >= 1000.0 + 7.0  # the limiter held the chat too


async def test_server_errors_back_off_and_finally_give_up(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    sender = RecordingSender(RateLimits())
    sender.scripted["100"] = [SendResult(Outcome.RETRY, error="Bad Gateway")] * 20
    delivery = make_delivery(uow_factory, clock, timer, sender)
    await enqueue(uow_factory, clock, "100", "x")
    delays = []
    for _ in range(DeliveryConfig().max_attempts):
        await delivery.drain_once()
        [row] = uow_factory.store.all(OutboxMessage)
        delays.append((row.next_attempt_at - clock.now()).total_seconds())
        clock.set(row.next_attempt_at)
    [row] = uow_factory.store.all(OutboxMessage)
    assert delays[:4] == [2.0, 4.0, 8.0, 16.0]
    assert row.status is OutboxStatus.FAILED
    assert len(sender.attempts) == DeliveryConfig().max_attempts


async def test_a_blocked_chat_marks_the_citizen_unreachable_and_drops_its_queue(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    async with uow_factory() as uow:
        citizen = Citizen(commune_id=1, channel="telegram", account_id="100", chat_id="100")
        await uow.citizens.add(citizen)
        await uow.commit()
    sender = RecordingSender(RateLimits())
    sender.scripted["100"] = [SendResult(Outcome.BLOCKED, error="Forbidden: bot was blocked by the user")]
    delivery = make_delivery(uow_factory, clock, timer, sender)
    await enqueue(uow_factory, clock, "100", "one")
    await enqueue(uow_factory, clock, "100", "two")
    await enqueue(uow_factory, clock, "200", "other")
    while await delivery.drain_once():
        pass
    store = uow_factory.store
    assert statuses(store) == {
        "one": OutboxStatus.FAILED,
        "two": OutboxStatus.FAILED,
        "other": OutboxStatus.SENT,
    }
    assert store.all(Citizen)[0].unreachable_at == clock.now()
    assert len([a for a in sender.attempts if a.chat_id == "100"]) == 1


async def test_a_message_claimed_by_a_dead_sender_is_sent_after_its_lease(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    sender = RecordingSender(RateLimits())
    delivery = make_delivery(uow_factory, clock, timer, sender)
    await enqueue(uow_factory, clock, "100", "lost?")
    async with uow_factory() as uow:  # a worker claims it, then its process dies
        await uow.outbox.claim_due(now=clock.now(), lease_until=clock.now() + timedelta(minutes=2), limit=10)
        await uow.commit()
    assert await delivery.drain_once() == 0
    clock.advance(timedelta(minutes=2, seconds=1))
    assert await delivery.drain_once() == 1
    assert [m.reply.text for m in sender.sent] == ["lost?"]


async def test_replies_go_before_bulk_in_a_pass(
    uow_factory: UnitOfWorkFactory, clock: ManualClock, timer: FakeTimer
) -> None:
    sender = RecordingSender(RateLimits())
    delivery = make_delivery(uow_factory, clock, timer, sender)
    for chat in range(5):
        await enqueue(uow_factory, clock, f"b{chat}", "notice", priority=OutboxPriority.BULK)
    await enqueue(uow_factory, clock, "citizen", "reply", priority=OutboxPriority.REPLY)
    delivery.config = DeliveryConfig(concurrency=1)
    await delivery.drain_once()
    assert sender.sent[0].reply.text == "reply"


class CountingUnitsOfWork(FakeUnitOfWorkFactory):
    """The in-memory store, counting the units of work opened on it."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def __call__(self):  # type: ignore[no-untyped-def]
        self.opened += 1
        return super().__call__()


async def test_deliveries_finished_together_are_recorded_in_one_commit_before_the_pass_returns(
    clock: ManualClock, timer: FakeTimer
) -> None:
    units = CountingUnitsOfWork()
    for chat in ("1", "2", "3", "4", "5"):
        await enqueue(units, clock, chat, f"tin {chat}")
    delivery = make_delivery(units, clock, timer, RecordingSender())
    units.opened = 0
    assert await delivery.drain_once() == 5
    assert units.opened == 2  # the claim, then one commit for the five "sent" marks (not five)
    assert set(statuses(units.store).values()) == {OutboxStatus.SENT}
