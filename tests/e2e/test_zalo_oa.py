"""End to end on a Zalo Official Account: the real service over loopback HTTP against the fake OA Open API and
OAuth server, every event signed and posted to the webhook as Zalo posts it."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import bootstrap
from bot.zalo_oa.runtime import token_store
from models.case import Case, CaseAttachment
from models.citizen import Citizen
from models.enums import CaseStatus, OutboxStatus
from models.outbox import OutboxMessage
from models.staff import Role
from store.database import create_engine
from store.migrate import upgrade
from store.uow import SqlUnitOfWork
from tests.db import postgres_empty_database
from tests.e2e.telegram_harness import sqlite_url
from tests.e2e.zalo_bot_harness import grant_zalo_staff
from tests.e2e.zalo_oa_harness import OAHarness, OAPerson, running_oa
from tests.zalo_fake import oa_events as oa

CONTENT = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún khoảng 10 mét, trời mưa rất nguy hiểm."
CITIZEN, CLERK, LEADER, OFFICER = (
    "246845883529197922",
    "246845883529197001",
    "246845883529197002",
    "246845883529197003",
)
ANSWER = (
    "Phòng Kinh tế đã kiểm tra ngày 14/5, đã đổ bê tông lại 10 mét và khơi thông rãnh thoát nước hai bên."
)


async def rows(harness: OAHarness, model: type) -> list:  # type: ignore[type-arg]
    async with harness.app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found = list((await uow.session.scalars(select(model))).all())
        uow.session.expunge_all()
        return found


async def file_petition(citizen: OAPerson) -> str:
    """A whole filing on the OA: follow, buttons where they fit, numbers where they do not, a location, a
    photo, and the contact details shared with Zalo's form."""
    welcome = await citizen.send(oa.follow(citizen.user_id))
    assert "Kính chào Ông/Bà" in welcome[0]
    await citizen.pick("Gửi ý kiến")
    await citizen.pick("Đồng ý")
    await citizen.pick("Phản ánh")
    await citizen.pick("Giao thông")  # twelve fields: a numbered list, not buttons
    await citizen.say(CONTENT)
    await citizen.send(oa.user_send_location(citizen.user_id, 21.6012, 105.8401))
    await citizen.pick("Xóm Đồng Bầu")
    await citizen.send(
        oa.user_send_image(citizen.user_id, "https://photo-stal-29.zdn.vn/duong-sut.jpg", "chỗ sụt")
    )
    await citizen.pick("Xong")
    await citizen.say("Nguyễn Văn An")
    form = citizen.harness.fake.messages_to(citizen.user_id)[-1]
    assert form["attachment"]["payload"]["template_type"] == "request_user_info"
    summary = await citizen.send(
        oa.user_submit_info(citizen.user_id, "Nguyễn Văn An", address="Xóm Đồng Bầu")
    )
    assert any("0912345678" in text for text in summary)
    receipt = await citizen.pick("Gửi")
    match = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", "\n".join(receipt))
    assert match, receipt
    return match.group(1)


async def test_a_citizen_files_on_the_official_account_with_buttons_a_location_a_photo_and_the_form(
    tmp_path: Path,
) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        citizen = harness.person(CITIZEN)
        code = await file_petition(citizen)
        [case] = await rows(harness, Case)
        assert (case.code, case.channel, case.petitioner_phone) == (code, "zalo_oa", "0912345678")
        assert (case.latitude, case.longitude) == (21.6012, 105.8401)
        [photo] = await rows(harness, CaseAttachment)
        assert photo.file_id == "https://photo-stal-29.zdn.vn/duong-sut.jpg"
        status = await citizen.say(f"/tracuu {code}")
        assert f"Hồ sơ {code} — Phản ánh" in status[0]
        assert harness.fake.rejected == []  # every call matched the Open API
        assert harness.fake.paid == []  # nothing was sent outside the free window


async def test_a_forged_or_missing_signature_gets_401_and_changes_nothing(tmp_path: Path) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        body = oa.user_send_text(CITIZEN, "Xin chào")
        assert await harness.fake.emit(harness.url, body, signature="mac=" + "0" * 64) == 401
        assert await harness.fake.emit(harness.url, body, signature="") == 401
        tampered = oa.user_send_text(CITIZEN, "Xin chào")
        raw = harness.fake.signature(b"{}", tampered["timestamp"])  # signed for another body
        assert await harness.fake.emit(harness.url, tampered, signature=raw) == 401
        assert not await harness.processed(f"zalo_oa:{body['message']['msg_id']}")
        assert harness.fake.messages_to(CITIZEN) == []


