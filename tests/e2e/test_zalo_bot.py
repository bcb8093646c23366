"""End to end on the Zalo Bot Platform: the real service over loopback HTTP against the fake Zalo Bot API —
by webhook (as Zalo posts it) and by polling. No buttons: every choice is a typed number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from models.case import Case, CaseAttachment
from models.enums import CaseStatus
from models.staff import Role
from store.uow import SqlUnitOfWork
from tests.e2e.telegram_harness import sqlite_url
from tests.e2e.zalo_bot_harness import ZaloBotHarness, ZaloPerson, grant_zalo_staff, running_zalo_bot
from tests.zalo_fake import bot_updates as zb

CONTENT = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún khoảng 10 mét, trời mưa rất nguy hiểm."
CITIZEN, CLERK, LEADER, OFFICER = (
    "6ede9afa66b88fe6d6a9",
    "a0c01dfe32b3dbed82a2",
    "b1d12eff43c4ecfe93b3",
    "c2e23f004d5fd0f0a4c4",
)
ANSWER = (
    "Phòng Kinh tế đã kiểm tra ngày 14/5, đã đổ bê tông lại 10 mét và khơi thông rãnh thoát nước hai bên."
)


async def rows(harness: ZaloBotHarness, model: type) -> list:  # type: ignore[type-arg]
    async with harness.app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found = list((await uow.session.scalars(select(model))).all())
        uow.session.expunge_all()
        return found


async def file_petition(citizen: ZaloPerson) -> str:
    """A whole filing as a citizen does it on Zalo: typed numbers and typed answers."""
    welcome = await citizen.say("Xin chào")
    assert "gõ số thứ tự" in welcome[0]
    assert "/trogiup" in welcome[0]
    await citizen.choose("Gửi ý kiến")
    await citizen.choose("Đồng ý")
    await citizen.choose("Phản ánh")
    await citizen.choose("Giao thông")
    location = await citizen.say(CONTENT)
    assert "Xin Ông/Bà gõ địa chỉ" in location[-1]  # no location sharing on the Bot Platform
    assert "vị trí" not in location[-1]
    await citizen.say("gần cổng trường, xóm Đồng Bầu")  # the village is read from the address
    await citizen.send(zb.image(citizen.chat_id, "https://photo-stal-29.zdn.vn/duong-sut.jpg", "chỗ sụt"))
    await citizen.choose("Xong")
    await citizen.say("Nguyễn Văn An")
    await citizen.say("0912 345 678")
    await citizen.say("Xóm Đồng Bầu, xã Phú Thịnh")
    receipt = await citizen.choose("Gửi")
    match = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", "\n".join(receipt))
    assert match, receipt
    return match.group(1)


@pytest.mark.parametrize("webhook", [True, False], ids=["webhook", "polling"])
async def test_a_citizen_files_a_petition_with_a_photo_and_tracks_it_by_typing_alone(
    tmp_path: Path, webhook: bool
) -> None:
    async with running_zalo_bot(sqlite_url(tmp_path), webhook=webhook) as harness:
        citizen = harness.person(CITIZEN)
        code = await file_petition(citizen)
        [case] = await rows(harness, Case)
        assert (case.code, case.channel, case.petitioner_phone) == (code, "zalo_bot", "0912345678")
        [photo] = await rows(harness, CaseAttachment)
        assert photo.file_id == "https://photo-stal-29.zdn.vn/duong-sut.jpg"
        status = await citizen.say(f"/tracuu {code}")
        assert f"Hồ sơ {code} — Phản ánh" in status[0]
        assert harness.fake.rejected == []  # every call matched the API
        if webhook:
            assert harness.fake.webhook_url == "https://nghedan.example.gov.vn/zalo/webhook"
            assert harness.fake.webhook_secret == "zalo-secret-for-tests"
        else:
            assert harness.fake.webhook_url is None


async def test_a_forged_or_missing_secret_gets_401_and_changes_nothing(tmp_path: Path) -> None:
    async with running_zalo_bot(sqlite_url(tmp_path)) as harness:
        update = zb.text(CITIZEN, "Xin chào")
        assert (await harness.post(zb.wrapped(update), secret="wrong-secret"))[0] == 401
        assert (await harness.post(zb.wrapped(update), secret=""))[0] == 401
        assert not await harness.processed(update)
        assert harness.fake.messages_to(CITIZEN) == []


async def test_a_redelivered_message_is_handled_once_in_either_body_shape(tmp_path: Path) -> None:
    async with running_zalo_bot(sqlite_url(tmp_path)) as harness:
        citizen = harness.person(CITIZEN)
        update = zb.text(CITIZEN, "Xin chào")
        first = await citizen.send(update)
        assert first
        assert await citizen.send(update, flat=True) == []  # the same message_id, flat this time
        assert await harness.processed(update)


async def test_a_long_answer_is_split_at_paragraphs_within_2000_characters(tmp_path: Path) -> None:
    async with running_zalo_bot(sqlite_url(tmp_path)) as harness:
        citizen = harness.person(CITIZEN)
        await citizen.say("/trogiup")
        assert all(len(text.encode("utf-16-le")) // 2 <= 2000 for text in citizen.texts)
        assert harness.fake.rejected == []


async def test_staff_triage_a_case_by_numbers_on_zalo_until_the_approved_answer_reaches_the_citizen(
    tmp_path: Path,
) -> None:
    async with running_zalo_bot(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff(
            harness,
            [
                (CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)]),
                (LEADER, "Lê Văn Lãnh", [(Role.LEADER, None)]),
                (OFFICER, "Phạm Văn Kinh", [(Role.UNIT, "KT")]),
            ],
        )
        citizen = harness.person(CITIZEN)
        code = await file_petition(citizen)
        clerk, officer, leader = harness.person(CLERK), harness.person(OFFICER), harness.person(LEADER)
        # No Zalo group is linked: the card reaches each clerk privately, numbered.
        await harness.fake.wait_until(lambda: any(code in text for text in clerk.texts))
        card = next(text for text in clerk.texts if text.startswith(code))
        assert "Nguyễn Văn An" not in card
        assert "0912" not in card
        assert "1. Thụ lý\n2. Phân công" in card
        clerk.seen = len(clerk.texts)
        units = await clerk.choose("Phân công")
        assert f"Chọn bộ phận giải quyết hồ sơ {code}" in units[0]
        done = await clerk.choose("Phòng Kinh tế")
        assert any(f"Đã phân công hồ sơ {code} cho Phòng Kinh tế." in text for text in done)
        await harness.fake.wait_until(lambda: any(code in text for text in officer.texts))
        await officer.say(f"/ketqua {code}")
        await officer.say(ANSWER)
        await officer.choose("Trình duyệt")
        # The review card goes to the office (the clerks); the leader approves by command from anywhere.
        await harness.fake.wait_until(lambda: any("KẾT QUẢ CHỜ DUYỆT" in text for text in clerk.texts))
        assert ANSWER not in "\n".join(citizen.texts)
        await leader.say(f"/duyet {code}")
        await harness.fake.wait_until(lambda: any(ANSWER in text for text in citizen.texts))
        [case] = await rows(harness, Case)
        assert case.status is CaseStatus.ANSWERED
        assert harness.fake.rejected == []


async def test_a_conference_notice_reaches_a_subscriber_on_zalo_with_its_calendar_file_as_a_signed_link(
    tmp_path: Path,
) -> None:
    async with running_zalo_bot(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff(harness, [(CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)])])
        citizen, clerk = harness.person(CITIZEN), harness.person(CLERK)
        await citizen.say("/dangky")
        await citizen.choose("☐ Hội nghị đối thoại")
        await citizen.choose("Tiếp tục")
        saved = await citizen.choose("Đồng ý")
        assert any("Ông/Bà đã đăng ký" in text for text in saved)
        await clerk.say("/doithoai")
        await clerk.say("Đối thoại về đường liên xóm Đồng Bầu")
        await clerk.choose("Giao thông")
        await clerk.say("25/05/2026 19:30-21:00")
        await clerk.say("Hội trường Ủy ban nhân dân xã")
        await clerk.choose("Không có")
        await clerk.say("Ông Nguyễn Văn Hùng, Chủ tịch UBND xã")
        await clerk.choose("Tiếp tục")  # the whole commune
        await clerk.choose("Không có")
        await clerk.choose("Công bố")
        await harness.fake.wait_until(lambda: any("THÔNG BÁO" in text for text in citizen.texts))
        notice = next(text for text in citizen.texts if "THÔNG BÁO" in text)
        found = re.search(r"tải về tại (\S+)", notice)
        assert found, notice
        status, content = await harness.download(found.group(1))
        assert status == 200
        assert b"BEGIN:VEVENT" in content
        forged = re.sub(r"/([0-9a-f]{40})/", "/" + "0" * 40 + "/", found.group(1))
        assert (await harness.download(forged))[0] == 404
        assert harness.fake.rejected == []


async def test_a_zalo_group_linked_by_an_admin_gets_the_cards_and_takes_numbers_after_a_mention(
    tmp_path: Path,
) -> None:
    group = "9f8e7d6c5b4a39281706"
    async with running_zalo_bot(sqlite_url(tmp_path)) as harness:
        await grant_zalo_staff(harness, [(CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)])])
        clerk = harness.person(CLERK)
        linked = await clerk.send(zb.text(CLERK, "@Bot Nghe Dân /ketnoi", group=group))
        assert linked == []  # the answer goes to the group, not to the clerk's own chat
        assert any("Đã kết nối nhóm này" in text for text in harness.fake.texts_to(group))
        code = await file_petition(harness.person(CITIZEN))
        await harness.fake.wait_until(lambda: any(t.startswith(code) for t in harness.fake.texts_to(group)))
        await clerk.send(zb.text(CLERK, "@Bot Nghe Dân 1", group=group))  # «Thụ lý» on the card above …
        asked = harness.fake.texts_to(group)[-1]
        assert f"Ông/Bà chọn «Thụ lý» cho hồ sơ {code}" in asked  # … which names the case first
        [case] = await rows(harness, Case)
        assert case.status is CaseStatus.RECEIVED
        await clerk.send(zb.text(CLERK, "@Bot Nghe Dân 1", group=group))
        [case] = await rows(harness, Case)
        assert case.status is CaseStatus.ACCEPTED
        assert any(f"Đã thụ lý hồ sơ {code}" in text for text in harness.fake.texts_to(group))
