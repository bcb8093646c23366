"""Dialogue notices and broadcasts on SQLite and on the PostgreSQL server: the notice is expanded into the
outbox for the right subscribers in chunks, counted by delivery state, and a moved session gives up what was
still queued for its old time."""

from __future__ import annotations

from sqlalchemy import select

from handlers.broadcasts.engine import BroadcastConfig, BroadcastRunner
from models.broadcast import Broadcast, BroadcastStatus
from models.commune import Village
from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from models.staff import Role
from store.uow import SqlUnitOfWork
from tests.conftest import Backend
from tests.office import World


async def rows(backend: Backend, cls: type) -> list:  # type: ignore[type-arg]
    async with backend.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found = list((await uow.session.scalars(select(cls).order_by(cls.id))).all())  # type: ignore[attr-defined]
        uow.session.expunge_all()
        return found


async def test_a_notice_is_queued_in_chunks_for_the_village_subscribers_and_superseded_when_moved(
    world: World, backend: Backend
) -> None:
    for chat in ("5001", "5002", "5003"):
        await world.citizen(chat).subscribe("Hội nghị đối thoại", villages=("Xóm Đồng Bầu",))
    await world.citizen("5004").subscribe("Hội nghị đối thoại", villages=("Xóm Bãi Chè",))
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    await clerk.say("/doithoai")
    await clerk.answer("Đối thoại về đường liên xóm Đồng Bầu")
    await clerk.press_token("s:dlg:field:giao_thong_ha_tang")
    await clerk.answer("25/05/2026 19:30")
    await clerk.answer("Hội trường Ủy ban nhân dân xã")
    await clerk.answer("không có")
    await clerk.answer("Ông Nguyễn Văn Hùng, Chủ tịch UBND xã")
    [village] = [v for v in await rows(backend, Village) if v.name == "Xóm Đồng Bầu"]
    await clerk.press_token(f"s:dlg:villages:{village.id}")
    await clerk.press_token("s:dlg:villages:next")
    await clerk.press_token("s:dlg:cases:none")
    await clerk.press_token("s:dlg:summary:publish")
    runner = BroadcastRunner(
        uow_factory=world.uow_factory,
        clock=world.clock,
        catalogue=world.catalogue,
        config=BroadcastConfig(chunk=2),
    )
    while await runner.drain_once():
        pass
    [notice] = await rows(backend, Broadcast)
    queued = [row for row in await rows(backend, OutboxMessage) if row.broadcast_id == notice.id]
    assert sorted(row.chat_id for row in queued) == ["5001", "5002", "5003"]
    assert all(row.payload["attachments"][0]["file_name"] == "DT1.ics" for row in queued)
    async with backend.uow_factory() as uow:
        assert await uow.outbox.broadcast_counts(notice.id) == {OutboxStatus.PENDING: 3}
    await clerk.say("/doithoai diadiem DT1 Nhà văn hóa xóm Đồng Bầu")
    first, correction = await rows(backend, Broadcast)
    assert first.status is BroadcastStatus.CANCELLED
    async with backend.uow_factory() as uow:
        assert await uow.outbox.broadcast_counts(first.id) == {OutboxStatus.FAILED: 3}
    while await runner.drain_once():
        pass
    async with backend.uow_factory() as uow:
        assert await uow.outbox.broadcast_counts(correction.id) == {OutboxStatus.PENDING: 3}