async def test_a_redelivered_event_is_handled_once(tmp_path: Path) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        citizen = harness.person(CITIZEN)
        body = oa.user_send_text(CITIZEN, "Xin chào")
        assert await citizen.send(body)
        assert await harness.fake.emit(harness.url, body, num_retry=1) == 200
        await harness.service.wait_background()
        assert citizen.new_texts() == []


async def test_an_expired_access_token_is_refreshed_once_mid_run_and_nothing_is_lost(tmp_path: Path) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        citizen = harness.person(CITIZEN)
        await citizen.say("Xin chào")
        harness.fake.expire_access_token()
        answered = await citizen.say("/trogiup")
        assert answered
        assert harness.fake.spent_refresh_tokens == ["refresh-0"]
        await citizen.say("/maso")
        assert harness.fake.spent_refresh_tokens == ["refresh-0"]  # the new token serves from then on
        assert [m.status for m in await rows(harness, OutboxMessage)].count(OutboxStatus.SENT) == 3


async def test_a_result_due_outside_the_window_waits_and_goes_out_first_when_the_citizen_writes(
    tmp_path: Path,
) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff_oa(harness)
        clerk, officer, leader = harness.person(CLERK), harness.person(OFFICER), harness.person(LEADER)
        citizen = harness.person(CITIZEN)
        code = await file_petition(citizen)
        harness.clock.advance(timedelta(hours=49))  # the citizen has not written for two days
        for person in (clerk, officer, leader):
            await person.say("Xin chào")  # staff wrote to the OA today: their windows are open
        await clerk.say(f"/phancong {code} KT")
        await officer.say(f"/ketqua {code}")
        await officer.say(ANSWER)
        await officer.pick("Trình duyệt")
        await leader.say(f"/duyet {code}")
        await harness.fake.wait_until(lambda: any("CHƯA BÁO ĐƯỢC CHO NGƯỜI DÂN" in t for t in clerk.texts))
        told = next(t for t in clerk.texts if "CHƯA BÁO ĐƯỢC CHO NGƯỜI DÂN" in t)
        assert code in told
        assert "Số điện thoại người dân đã cung cấp: 0912345678." in told
        assert not any(ANSWER in text for text in citizen.texts)  # nothing sent, nothing paid for
        waiting = [m for m in await rows(harness, OutboxMessage) if m.status is OutboxStatus.WAITING]
        assert {m.chat_id for m in waiting} == {CITIZEN}
        citizen.seen = len(citizen.texts)
        answers = await citizen.say(f"/tracuu {code}")
        joined = "\n".join(answers)
        assert joined.index(ANSWER) < joined.index(f"Hồ sơ {code} — Phản ánh")  # what waited goes first
        assert harness.fake.paid == []


async def test_a_citizen_who_unfollows_is_marked_unreachable_and_keeps_their_case(tmp_path: Path) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        citizen = harness.person(CITIZEN)
        code = await file_petition(citizen)
        assert await harness.deliver(oa.unfollow(CITIZEN)) == 200
        [row] = await rows(harness, Citizen)
        assert row.unreachable_at is not None
        [case] = await rows(harness, Case)
        assert case.code == code
        assert case.status is CaseStatus.RECEIVED


async def test_staff_triage_on_the_official_account_until_the_approved_answer_reaches_the_citizen(
    tmp_path: Path,
) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff_oa(harness)
        clerk, officer, leader = harness.person(CLERK), harness.person(OFFICER), harness.person(LEADER)
        for person in (clerk, officer, leader):
            await person.say("Xin chào")  # staff write to the OA once, so it may write to them
        citizen = harness.person(CITIZEN)
        code = await file_petition(citizen)
        await harness.fake.wait_until(lambda: any(t.startswith(code) for t in clerk.texts))
        card = next(t for t in clerk.texts if t.startswith(code))
        assert "Nguyễn Văn An" not in card
        assert "0912" not in card
        await clerk.pick("Phân công")
        await clerk.pick("Phòng Kinh tế")
        await harness.fake.wait_until(lambda: any(code in t for t in officer.texts))
        await officer.say(f"/ketqua {code}")
        await officer.say(ANSWER)
        await officer.pick("Trình duyệt")
        await harness.fake.wait_until(lambda: any("KẾT QUẢ CHỜ DUYỆT" in t for t in clerk.texts))
        await leader.say(f"/duyet {code}")
        await harness.fake.wait_until(lambda: any(ANSWER in t for t in citizen.texts))
        [case] = await rows(harness, Case)
        assert case.status is CaseStatus.ANSWERED
        assert harness.fake.rejected == []


async def grant_zalo_staff_oa(harness: OAHarness) -> None:
    await grant_zalo_staff(
        harness,
        [
            (CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)]),
            (LEADER, "Lê Văn Lãnh", [(Role.LEADER, None)]),
            (OFFICER, "Phạm Văn Kinh", [(Role.UNIT, "KT")]),
        ],
        channel="zalo_oa",
    )


