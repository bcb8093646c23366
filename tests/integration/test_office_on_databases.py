"""The office on SQLite and on the PostgreSQL server: the SQL repositories behind triage, results, staff and
invitations, and two clerks acting on one case at the same moment."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.events import ChatEvent, Pick
from models.base import LOCAL_TZ
from models.case import Case, CaseCard, CaseEvent, CaseResult, ResultStatus
from models.enums import CaseAction, CaseStatus
from models.outbox import OutboxMessage
from models.reminder import SentReminder
from models.staff import Role, StaffMember, StaffPrompt
from scheduler.sweep import ReminderSweep
from store.uow import SqlUnitOfWork
from tests.conftest import Backend
from tests.fakes import ManualClock
from tests.office import OFFICE_GROUP, World

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)
ANSWER = (
    "Phòng Kinh tế đã kiểm tra ngày 14/5, đã đổ bê tông lại 10 mét và khơi thông rãnh thoát nước hai bên."
)


async def rows(backend: Backend, model: type) -> list[Any]:
    async with backend.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        loaded = list((await uow.session.scalars(select(model).order_by(model.id))).all())  # type: ignore[attr-defined]
        uow.session.expunge_all()
        return loaded


async def texts_to(backend: Backend, chat_id: str) -> list[str]:
    return [str(m.payload["text"]) for m in await rows(backend, OutboxMessage) if m.chat_id == chat_id]


async def test_a_case_goes_from_the_group_card_to_the_unit_and_back_to_the_citizen(
    world: World, backend: Backend
) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    code = await world.citizen("5001").file_petition(content=ROAD)
    [card] = await rows(backend, CaseCard)
    [case] = await rows(backend, Case)
    assert (card.case_id, card.chat_id) == (case.id, OFFICE_GROUP)
    assert case.suggested_unit_id is not None
    assert "duong be tong" in case.search_text
    await clerk.press_token(f"s:asg:{case.id}", group=OFFICE_GROUP)
    await clerk.press_token(f"s:asg:{case.id}:{case.suggested_unit_id}", group=OFFICE_GROUP)
    assert f"được giao giải quyết hồ sơ {code}" in " ".join(await texts_to(backend, officer.account))
    assert code in await clerk.say("/hangdoi KT")
    assert code in await clerk.say("/timkiem duong BE TONG")
    await officer.say(f"/ketqua {code}")
    await officer.say(ANSWER)
    [prompt] = await rows(backend, StaffPrompt)
    assert prompt.action == "result_files"
    [result] = await rows(backend, CaseResult)
    await officer.press_token(f"s:rsub:{case.id}:{result.id}")
    await clerk.press_token(f"s:apr:{case.id}:{result.id}", group=OFFICE_GROUP)
    assert (await rows(backend, CaseResult))[0].status is ResultStatus.APPROVED
    assert (await rows(backend, Case))[0].status is CaseStatus.ANSWERED
    assert (await texts_to(backend, "5001"))[-1].endswith(ANSWER)
    edits = [m for m in await rows(backend, OutboxMessage) if m.payload.get("edit_of") == card.outbox_id]
    assert len(edits) >= 3  # the card followed the case: assigned, result waiting, result approved
    actions = [e.action for e in await rows(backend, CaseEvent)]
    assert actions == [
        CaseAction.SUBMITTED,
        CaseAction.ACCEPTED,
        CaseAction.ASSIGNED,
        CaseAction.RESULT_SUBMITTED,
        CaseAction.RESULT_APPROVED,
    ]
    assert await rows(backend, StaffPrompt) == []


async def test_the_search_for_related_cases_merges_the_newest_of_the_field_and_of_the_citizen(
    world: World, backend: Backend
) -> None:
    """What the office compares a new case with: the latest cases of its field and of its citizen (each read
    newest first along its own index), merged newest first, each case once, none before ``since``."""
    an, binh = world.citizen("5001"), world.citizen("5002")
    road_1 = await an.file_petition(content=ROAD)
    world.clock.advance(timedelta(hours=1))
    land = await an.file_petition(
        field="Đất đai", content="Tranh chấp ranh giới đất giữa hai hộ ở xóm Bãi Chè."
    )
    world.clock.advance(timedelta(hours=1))
    road_2 = await binh.file_petition(content=ROAD)
    world.clock.advance(timedelta(hours=1))
    road_3 = await binh.file_petition(
        content="Ổ gà lớn giữa đường liên xóm Cây Thị, xe máy đi qua rất dễ ngã."
    )
    cases = {case.code: case for case in await rows(backend, Case)}
    commune, field, an_id = cases[road_1].commune_id, cases[road_1].field_slug, cases[road_1].citizen_id
    since = cases[road_1].received_at - timedelta(days=1)
    async with backend.uow_factory() as uow:
        search = uow.cases.received_since
        everything = await search(commune, since, field_slug=field, citizen_id=an_id)
        newest = await search(commune, since, field_slug=field, citizen_id=an_id, limit=3)
        later = await search(commune, cases[road_2].received_at, field_slug=field, citizen_id=an_id)
        field_only = await search(commune, since, field_slug=field)
    assert [case.code for case in everything] == [road_3, road_2, land, road_1]
    assert [case.code for case in newest] == [road_3, road_2, land]
    assert [case.code for case in later] == [road_3, road_2]
    assert [case.code for case in field_only] == [road_3, road_2, road_1]


async def test_invitations_and_removals_are_stored(world: World, backend: Backend) -> None:
    admin = await world.staff("9001", "Trần Thị Văn", Role.ADMIN)
    link = (await admin.say("/moi leader")).splitlines()[-1]
    newcomer = world.person("9010")
    await newcomer.say(link)
    await newcomer.say("Lê Văn Lãnh")
    members = {m.account_id: m for m in await rows(backend, StaffMember)}
    assert members["9010"].name == "Lê Văn Lãnh"
    await admin.press_token(f"s:rmok:{members['9010'].id}")
    assert not (await rows(backend, StaffMember))[1].active
    assert await newcomer.say("/hangdoi") == "Tài khoản này không có quyền dùng chức năng này."


async def test_two_clerks_pressing_on_one_case_at_once_act_once(
    engine: ConversationEngine, clock: ManualClock, world: World, backend: Backend
) -> None:
    first = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    second = await world.staff("9002", "Hà Thị Thu", Role.CLERK)
    await first.say("/ketnoi", group=OFFICE_GROUP)
    code = await world.citizen("5001").file_petition(content=ROAD)
    [case] = await rows(backend, Case)

    def press(account: str, index: int) -> ChatEvent:
        return ChatEvent(
            channel="console",
            chat_id=OFFICE_GROUP,
            sender_id=account,
            payload=Pick(f"s:acc:{case.id}"),
            at=clock.now(),
            event_key=f"race:{index}",
            group=True,
        )

    results = await asyncio.gather(
        engine.handle(press(first.account, 1)), engine.handle(press(second.account, 2))
    )
    texts = sorted(reply.text for result in results for reply in result.replies)
    assert texts == [
        f"Hồ sơ {code} đang ở trạng thái «Đã thụ lý» nên không thể làm thao tác này.",
        f"Đã thụ lý hồ sơ {code} và thông báo cho người gửi.",
    ]
    accepted = [e for e in await rows(backend, CaseEvent) if e.action is CaseAction.ACCEPTED]
    assert len(accepted) == 1
    assert len([t for t in await texts_to(backend, "5001") if "đã được thụ lý" in t]) == 1


async def test_calendar_changes_are_stored_and_move_open_deadlines(world: World, backend: Backend) -> None:
    admin = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await admin.say("/ketnoi", group=OFFICE_GROUP)
    code = await world.citizen("5001").file_petition(content=ROAD)
    reply = await admin.say("/lichnghi nghi 19/05/2026 Nghỉ đột xuất do bão")
    assert "Hạn của 1 hồ sơ đang mở đã được tính lại" in reply
    assert (await admin.say("/lichnghi nghi 19/05/2026 Nghỉ do bão, cả ngày")).startswith(
        "Từ nay 19/05/2026 là ngày nghỉ ở xã Phú Thịnh (Nghỉ do bão, cả ngày)."
    )  # the same day again replaces the reason; no deadline moves twice
    assert "Hạn xử lý đơn: 27/05/2026" in await admin.say(f"/hoso {code}")
    moved = [e for e in await rows(backend, CaseEvent) if e.action is CaseAction.DEADLINE_MOVED]
    assert [(e.data["from"], e.data["to"]) for e in moved] == [("26/05/2026", "27/05/2026")]
    await admin.say("/lichnghi bo 19/05/2026")
    assert "Hạn xử lý đơn: 26/05/2026" in await admin.say(f"/hoso {code}")


async def test_a_cases_stage_due_date_extensions_and_pause_are_stored(world: World, backend: Backend) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    code = await world.citizen("5001").file_petition(
        kind="Tố cáo",
        field="Cán bộ",
        content="Tôi tố cáo cán bộ địa chính xã nhận tiền để làm nhanh hồ sơ đất.",
    )
    [case] = await rows(backend, Case)
    assert (case.deadline_rule, case.due_on) == ("to_cao.xu_ly_ban_dau", date(2026, 5, 21))
    await clerk.say(f"/thuly {code}")
    await clerk.say(f"/giahan {code} 30 Cần xác minh tại hai đơn vị")
    [case] = await rows(backend, Case)
    assert (case.deadline_rule, case.deadline_extensions, case.due_on) == (
        "to_cao.giai_quyet",
        [30],
        date(2026, 7, 13),
    )
    road = await world.citizen("5002").file_petition(content=ROAD)
    await clerk.say(f"/bosung {road} Xin gửi thêm ảnh.")
    paused = next(c for c in await rows(backend, Case) if c.code == road)
    assert (paused.paused_on, paused.due_on) == (date(2026, 5, 12), None)


async def test_two_sweepers_racing_send_each_reminder_once(world: World, backend: Backend) -> None:
    admin = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await admin.say("/ketnoi", group=OFFICE_GROUP)
    for citizen in ("5001", "5002", "5003"):
        await world.citizen(citizen).file_petition(content=ROAD + f" Nhà số {citizen}.")
    moment = datetime(2026, 5, 21, 9, 0, tzinfo=LOCAL_TZ)  # 3 working days before 26/05
    sweepers = [
        ReminderSweep(uow_factory=world.uow_factory, catalogue=world.catalogue, office=world.office)
        for _ in range(2)
    ]
    reports = await asyncio.gather(*(sweeper.run(moment) for sweeper in sweepers))
    assert sum(report.reminders for report in reports) == 3
    assert sum(report.digests for report in reports) == 1
    texts = await texts_to(backend, OFFICE_GROUP)
    assert sum(text.startswith("NHẮC HẠN") for text in texts) == 3
    assert sum(text.startswith("Tình hình hồ sơ sáng") for text in texts) == 1
    assert len(await rows(backend, SentReminder)) == 4


async def test_a_forged_or_huge_number_is_answered_without_reaching_the_database(world: World) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    assert "Không tìm thấy nhiệm vụ số" in await clerk.say("/nhiemvu xong " + "9" * 30)
    assert await clerk.press_token("s:view:" + "9" * 30) == "Tài khoản này không có quyền dùng chức năng này."
