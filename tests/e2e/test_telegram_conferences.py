"""Dialogue conferences on Telegram, end to end: the real service and aiogram client over loopback HTTP against
the fake Bot API server, on SQLite, with a moving clock. A clerk announces a session to one village; its
subscribers (and only they, with the whole commune's) get the notice with a calendar file; citizens register
and ask in advance; the clerk exports them; the reminders come 1 day and 2 hours before; a moved session sends
a correction and never a stale reminder; and the results reach everyone who took part.

The clock starts on Tuesday 12/05/2026 08:15; the reminder sweep is the service's own scheduler, ticked by
hand after each move of the clock."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from models.base import LOCAL_TZ
from models.case import Case
from models.conference import Conference
from models.enums import CaseKind
from models.staff import Role
from store.uow import SqlUnitOfWork
from tests.e2e.telegram_harness import Harness, grant_staff, running_bot, sqlite_url
from tests.telegram_fake import updates as tg

CLERK, LEADER = 9001, 9002
AN, BINH, CUONG, DUNG, EM, GIANG = 501, 502, 503, 504, 505, 506  # GIANG and EM never subscribe
NOTICE, REMINDER, CORRECTION, RESULTS = "THÔNG BÁO — ", "NHẮC LỊCH", "ĐÍNH CHÍNH", "KẾT QUẢ HỘI NGHỊ"
QUESTION = "Bao giờ thì đường liên xóm được sửa xong, kinh phí lấy từ đâu?"
OUTCOME = "Xã sẽ sửa đường liên xóm trong quý III, kinh phí từ ngân sách xã và Nhân dân đóng góp."


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


async def staff(harness: Harness) -> None:
    await grant_staff(
        harness,
        [
            (CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)]),
            (LEADER, "Lê Văn Lãnh", [(Role.LEADER, None)]),
        ],
    )


def said(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def received(harness: Harness, chat: int, marker: str) -> list[str]:
    return [m["text"] for m in harness.fake.messages_to(chat) if marker in m["text"]]


async def arrived(harness: Harness, chat: int, marker: str, count: int = 1) -> list[str]:
    """Wait until ``count`` messages with ``marker`` reached the chat; they are returned."""
    await harness.fake.wait_until(lambda: len(received(harness, chat, marker)) >= count)
    return received(harness, chat, marker)


def uploaded(harness: Harness, chat: int, suffix: str) -> list[bytes]:
    """The bytes of the files named ``*suffix`` the chat received (uploaded, or sent again by their id)."""
    return [content for name, content in harness.fake.documents.get(str(chat), []) if name.endswith(suffix)]


async def subscribe(harness: Harness, chat: int, topic: str, *villages: str) -> str:
    """/dangky for one topic and some villages (none: the whole commune), pressing the buttons."""
    citizen = harness.citizen(chat)
    await citizen.say("/dangky")
    await citizen.press(f"☐ {topic}")
    await citizen.press("Tiếp tục")
    for village in villages:
        await citizen.press(f"☐ {village}")
    return said(await citizen.press("Đồng ý"))


async def announce(harness: Harness, when: str = "25/05/2026 19:30-21:00") -> str:
    """The clerk's guided /doithoai, for Xóm Đồng Bầu; the status message it leaves."""
    clerk = harness.citizen(CLERK)
    await clerk.say("/doithoai")
    await clerk.say("Đối thoại về đường liên xóm Đồng Bầu")
    await clerk.press("Giao thông")
    await clerk.say(when)
    await clerk.say("Hội trường Ủy ban nhân dân xã")
    await clerk.press("Không có")
    await clerk.say("Ông Nguyễn Văn Hùng, Chủ tịch UBND xã")
    await clerk.press("☐ Xóm Đồng Bầu")
    await clerk.press("Tiếp tục")
    assert "XEM LẠI TRƯỚC KHI CÔNG BỐ" in said(await clerk.press("Không có"))
    return said(await clerk.press("Công bố"))


async def sweep(harness: Harness, moment: datetime) -> int:
    """Move the clock and run one sweep of the service's scheduler; how many dialogue reminders it queued."""
    harness.clock.set(moment)
    report = await harness.service.scheduler.tick()
    assert report is not None
    return report.conferences