@pytest.mark.postgres
async def test_two_workers_refreshing_at_once_spend_one_refresh_token() -> None:
    """Two processes on one PostgreSQL database find the access token expired at the same moment: one
    spends the refresh token, the other takes the new access token it stored."""
    async with postgres_empty_database() as url:
        engine = create_engine(url, pool_size=1)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        async with running_oa(url) as harness:
            await two_workers_refresh(harness)


async def two_workers_refresh(harness: OAHarness) -> None:
    second = await bootstrap(harness.app.settings, clock=harness.clock)
    try:
        harness.fake.expire_access_token()
        first_store, second_store = harness.channel.tokens, token_store(second)
        tokens = await asyncio.gather(first_store.refresh("access-0"), second_store.refresh("access-0"))
        assert tokens[0] == tokens[1] == harness.fake.access_token
        assert harness.fake.spent_refresh_tokens == ["refresh-0"]
        assert harness.fake.refused_refresh_tokens == []
    finally:
        await second.aclose()


async def test_an_anonymous_visitor_is_answered_in_their_conversation(tmp_path: Path) -> None:
    async with running_oa(sqlite_url(tmp_path)) as harness:
        body = oa.anonymous_send_text("5a8f3c2e1b7d9a0c4e6f", "Xin chào", conversation_id="c0ffee1234abcd")
        assert await harness.deliver(body) == 200
        await harness.fake.wait_until(lambda: bool(harness.fake.texts_to("5a8f3c2e1b7d9a0c4e6f")))
        assert "Kính chào Ông/Bà" in harness.fake.texts_to("5a8f3c2e1b7d9a0c4e6f")[0]
        assert harness.fake.rejected == []


async def test_a_pdf_a_citizen_sent_is_uploaded_to_the_clerk_who_opens_the_case(tmp_path: Path) -> None:
    pdf = b"%PDF-1.4\n" + b"0" * 40_000 + b"\n%%EOF\n"
    async with running_oa(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff_oa(harness)
        clerk, citizen = harness.person(CLERK), harness.person(CITIZEN)
        await clerk.say("Xin chào")
        await citizen.send(oa.follow(CITIZEN))
        await citizen.pick("Gửi ý kiến")
        await citizen.pick("Không đồng ý")  # anonymous: no identity questions
        await citizen.pick("Phản ánh")
        await citizen.pick("Giao thông")
        await citizen.say(CONTENT)
        await citizen.pick("Bỏ qua")  # no place (the village is read from the content)
        url = harness.fake.host("bien-ban.pdf", pdf)
        await citizen.send(oa.user_send_file(CITIZEN, url, "bien-ban.pdf", len(pdf)))
        await citizen.pick("Xong")
        receipt = await citizen.pick("Gửi")
        code = re.search(r"PT-\d\d-\d{5}", "\n".join(receipt))
        assert code, receipt
        await clerk.say(f"/hoso {code.group(0)}")
        await clerk.pick("Xem tệp")
        await harness.fake.wait_until(
            lambda: any(name == "bien-ban.pdf" for name, _ in harness.fake.uploads.values())
        )
        assert ("bien-ban.pdf", pdf) in harness.fake.uploads.values()
        files = [
            m for m in harness.fake.messages_to(CLERK) if (m.get("attachment") or {}).get("type") == "file"
        ]
        assert len(files) == 1
        assert harness.fake.rejected == []


async def test_staff_are_asked_to_write_before_the_window_closes_on_them_once(tmp_path: Path) -> None:
    """Staff on the OA hear nothing once 48 hours pass without writing: before that, by day, they are asked
    once to write (the cards and reminders would otherwise wait for them)."""
    async with running_oa(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff_oa(harness)
        clerk = harness.person(CLERK)
        await clerk.say("Xin chào")  # Tuesday 08:15: the window closes on Thursday at 08:15
        harness.clock.advance(timedelta(hours=26))  # Wednesday 10:15: too early
        await harness.service.scheduler.tick()
        assert not any("nhắn một tin bất kỳ" in text for text in clerk.texts)
        harness.clock.advance(timedelta(hours=3))  # Wednesday 13:15: less than 20 hours before it closes
        await harness.service.scheduler.tick()
        await harness.fake.wait_until(lambda: any("nhắn một tin bất kỳ" in text for text in clerk.texts))
        asked = next(text for text in clerk.texts if "nhắn một tin bất kỳ" in text)
        assert "trước 08:15 ngày 14/05/2026" in asked
        await harness.service.scheduler.tick()
        assert sum("nhắn một tin bất kỳ" in text for text in clerk.texts) == 1
        assert harness.fake.paid == []
