"""Dialogue conferences end to end on the fake store, with a moving clock: a clerk announces a session to one
village, its subscribers (and only they) get the notice with a calendar file, citizens register and ask in
advance, the clerk exports the list, a rescheduled session sends a correction and never a stale reminder,
the reminders come 1 day and 2 hours before, and the results reach everyone who took part.

The clock starts on Tuesday 12/05/2026 08:00."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from handlers.broadcasts.engine import BroadcastRunner
from handlers.delivery.worker import OutboxDelivery
from handlers.kernel.replies import Reply, file_content
from models.base import LOCAL_TZ
from models.broadcast import Broadcast, BroadcastStatus
from models.case import Case
from models.conference import Conference
from models.enums import CaseKind
from models.outbox import OutboxMessage
from models.staff import Role
from scheduler.sweep import ReminderSweep
from tests.fakes import RecordingSender
from tests.office import OFFICE_GROUP, Member, World

AN, BINH, CUONG, DUNG = "5001", "5002", "5003", "5004"


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.fixture
def runner(world: World) -> BroadcastRunner:
    return BroadcastRunner(uow_factory=world.uow_factory, clock=world.clock, catalogue=world.catalogue)


@pytest.fixture
def sweep(world: World) -> ReminderSweep:
    return ReminderSweep(uow_factory=world.uow_factory, catalogue=world.catalogue, office=world.office)


async def drain(runner: BroadcastRunner, world: World) -> None:
    """Queue every broadcast and deliver what was queued, as the runner and the delivery worker do."""
    channels = {row.channel for row in stored(world, OutboxMessage)}
    delivery = OutboxDelivery(
        uow_factory=world.uow_factory, clock=world.clock, senders={c: RecordingSender() for c in channels}
    )
    while await runner.drain_once() or await delivery.drain_once():
        pass


def notices(world: World, chat: str, marker: str) -> list[Reply]:
    return [reply for reply in world.inbox(chat) if marker in reply.text]


def stored(world: World, cls: type) -> list:  # type: ignore[type-arg]
    return world.uow_factory.store.all(cls)  # type: ignore[attr-defined]


async def announce(
    clerk: Member, when: str = "25/05/2026 19:30-21:00", *, village: str = "Xóm Đồng Bầu"
) -> str:
    await clerk.say("/doithoai")
    await clerk.answer("Đối thoại về đường liên xóm Đồng Bầu")
    await clerk.press("Giao thông")
    shown = await clerk.answer(when)
    if "chưa đủ 7 ngày" in shown:
        return shown
    await clerk.answer("Hội trường Ủy ban nhân dân xã")
    await clerk.press("Không có")
    await clerk.answer("Ông Nguyễn Văn Hùng, Chủ tịch UBND xã")
    await clerk.press(f"☐ {village}")
    await clerk.press("Tiếp tục")
    summary = await clerk.press("Không có")
    assert "XEM LẠI TRƯỚC KHI CÔNG BỐ" in summary
    await clerk.press("Công bố")
    return clerk.world.inbox(clerk.account)[-1].text  # the status message, kept up to date


async def test_a_session_reaches_the_subscribers_of_its_village_only_with_a_calendar_file(
    world: World, clerk: Member, runner: BroadcastRunner
) -> None:
    await world.citizen(AN).subscribe("Hội nghị đối thoại", villages=("Xóm Đồng Bầu",))
    await world.citizen(BINH).subscribe("Hội nghị đối thoại", villages=("Xóm Bãi Chè",))
    await world.citizen(CUONG).subscribe("Thông báo")
    await world.citizen(DUNG).subscribe("Hội nghị đối thoại")  # the whole commune
    published = await announce(clerk)
    assert "Đã công bố hội nghị đối thoại DT1" in published
    assert "tới 2 người" in published
    await drain(runner, world)
    for chat in (AN, DUNG):
        [notice] = notices(world, chat, "THÔNG BÁO — ")
        assert "Hội nghị đối thoại DT1: Đối thoại về đường liên xóm Đồng Bầu" in notice.text
        assert "Thời gian: 19:30 ngày 25/05/2026 đến 21:00" in notice.text
        assert "Dành cho: Xóm Đồng Bầu" in notice.text
        [ics] = notice.attachments
        content = file_content(ics)
        assert content is not None
        assert b"BEGIN:VEVENT" in content
        assert b"DTSTART;TZID=Asia/Ho_Chi_Minh" in content
    assert not notices(world, BINH, "THÔNG BÁO — ")
    assert not notices(world, CUONG, "THÔNG BÁO — ")
    status = world.inbox(clerk.account)
    assert any("đã gửi xong — 2 người nhận được" in r.text and r.edit_of for r in status)
    assert any(r.text.startswith("BÁO CÁO GỬI TIN") for r in status)


async def test_a_session_less_than_seven_days_ahead_needs_a_recorded_urgent_reason(
    world: World, clerk: Member
) -> None:
    shown = await announce(clerk, "15/05/2026 19:30")
    assert "còn chưa đủ 7 ngày" in shown
    assert "Thời gian bắt đầu?" in await clerk.press("Chọn lại thời gian")
    await clerk.answer("15/05/2026 19:30")
    assert "lý do tổ chức khẩn" in await clerk.press("Tổ chức khẩn")
    await clerk.answer("Sạt lở bờ sông cần lấy ý kiến Nhân dân ngay")
    await clerk.answer("Nhà văn hóa xóm Bãi Chè")
    await clerk.answer("https://meet.example.vn/doithoai")
    await clerk.answer("Ông Nguyễn Văn Hùng, Chủ tịch UBND xã")
    await clerk.press("Tiếp tục")
    summary = await clerk.press("Không có")
    assert "KHẨN — lý do: Sạt lở bờ sông" in summary
    assert "Trực tuyến: https://meet.example.vn/doithoai" in summary
    await clerk.press("Công bố")
    [session] = stored(world, Conference)
    assert session.urgent
    assert session.urgent_note.startswith("Sạt lở")
    assert session.village_ids == []  # nothing chosen: the whole commune


@pytest.mark.parametrize(
    ("step", "typed", "answer"),
    [
        ("time", "mai 7 giờ", "không hợp lệ hoặc đã qua"),
        ("time", "01/05/2026 19:30", "không hợp lệ hoặc đã qua"),
        ("time", "25/05/2026 21:00-19:30", "không hợp lệ"),
        ("title", "abc", "từ 5 đến 300 ký tự"),
    ],
)
async def test_bad_answers_in_the_flow_get_a_clear_answer_and_the_question_again(
    clerk: Member, step: str, typed: str, answer: str
) -> None:
    await clerk.say("/doithoai")
    if step == "time":
        await clerk.answer("Đối thoại về đường liên xóm")
        await clerk.press("Giao thông")
    shown = await clerk.answer(typed)
    assert answer in shown


async def test_only_the_office_creates_sessions_and_never_in_a_group(world: World, clerk: Member) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    assert "Chỉ cán bộ Văn phòng hoặc lãnh đạo" in await officer.say("/doithoai")
    assert "tin nhắn riêng" in await clerk.say("/doithoai", group=OFFICE_GROUP)
    assert "tin nhắn riêng" in await clerk.say("/doithoai_xuat DT1", group=OFFICE_GROUP)


async def test_citizens_register_and_ask_and_the_clerk_exports_them_for_the_chair(
    world: World, clerk: Member, runner: BroadcastRunner
) -> None:
    await announce(clerk)
    an = world.citizen(AN)
    await an.send("/doithoai")
    await an.press("Đăng ký dự DT1")
    await an.send("Nguyễn Văn An")
    [registered] = [r for r in await an.send("0912 345 678") if r.attachments]
    assert "Đã đăng ký cho Ông/Bà dự hội nghị đối thoại DT1 lúc 19:30 ngày 25/05/2026" in registered.text
    assert registered.attachments[0]["file_name"] == "DT1.ics"
    await an.send("/doithoai")
    assert "đã đăng ký dự hội nghị DT1 rồi" in "\n".join(r.text for r in await an.press("Đăng ký dự DT1"))
    dung = world.citizen(DUNG)
    await dung.send("/doithoai")
    await dung.press("Gửi câu hỏi cho DT1")
    assert "ít nhất 15 ký tự" in "\n".join(r.text for r in await dung.send("Khi nào?"))
    await dung.send("Bao giờ thì đường liên xóm được sửa xong, kinh phí lấy từ đâu?")
    await dung.send("Trần Thị Dung")
    await dung.send("0987654321")
    sent = "\n".join(r.text for r in await dung.send("Xóm Đồng Bầu, xã Phú Thịnh"))
    assert "Đã ghi nhận câu hỏi của Ông/Bà cho hội nghị DT1 — mã hồ sơ" in sent
    [question] = [case for case in stored(world, Case) if case.conference_id is not None]
    assert question.kind is CaseKind.HOI_DAP
    assert question.field_slug == "giao_thong_ha_tang"
    assert question.petitioner_name == "Trần Thị Dung"
    exported = await clerk.say("/doithoai_xuat DT1")
    assert "1 người đăng ký dự, 1 câu hỏi" in exported
    [reply] = [r for r in world.inbox(clerk.account) if r.attachments]
    book = load_workbook(io.BytesIO(file_content(reply.attachments[0]) or b""))
    people = list(book["Dang ky"].iter_rows(min_row=3, values_only=True))
    assert [(p[1], p[2], p[3]) for p in people] == [
        ("Nguyễn Văn An", "0912345678", "Có"),
        ("Trần Thị Dung", "0987654321", "Không"),
    ]
    asked = list(book["Cau hoi"].iter_rows(min_row=2, values_only=True))
    assert asked[0][1] == question.code
    assert "kinh phí" in str(asked[0][4])


async def test_a_rescheduled_session_sends_a_correction_and_reminders_only_for_its_new_time(
    world: World, clerk: Member, runner: BroadcastRunner, sweep: ReminderSweep
) -> None:
    await world.citizen(AN).subscribe("Hội nghị đối thoại", villages=("Xóm Đồng Bầu",))
    await world.citizen(BINH).subscribe("Hội nghị đối thoại", villages=("Xóm Bãi Chè",))
    await announce(clerk)
    await drain(runner, world)
    await clerk.say("/doithoai doi DT1 26/05/2026 19:30")
    assert "Đã cập nhật hội nghị DT1" in world.texts(clerk.account)
    await drain(runner, world)
    [correction] = notices(world, AN, "ĐÍNH CHÍNH")
    assert "trước đây: 19:30 ngày 25/05/2026" in correction.text
    assert "19:30 ngày 26/05/2026" in correction.text
    assert not notices(world, BINH, "ĐÍNH CHÍNH")
    for moment in (at(24, 5, 19, 35), at(25, 5, 17, 35)):  # the old time's 1-day and 2-hour marks
        world.clock.set(moment)
        await sweep.run(world.clock.now())
        await drain(runner, world)
        assert not notices(world, AN, "NHẮC LỊCH")
    world.clock.set(at(25, 5, 19, 35))
    await sweep.run(world.clock.now())
    await sweep.run(world.clock.now())  # a second sweep queues nothing more
    await drain(runner, world)
    [tomorrow] = notices(world, AN, "NHẮC LỊCH")
    assert "sẽ diễn ra vào ngày mai" in tomorrow.text
    world.clock.set(at(26, 5, 17, 40))
    await sweep.run(world.clock.now())
    await drain(runner, world)
    assert "sau khoảng 2 giờ nữa" in notices(world, AN, "NHẮC LỊCH")[-1].text
    assert len(notices(world, AN, "NHẮC LỊCH")) == 2
    assert not notices(world, BINH, "NHẮC LỊCH")


async def test_a_notice_still_queued_when_the_session_moves_is_given_up(
    world: World, clerk: Member, runner: BroadcastRunner
) -> None:
    await world.citizen(AN).subscribe("Hội nghị đối thoại")
    await announce(clerk)  # the notice is queued but the runner has not expanded it yet
    await clerk.say("/doithoai diadiem DT1 Nhà văn hóa xóm Đồng Bầu")
    await drain(runner, world)
    assert not notices(world, AN, "THÔNG BÁO — ")
    [correction] = notices(world, AN, "ĐÍNH CHÍNH")
    assert "trước đây: Hội trường Ủy ban nhân dân xã" in correction.text
    first, second = sorted(stored(world, Broadcast), key=lambda b: b.id)
    assert first.status is BroadcastStatus.CANCELLED
    assert second.status is BroadcastStatus.DONE


async def test_results_reach_everyone_who_took_part_and_the_office_is_reminded_when_late(
    world: World, clerk: Member, runner: BroadcastRunner, sweep: ReminderSweep
) -> None:
    await world.citizen(AN).subscribe("Hội nghị đối thoại", villages=("Xóm Đồng Bầu",))
    await announce(clerk)
    bình = world.citizen(BINH)  # not a subscriber: registers
    await bình.send("/doithoai")
    await bình.press("Đăng ký dự DT1")
    await bình.send("Lê Văn Bình")
    await bình.send("0903123456")
    assert "chưa diễn ra" in await clerk.say("/doithoai ketqua DT1")
    world.clock.set(at(2, 6, 9))  # 8 days after: not published yet
    await sweep.run(world.clock.now())
    [late] = [r.text for r in world.inbox(OFFICE_GROUP) if "chưa công bố kết quả" in r.text]
    assert "chậm nhất ngày 04/06/2026: /doithoai ketqua DT1" in late
    await clerk.say("/doithoai ketqua DT1")
    assert "quá ngắn" in await clerk.answer("Xong.")
    ready = await clerk.answer(
        "Xã sẽ sửa đường liên xóm trong quý III, kinh phí từ ngân sách xã và Nhân dân đóng góp."
    )
    assert "0 tài liệu" in ready
    assert "1 tài liệu" in await clerk.send_file("bien-ban-doi-thoai.pdf")
    await clerk.press("Công bố")
    assert "Đã công bố kết quả hội nghị DT1" in world.texts(clerk.account)
    await drain(runner, world)
    for chat in (AN, BINH):
        [results] = notices(world, chat, "KẾT QUẢ HỘI NGHỊ ĐỐI THOẠI DT1")
        assert "sửa đường liên xóm trong quý III" in results.text
        assert results.attachments[0]["file_id"] == "file-bien-ban-doi-thoai.pdf"
    assert "đã công bố ngày 02/06/2026" in await clerk.say("/doithoai ketqua DT1")


async def test_a_postponed_session_tells_subscribers_and_registrants_and_stops_taking_sign_ups(
    world: World, clerk: Member, runner: BroadcastRunner
) -> None:
    await world.citizen(AN).subscribe("Hội nghị đối thoại")
    await announce(clerk)
    await drain(runner, world)
    assert "Xin ghi lý do" in await clerk.say("/doithoai huy DT1")
    await clerk.say("/doithoai huy DT1 Trùng lịch họp của huyện")
    assert "Đã hoãn hội nghị DT1" in world.texts(clerk.account)
    await drain(runner, world)
    [postponed] = notices(world, AN, "THÔNG BÁO HOÃN")
    assert "Trùng lịch họp của huyện" in postponed.text
    assert b"STATUS:CANCELLED" in (file_content(postponed.attachments[0]) or b"")
    assert "chưa có hội nghị đối thoại nào sắp diễn ra" in "\n".join(
        r.text for r in await world.citizen(AN).send("/doithoai")
    )
    assert "đã hoãn" in await clerk.say("/doithoai doi DT1 30/05/2026 19:30")