async def register(harness: Harness, chat: int, name: str, phone: str) -> str:
    citizen = harness.citizen(chat)
    await citizen.say("/doithoai")
    await citizen.press("Đăng ký dự DT1")
    await citizen.say(name)
    return said(await citizen.say(phone))


async def ask(harness: Harness, chat: int, name: str, phone: str, address: str) -> str:
    citizen = harness.citizen(chat)
    await citizen.say("/doithoai")
    await citizen.press("Gửi câu hỏi cho DT1")
    await citizen.say(QUESTION)
    await citizen.say(name)
    await citizen.say(phone)
    return said(await citizen.say(address))


async def rows(harness: Harness, model: type[Any]) -> list[Any]:
    async with harness.app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found: list[Any] = list((await uow.session.scalars(select(model))).all())
        uow.session.expunge_all()
        return found


async def test_a_session_for_one_village_is_announced_reminded_moved_asked_about_exported_and_reported_back(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        assert "Xóm Đồng Bầu" in await subscribe(harness, AN, "Hội nghị đối thoại", "Xóm Đồng Bầu")
        await subscribe(harness, BINH, "Hội nghị đối thoại", "Xóm Bãi Chè")
        await subscribe(harness, CUONG, "Thông báo chung")  # the whole commune, another topic
        assert "cả xã" in await subscribe(harness, DUNG, "Hội nghị đối thoại")  # the whole commune

        # The clerk announces it; the status message is kept up to date, then a report follows.
        published = await announce(harness)
        assert "Đã công bố hội nghị đối thoại DT1" in published
        assert "tới 2 người" in published
        [report] = await arrived(harness, CLERK, "BÁO CÁO GỬI TIN — Thông báo hội nghị đối thoại")
        assert "Đã gửi tới 2 người; không gửi được 0 người" in report
        await arrived(harness, CLERK, "đã gửi xong")
        [status] = [m for m in harness.fake.messages_to(CLERK) if "đã gửi xong" in m["text"]]
        assert status["text"].startswith("Thông báo hội nghị đối thoại: đã gửi xong — 2 người nhận được")
        assert status["edited"] >= 1
        edits = [c for c in harness.fake.calls_to("editMessageText") if c.params["chat_id"] == CLERK]
        assert edits
        assert {c.params["message_id"] for c in edits} == {status["message_id"]}

        # Only the village's subscribers and the whole commune's get it, with a calendar file.
        for chat in (AN, DUNG):
            [notice] = received(harness, chat, NOTICE)
            assert "Hội nghị đối thoại DT1: Đối thoại về đường liên xóm Đồng Bầu" in notice
            assert "Thời gian: 19:30 ngày 25/05/2026 đến 21:00" in notice
            assert "Dành cho: Xóm Đồng Bầu" in notice
            [ics] = uploaded(harness, chat, "DT1.ics")
            assert b"BEGIN:VEVENT" in ics
            assert b"DTSTART;TZID=Asia/Ho_Chi_Minh:20260525T193000" in ics
        for chat in (BINH, CUONG):
            assert not received(harness, chat, NOTICE)
            assert not uploaded(harness, chat, ".ics")
        # The calendar file went up to Telegram once; the second subscriber got it by its Telegram id.
        uploads = [name for files in harness.fake.uploads.values() for name, _ in files]
        assert uploads.count("DT1.ics") == 1

        # Em (no subscription) registers; Giang (no subscription either) sends a question in advance.
        registered = await register(harness, EM, "Hoàng Văn Em", "0903 123 456")
        assert "Đã đăng ký cho Ông/Bà dự hội nghị đối thoại DT1 lúc 19:30 ngày 25/05/2026" in registered
        assert uploaded(harness, EM, "DT1.ics")
        sent = await ask(harness, GIANG, "Trần Thị Giang", "0987654321", "Xóm Đồng Bầu, xã Phú Thịnh")
        assert "Đã ghi nhận câu hỏi của Ông/Bà cho hội nghị DT1 — mã hồ sơ" in sent
        [session] = await rows(harness, Conference)
        [question] = await rows(harness, Case)
        assert (question.kind, question.conference_id) == (CaseKind.HOI_DAP, session.id)
        assert (question.petitioner_name, question.field_slug) == ("Trần Thị Giang", "giao_thong_ha_tang")
        assert question.code in sent

        # The clerk exports them for the chair.
        exported = said(await harness.citizen(CLERK).say("/doithoai_xuat DT1"))
        assert "1 người đăng ký dự, 1 câu hỏi" in exported
        [workbook] = uploaded(harness, CLERK, "DT1-dang-ky-cau-hoi.xlsx")
        book = load_workbook(io.BytesIO(workbook))
        people = [row[1:4] for row in book["Dang ky"].iter_rows(min_row=3, values_only=True)]
        assert people == [("Hoàng Văn Em", "0903123456", "Có"), ("Trần Thị Giang", "0987654321", "Không")]
        [asked] = list(book["Cau hoi"].iter_rows(min_row=2, values_only=True))
        assert (asked[1], asked[2], asked[4]) == (question.code, "Trần Thị Giang", QUESTION)

        # 1 day before: the reminder reaches the subscribers and the participants.
        took_part = (AN, DUNG, EM, GIANG)
        assert await sweep(harness, at(24, 5, 19, 35)) == 1
        for chat in took_part:
            [tomorrow] = await arrived(harness, chat, REMINDER)
            assert "sẽ diễn ra vào ngày mai" in tomorrow
            assert "Thời gian: 19:30 ngày 25/05/2026" in tomorrow
        assert await sweep(harness, at(24, 5, 19, 40)) == 0  # once only

        # The session moves: a correction, and no reminder for the old time.
        harness.clock.set(at(24, 5, 20, 0))
        moved = said(await harness.citizen(CLERK).say("/doithoai doi DT1 02/06/2026 19:30-21:00"))
        assert "Đã cập nhật hội nghị DT1" in moved
        await arrived(harness, CLERK, "BÁO CÁO GỬI TIN — Đính chính lịch hội nghị đối thoại")
        for chat in took_part:
            [correction] = await arrived(harness, chat, CORRECTION)
            assert "trước đây: 19:30 ngày 25/05/2026" in correction
            assert "Thời gian: 19:30 ngày 02/06/2026 đến 21:00" in correction
            entry = uploaded(harness, chat, "DT1.ics")[-1]  # the same UID, a higher SEQUENCE: it replaces
            assert b"DTSTART;TZID=Asia/Ho_Chi_Minh:20260602T193000" in entry
            assert b"UID:dialogue-1-1@nghedan" in entry
            assert b"SEQUENCE:2" in entry
        assert await sweep(harness, at(25, 5, 17, 35)) == 0  # the old time's 2-hour mark
        assert await sweep(harness, at(25, 5, 19, 35)) == 0  # the old time itself

        # 1 day and 2 hours before the new time.
        assert await sweep(harness, at(1, 6, 19, 35)) == 1
        for chat in took_part:
            _, tomorrow = await arrived(harness, chat, REMINDER, 2)
            assert "sẽ diễn ra vào ngày mai" in tomorrow
            assert "Thời gian: 19:30 ngày 02/06/2026" in tomorrow
        assert await sweep(harness, at(2, 6, 17, 35)) == 1
        for chat in took_part:
            *_, soon = await arrived(harness, chat, REMINDER, 3)
            assert "sau khoảng 2 giờ nữa" in soon
            assert "Thời gian: 19:30 ngày 02/06/2026" in soon

        # After the session the clerk publishes the results, with the minutes attached.
        harness.clock.set(at(3, 6, 9, 0))
        clerk = harness.citizen(CLERK)
        await clerk.say("/doithoai ketqua DT1")
        assert "0 tài liệu" in said(await clerk.say(OUTCOME))
        attached = await clerk.send(tg.document(CLERK, "bien-ban-doi-thoai.pdf", "application/pdf"))
        assert "1 tài liệu" in said(attached)
        assert "Đã công bố kết quả hội nghị DT1" in said(await clerk.press("Công bố"))
        await arrived(harness, CLERK, "BÁO CÁO GỬI TIN — Kết quả hội nghị đối thoại")
        for chat in took_part:
            [results] = received(harness, chat, RESULTS)
            assert "KẾT QUẢ HỘI NGHỊ ĐỐI THOẠI DT1" in results
            assert OUTCOME in results
            assert harness.fake.files[str(chat)][-1]["document"] == "doc-bien-ban-doi-thoai.pdf"
        for chat in (BINH, CUONG):
            for marker in (NOTICE, REMINDER, CORRECTION, RESULTS):
                assert not received(harness, chat, marker), (chat, marker)
        for chat in took_part:
            assert len(received(harness, chat, REMINDER)) == 3
        for chat in (BINH, CUONG):
            assert await harness.unsent(chat) == 0  # nothing on its way either
        assert harness.fake.rejected == []


async def test_a_session_moved_before_its_reminders_is_reminded_only_at_its_new_time(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await subscribe(harness, AN, "Hội nghị đối thoại", "Xóm Đồng Bầu")
        await subscribe(harness, BINH, "Hội nghị đối thoại", "Xóm Bãi Chè")
        await announce(harness)
        await arrived(harness, AN, NOTICE)
        moved = said(await harness.citizen(CLERK).say("/doithoai doi DT1 26/05/2026 19:30"))
        assert "Đã cập nhật hội nghị DT1" in moved
        [correction] = await arrived(harness, AN, CORRECTION)
        assert "trước đây: 19:30 ngày 25/05/2026" in correction
        assert "Thời gian: 19:30 ngày 26/05/2026 đến 21:30" in correction
        await arrived(harness, CLERK, "BÁO CÁO GỬI TIN — Đính chính")
        for moment in (at(24, 5, 19, 35), at(25, 5, 17, 35)):  # the old time's 1-day and 2-hour marks
            assert await sweep(harness, moment) == 0
        assert await sweep(harness, at(25, 5, 19, 35)) == 1
        [tomorrow] = await arrived(harness, AN, REMINDER)
        assert "sẽ diễn ra vào ngày mai" in tomorrow
        assert "Thời gian: 19:30 ngày 26/05/2026" in tomorrow
        assert await sweep(harness, at(26, 5, 17, 40)) == 1
        _, soon = await arrived(harness, AN, REMINDER, 2)
        assert "sau khoảng 2 giờ nữa" in soon
        assert not received(harness, BINH, NOTICE)
        assert not received(harness, BINH, CORRECTION)
        assert not received(harness, BINH, REMINDER)
        assert await harness.unsent(BINH) == 0
        assert harness.fake.rejected == []


async def test_a_postponed_session_tells_subscribers_and_registrants_and_is_never_reminded(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await subscribe(harness, DUNG, "Hội nghị đối thoại")
        await announce(harness)
        await arrived(harness, DUNG, NOTICE)
        await register(harness, EM, "Hoàng Văn Em", "0903123456")
        clerk = harness.citizen(CLERK)
        assert "Xin ghi lý do" in said(await clerk.say("/doithoai huy DT1"))
        assert "Đã hoãn hội nghị DT1" in said(await clerk.say("/doithoai huy DT1 Trùng lịch họp của huyện"))
        await arrived(harness, CLERK, "BÁO CÁO GỬI TIN — Thông báo hoãn hội nghị đối thoại")
        for chat in (DUNG, EM):
            [postponed] = received(harness, chat, "THÔNG BÁO HOÃN — hội nghị đối thoại DT1")
            assert "lý do: Trùng lịch họp của huyện" in postponed
            entry = uploaded(harness, chat, "DT1.ics")[-1]
            assert b"METHOD:CANCEL" in entry
            assert b"STATUS:CANCELLED" in entry
        assert await sweep(harness, at(24, 5, 19, 35)) == 0
        assert await sweep(harness, at(25, 5, 17, 35)) == 0
        assert "chưa có hội nghị đối thoại nào sắp diễn ra" in said(
            await harness.citizen(EM).say("/doithoai")
        )
        assert "đã hoãn" in said(await clerk.say("/doithoai doi DT1 30/05/2026 19:30"))
        assert not received(harness, DUNG, REMINDER)
        assert not received(harness, EM, REMINDER)
        assert harness.fake.rejected == []
