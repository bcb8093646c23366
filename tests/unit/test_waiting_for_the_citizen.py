"""A message a channel may not send now (a Zalo OA's messaging window closed) is never dropped: it waits,
the office is told who could not be told and how to call them, and it goes out first when they write."""

from __future__ import annotations

from functools import partial

from handlers.delivery.reachability import could_not_tell, wrote_again
from handlers.delivery.worker import OutboxDelivery, Outcome, SendResult
from handlers.kernel.catalogue import Catalogue
from models.enums import OutboxPriority, OutboxStatus
from models.outbox import OutboxMessage
from models.staff import Role
from tests.fakes import FakeStore, FakeTimer, RecordingSender
from tests.office import World

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)
WINDOW = SendResult(Outcome.WAITING, error="outside the free messaging window")


def delivery_for(world: World, catalogue: Catalogue, sender: RecordingSender) -> OutboxDelivery:
    timer = FakeTimer()
    return OutboxDelivery(
        uow_factory=world.uow_factory,
        clock=world.clock,
        senders={"console": sender},
        monotonic=timer.monotonic,
        sleep=timer.sleep,
        on_waiting=partial(could_not_tell, catalogue=catalogue),
    )


def rows(world: World) -> list[OutboxMessage]:
    store: FakeStore = world.uow_factory.store  # type: ignore[attr-defined]
    return sorted(store.all(OutboxMessage), key=lambda row: row.id)


async def drain(delivery: OutboxDelivery) -> None:
    while await delivery.drain_once():
        pass


async def test_a_notice_outside_the_window_waits_and_the_clerks_hear_whom_to_call(
    world: World, catalogue: Catalogue
) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    sender = RecordingSender()
    delivery = delivery_for(world, catalogue, sender)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await drain(delivery)
    sender.scripted["5001"] = [WINDOW, WINDOW]
    await clerk.say(f"/thuly {code}")
    await clerk.say(f"/ghichu {code} đã gọi điện hẹn lịch kiểm tra")  # another event: nothing more to them
    await drain(delivery)
    waiting = [row for row in rows(world) if row.status is OutboxStatus.WAITING]
    assert [row.chat_id for row in waiting] == ["5001"]
    told = [row for row in rows(world) if row.delivery_key.startswith("waiting:")]
    assert [row.chat_id for row in told] == ["9001"]  # the clerk's own chat, once
    text = told[0].payload["text"]
    assert code in text
    assert "Số điện thoại người dân đã cung cấp: 0912345678." in text
    assert "Zalo" in text


async def test_waiting_messages_go_out_first_when_the_citizen_writes_again(
    world: World, catalogue: Catalogue
) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    sender = RecordingSender()
    delivery = delivery_for(world, catalogue, sender)
    citizen = world.citizen("5001")
    code = await citizen.file_petition(content=ROAD)
    await drain(delivery)
    sender.scripted["5001"] = [WINDOW]
    await clerk.say(f"/thuly {code}")
    await drain(delivery)
    sent_before = len(sender.sent)
    async with world.uow_factory() as uow:
        assert await wrote_again(uow, "console", "5001", world.clock.now()) == 1
        await uow.commit()
    await citizen.send(f"/tracuu {code}")
    await drain(delivery)
    to_citizen = [message.reply.text for message in sender.sent[sent_before:] if message.chat_id == "5001"]
    assert "thụ lý" in to_citizen[0]  # the notice that waited, before the answer to what they just wrote
    assert code in to_citizen[1]
    assert all(row.status is not OutboxStatus.WAITING for row in rows(world))


async def test_an_announcement_outside_the_window_is_given_up_and_counted_not_held(
    world: World, catalogue: Catalogue
) -> None:
    sender = RecordingSender()
    delivery = delivery_for(world, catalogue, sender)
    async with world.uow_factory() as uow:
        await uow.outbox.add(
            OutboxMessage(
                channel="console",
                chat_id="5002",
                delivery_key="bc:1:5002",
                payload={"text": "Thông báo hội nghị đối thoại", "choices": []},
                created_at=world.clock.now(),
                next_attempt_at=world.clock.now(),
                priority=OutboxPriority.BULK,
            )
        )
        await uow.commit()
    sender.scripted["5002"] = [WINDOW]
    await drain(delivery)
    [row] = rows(world)
    assert row.status is OutboxStatus.FAILED
    assert "waiting" in (row.last_error or "")
