"""The citizen-reception schedule: /lichtiepdan for citizens and staff, the office's changes, a session on a
day off flagged ahead, and subscribers reminded the working day before. The demo commune receives citizens
every Thursday 07:30–11:00; the clock starts on Tuesday 12/05/2026."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.broadcasts.engine import BroadcastRunner
from models.broadcast import Broadcast, BroadcastKind
from models.case import Case
from models.enums import OutboxPriority
from models.outbox import OutboxMessage
from models.staff import Role
from scheduler.sweep import ReminderSweep
from tests.chat import Chat
from tests.office import OFFICE_GROUP, Member, World, lines_with, morning

THURSDAY = "• Thứ Năm {date}, 07:30–11:00: Chủ tịch UBND xã tiếp công dân tại Phòng tiếp công dân, trụ sở UBND xã Phú Thịnh"


def text(replies: list) -> str:  # type: ignore[type-arg]
    return "\n".join(reply.text for reply in replies)


@pytest.fixture
def sweep(world: World) -> ReminderSweep:
    return ReminderSweep(uow_factory=world.uow_factory, catalogue=world.catalogue, office=world.office)


async def test_a_citizen_sees_the_next_four_weeks_of_sessions(chat: Chat) -> None:
    shown = text(await chat.send("/lichtiepdan"))
    assert "Lịch tiếp công dân của Ủy ban nhân dân xã Phú Thịnh trong 28 ngày tới:" in shown
    for day in ("14/05/2026", "21/05/2026", "28/05/2026", "04/06/2026"):
        assert THURSDAY.format(date=day) in shown
    assert "11/06/2026" not in shown
    assert "mang theo giấy tờ tùy thân" in shown
    assert "Thứ Năm 14/05/2026" in text(await chat.send("lich tiep dan"))


async def test_the_office_cancels_and_adds_sessions_and_citizens_see_the_change(
    world: World, clerk: Member
) -> None:
    assert "Đã hủy buổi tiếp công dân ngày 21/05/2026" in await clerk.say(
        "/lichtiepdan huy 21/05/2026 Chủ tịch đi họp tại tỉnh"
    )
    assert "đã được hủy trước đó" in await clerk.say("/lichtiepdan huy 21/05/2026 lần nữa")
    added = await clerk.say("/lichtiepdan them 22/05/2026 7h30-11h00")
    assert "Đã thêm buổi tiếp công dân 22/05/2026, 07:30–11:00 tại Phòng tiếp công dân" in added
    shown = text(await world.citizen("5001").send("/lichtiepdan"))
    assert "21/05/2026" not in shown
    assert "• Thứ Sáu 22/05/2026, 07:30–11:00" in shown
    assert "1 thay đổi đã bỏ" in await clerk.say("/lichtiepdan bo 22/05/2026")
    assert "22/05/2026" not in text(await world.citizen("5001").send("/lichtiepdan"))


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/lichtiepdan huy 31/02/2026 lý do", "Ngày «31/02/2026» không hợp lệ"),
        ("/lichtiepdan huy 21/05/2026", "Xin ghi lý do hủy"),
        ("/lichtiepdan huy 22/05/2026 bận", "Ngày 22/05/2026 không có buổi tiếp công dân định kỳ nào"),
        ("/lichtiepdan them 22/05/2026 11:00-07:30", "Giờ «11:00-07:30» không hợp lệ"),
        ("/lichtiepdan doi 22/05/2026", "Cú pháp: /lichtiepdan"),
    ],
)
async def test_bad_changes_get_a_clear_answer(clerk: Member, typed: str, answer: str) -> None:
    assert answer in await clerk.say(typed)


async def test_a_unit_officer_reads_the_schedule_but_cannot_change_it(world: World) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    assert "Thứ Năm 14/05/2026" in await officer.say("/lichtiepdan")
    assert "Chỉ cán bộ Văn phòng" in await officer.say("/lichtiepdan huy 14/05/2026 bận")


async def test_a_session_on_a_holiday_is_flagged_to_the_office_a_week_ahead_and_nobody_is_reminded(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    await world.citizen("5001").subscribe("Lịch tiếp công dân")
    world.clock.set(morning(date(2026, 4, 23)))  # Thursday 30/04 is Ngày Giải phóng miền Nam
    report = await sweep.run(world.clock.now())
    [flag] = lines_with(world, OFFICE_GROUP, "LỊCH TIẾP CÔNG DÂN")
    assert "buổi tiếp Thứ Năm 30/04/2026 (07:30–11:00) rơi vào ngày nghỉ" in flag
    assert "/lichtiepdan huy 30/04/2026 LÝ_DO" in flag
    assert report.reception == 1
    world.clock.set(morning(date(2026, 4, 29)))  # the last working day before it
    await sweep.run(world.clock.now())
    assert lines_with(world, "5001", "Nhắc lịch") == []
    assert len(lines_with(world, OFFICE_GROUP, "LỊCH TIẾP CÔNG DÂN")) == 1


async def test_subscribers_are_reminded_once_the_working_day_before_in_their_language_by_a_broadcast(
    world: World, sweep: ReminderSweep
) -> None:
    await world.citizen("5001").subscribe("Lịch tiếp công dân")
    await world.citizen("5002").subscribe("Hội nghị đối thoại")
    english = world.citizen("5003")
    await english.send("/ngonngu")
    await english.press("English")
    await english.send("/dangky")
    await english.press("☐ Citizen-reception")
    await english.press("Continue")
    await english.press("Agree")
    world.clock.set(morning(date(2026, 5, 13)))
    first = await sweep.run(world.clock.now())
    again = await sweep.run(world.clock.now())
    runner = BroadcastRunner(uow_factory=world.uow_factory, clock=world.clock, catalogue=world.catalogue)
    while await runner.drain_once():
        pass
    [reminder] = world.uow_factory.store.all(Broadcast)  # type: ignore[attr-defined]
    assert (reminder.kind, reminder.expanded, reminder.queued) == (BroadcastKind.RECEPTION_REMINDER, True, 2)
    assert {row.priority for row in world.uow_factory.store.all(OutboxMessage) if row.broadcast_id} == {  # type: ignore[attr-defined]
        OutboxPriority.BULK
    }
    [reminder] = lines_with(world, "5001", "Nhắc lịch tiếp công dân")
    assert "Thứ Năm 14/05/2026, 07:30–11:00, Chủ tịch UBND xã tiếp công dân" in reminder
    assert lines_with(world, "5002", "Nhắc lịch") == []
    assert lines_with(world, "5003", "Reminder: Thursday 14/05/2026")
    assert (first.reception, again.reception) == (1, 0)  # one broadcast, sent once


RAISED = "Đề nghị xã sửa lại cống thoát nước trước cổng chợ Đồng Bầu, mưa to là ngập cả lối đi."


async def enter_at_reception(clerk: Member, day: str) -> str:
    """/nhaphoso up to the question about the session; returns that question."""
    await clerk.say("/nhaphoso")
    await clerk.press("buổi tiếp công dân")
    return await clerk.say(day)


async def finish_entry(clerk: Member) -> str:
    await clerk.press("Kiến nghị")
    await clerk.press("Giao thông")
    await clerk.say(RAISED)
    await clerk.say("dong bau")
    summary = await clerk.press("Không (ẩn danh)")
    assert (await clerk.press("Lưu hồ sơ")).startswith("Đã lưu hồ sơ PT-26-")
    return summary


async def test_a_petition_raised_at_a_reception_session_is_entered_linked_to_it_and_listed_under_it(
    world: World, clerk: Member
) -> None:
    await clerk.say("/lichtiepdan them 07/05/2026 13:30-16:00 Nhà văn hóa xóm Đồng Bầu")
    question = await enter_at_reception(clerk, "07/05/2026")
    assert question.startswith("Đơn nhận tại buổi tiếp công dân nào?")
    assert THURSDAY.format(date="07/05/2026") in question
    assert "13:30–16:00" in question
    await clerk.press("13:30–16:00")
    summary = await finish_entry(clerk)
    assert "Buổi tiếp công dân: Thứ Năm 07/05/2026, 13:30–16:00" in summary
    card = world.card(OFFICE_GROUP, "PT-26-00001").text
    assert "Tiếp nhận: 07/05/2026 tại buổi tiếp công dân bắt đầu 13:30" in card
    shown = await clerk.say("/lichtiepdan 07/05/2026")
    assert shown.startswith("Buổi tiếp công dân ngày 07/05/2026:")
    morning_part, afternoon_part = shown.split("13:30–16:00", 1)
    assert "Chưa có hồ sơ nào được nhập cho buổi này" in morning_part
    assert "Hồ sơ nhận tại buổi này (1):\n• PT-26-00001 · Kiến nghị · Giao thông" in afternoon_part


async def test_a_day_without_a_session_is_said_and_the_clerk_may_retype_the_day_or_go_on_unlinked(
    world: World, clerk: Member
) -> None:
    question = await enter_at_reception(clerk, "06/05/2026")
    assert question.startswith("Ngày 06/05/2026 không có buổi tiếp công dân nào theo lịch.")
    assert "Đơn nhận tại buổi tiếp công dân nào?" in await clerk.say("07/05/2026")
    assert (await clerk.say("buổi chiều")).startswith("Ở bước này, xin Ông/Bà bấm một nút")
    await clerk.press("07:30–11:00")
    summary = await finish_entry(clerk)
    assert "Buổi tiếp công dân: Thứ Năm 07/05/2026, 07:30–11:00" in summary
    await enter_at_reception(clerk, "06/05/2026")
    await clerk.press("Không gắn với buổi tiếp nào")
    summary = await finish_entry(clerk)
    assert "Buổi tiếp công dân:" not in summary
    [second] = [c for c in world.uow_factory.store.all(Case) if c.code == "PT-26-00002"]  # type: ignore[attr-defined]
    assert (second.reception_key, second.source) == (None, "reception")
    assert await clerk.say("/lichtiepdan 06/05/2026") == "Ngày 06/05/2026 không có buổi tiếp công dân nào."


async def test_a_case_stays_listed_under_its_session_after_that_session_is_cancelled(clerk: Member) -> None:
    await enter_at_reception(clerk, "07/05/2026")
    await clerk.press("07:30–11:00")
    await finish_entry(clerk)
    assert "Đã hủy buổi tiếp" in await clerk.say("/lichtiepdan huy 07/05/2026 Ghi nhầm lịch")
    shown = await clerk.say("/lichtiepdan 07/05/2026")
    assert "Tiếp nhận: 07/05/2026 tại buổi tiếp công dân bắt đầu 07:30\nHồ sơ nhận tại buổi này (1):" in shown
    assert "• PT-26-00001 · Kiến nghị · Giao thông" in shown
