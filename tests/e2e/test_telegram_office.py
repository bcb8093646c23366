"""The office on Telegram, end to end: the real service and aiogram client over loopback HTTP against the fake
Bot API server. A citizen files, a clerk assigns from the group card, the unit submits a result with a
document, the leader approves, the citizen receives it; a tố cáo goes the same way without the unit ever
seeing who sent it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from handlers.kernel.text import fold
from models.base import LOCAL_TZ
from models.staff import Role
from tests.e2e.telegram_harness import Harness, grant_staff, running_bot, sqlite_url
from tests.e2e.test_telegram import file_petition
from tests.telegram_fake import updates as tg

GROUP = -100200300
CLERK, LEADER, OFFICER, CITIZEN = 9001, 9002, 9003, 501
ANSWER = (
    "Phòng Kinh tế đã kiểm tra ngày 14/5, đã đổ bê tông lại 10 mét và khơi thông rãnh thoát nước hai bên."
)
DENUNCIATION = (
    "Tôi là Nguyễn Văn An, số 0912345678. Tôi tố cáo ông Trần Văn B, cán bộ địa chính xã, nhận 20 triệu đồng "
    "của dân để làm sổ đỏ nhanh."
)


async def staff(harness: Harness) -> None:
    await grant_staff(
        harness,
        [
            (CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)]),
            (LEADER, "Lê Văn Lãnh", [(Role.LEADER, None)]),
            (OFFICER, "Phạm Văn Kinh", [(Role.UNIT, "KT")]),
        ],
    )


def latest_with(harness: Harness, chat: int, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for message in reversed(harness.fake.messages_to(chat)):
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        matches = [b for b in buttons if fold(b["text"]).startswith(fold(label))]
        if matches:
            return message, matches[0]
    raise AssertionError(f"no {label!r} button in chat {chat}")


async def press_in_group(harness: Harness, user: int, label: str) -> None:
    message, button = latest_with(harness, GROUP, label)
    await harness.deliver(tg.group_callback(GROUP, user, button["callback_data"], message["message_id"]))


async def press_in_private(harness: Harness, user: int, label: str) -> None:
    message, button = latest_with(harness, user, label)
    await harness.deliver(tg.callback(user, button["callback_data"], message["message_id"]))


def texts(harness: Harness, chat: int) -> str:
    return "\n---\n".join(m["text"] for m in harness.fake.messages_to(chat))


async def arrived(harness: Harness, chat: int, fragment: str) -> None:
    await harness.fake.wait_until(lambda: fragment in texts(harness, chat))


async def test_a_petition_goes_from_the_group_card_to_the_unit_to_the_leader_and_back_to_the_citizen(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await harness.deliver(tg.group_text(GROUP, CLERK, "/ketnoi@nghedan_test_bot"))
        await arrived(harness, GROUP, "Đã kết nối nhóm này làm nhóm Văn phòng HĐND và UBND xã Phú Thịnh")

        code = await file_petition(harness, CITIZEN)
        await arrived(harness, GROUP, f"{code} · Phản ánh · Giao thông, hạ tầng")
        card, _ = latest_with(harness, GROUP, "Phân công")
        assert "Gợi ý bộ phận: Phòng Kinh tế" in card["text"]
        assert "Nguyễn Văn An" not in card["text"]

        await press_in_group(harness, CLERK, "Phân công")
        await press_in_group(harness, CLERK, "Phòng Kinh tế")
        await arrived(harness, OFFICER, f"Phòng Kinh tế được giao giải quyết hồ sơ {code}")
        await arrived(harness, CITIZEN, f"Hồ sơ {code} của Ông/Bà đã được thụ lý")
        assert "Tình trạng: Đang giải quyết" in card["text"]  # the card was edited in place
        assert card["edited"] >= 1

        officer = harness.citizen(OFFICER)
        await officer.say(f"/ketqua {code}")
        await officer.say(ANSWER)
        await officer.send(tg.document(OFFICER, "bien-ban-nghiem-thu.pdf", "application/pdf"))
        await press_in_private(harness, OFFICER, "Trình duyệt")
        await arrived(harness, GROUP, f"KẾT QUẢ CHỜ DUYỆT — hồ sơ {code} (Phòng Kinh tế)")
        assert ANSWER not in texts(harness, CITIZEN)  # nothing reaches the citizen before approval

        await press_in_group(harness, LEADER, "Duyệt và gửi")
        await arrived(harness, CITIZEN, f"UBND xã Phú Thịnh trả lời hồ sơ {code} của Ông/Bà:\n{ANSWER}")
        await harness.fake.wait_until(lambda: bool(harness.fake.files.get(str(CITIZEN))))
        assert harness.fake.files[str(CITIZEN)][0]["document"] == "doc-bien-ban-nghiem-thu.pdf"
        assert "Tình trạng: Đã có kết quả" in card["text"]
        assert harness.fake.rejected == []


async def test_a_denunciation_reaches_the_unit_without_its_author(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await harness.deliver(tg.group_text(GROUP, CLERK, "/ketnoi"))
        citizen = harness.citizen(CITIZEN)
        await citizen.say("/guidon")
        await citizen.press("Đồng ý")
        await citizen.press("Tố cáo")
        await citizen.press("Cán bộ")
        await citizen.say(DENUNCIATION)
        await citizen.press("Bỏ qua")
        await citizen.press("Bỏ qua")
        await citizen.say("Nguyễn Văn An")
        await citizen.say("0912345678")
        await citizen.say("Xóm Đồng Bầu, xã Phú Thịnh")
        receipt = await citizen.press("Gửi")
        code = receipt[0]["text"].split("Mã hồ sơ: ")[1].split()[0]
        await arrived(harness, GROUP, f"{code} · Tố cáo")
        await harness.deliver(tg.group_text(GROUP, CLERK, f"/phancong {code} KT"))
        await arrived(harness, OFFICER, f"được giao giải quyết hồ sơ {code}")
        officer = harness.citizen(OFFICER)
        view = (await officer.say(f"/hoso {code}"))[-1]["text"]
        assert "nhận 20 triệu đồng" in view
        assert "Người gửi: được bảo đảm bí mật" in view
        clerk_view = (await harness.citizen(CLERK).say(f"/hoso {code}"))[-1]["text"]
        assert "Người gửi: Nguyễn Văn An — 0912345678" in clerk_view
        for chat in (OFFICER, GROUP):
            for secret in ("Nguyễn Văn An", "0912345678", str(CITIZEN), "Xóm Đồng Bầu, xã Phú Thịnh"):
                assert secret not in texts(harness, chat), (chat, secret)


async def test_a_staff_question_in_the_group_is_answered_by_replying_to_it(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await harness.deliver(tg.group_text(GROUP, CLERK, "/ketnoi"))
        code = await file_petition(harness, CITIZEN)
        await arrived(harness, GROUP, code)
        await press_in_group(harness, CLERK, "Ghi chú")
        question = harness.fake.messages_to(GROUP)[-1]
        assert question["reply_markup"] == {"force_reply": True}
        await harness.deliver(tg.group_text(GROUP, CLERK, "trao đổi riêng, không phải trả lời bot"))
        await harness.deliver(
            tg.group_text(
                GROUP, CLERK, "Đã gọi điện xác minh với người gửi.", reply_to=question["message_id"]
            )
        )
        await arrived(harness, GROUP, f"Đã ghi chú vào hồ sơ {code} (chỉ cán bộ xem được).")
        view = (await harness.citizen(CLERK).say(f"/hoso {code}"))[-1]["text"]
        assert "Ghi chú nội bộ (Trần Thị Văn): Đã gọi điện xác minh với người gửi." in view
        assert "trao đổi riêng" not in view


async def test_a_group_that_removes_the_bot_is_unlinked_and_cards_go_to_the_clerks_instead(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await harness.deliver(tg.group_text(GROUP, CLERK, "/ketnoi"))
        await arrived(harness, GROUP, "Đã kết nối nhóm này")
        await harness.deliver(tg.removed_from_group(GROUP, LEADER))
        await arrived(harness, CLERK, "Bot đã bị đưa ra khỏi nhóm Văn phòng HĐND và UBND xã Phú Thịnh")
        before = len(harness.fake.messages_to(GROUP))

        code = await file_petition(harness, CITIZEN)
        await arrived(harness, CLERK, f"{code} · Phản ánh")
        assert len(harness.fake.messages_to(GROUP)) == before
        assert "Bot đã bị đưa ra khỏi nhóm" not in texts(harness, LEADER)  # admins and clerks are told
        assert harness.fake.rejected == []


async def test_a_linked_group_upgraded_to_a_supergroup_keeps_its_link(tmp_path: Path) -> None:
    supergroup = -1009998887776
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await harness.deliver(tg.group_text(GROUP, CLERK, "/ketnoi"))
        await arrived(harness, GROUP, "Đã kết nối nhóm này")
        await harness.deliver(tg.group_migrated(GROUP, supergroup, CLERK))

        code = await file_petition(harness, CITIZEN)
        await arrived(harness, supergroup, f"{code} · Phản ánh")
        assert f"{code} · Phản ánh" not in texts(harness, GROUP)
        assert harness.fake.rejected == []


async def test_an_overdue_case_reaches_the_unit_and_the_leader_as_the_clock_moves(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await staff(harness)
        await harness.deliver(tg.group_text(GROUP, CLERK, "/ketnoi"))
        code = await file_petition(harness, CITIZEN)
        await arrived(harness, GROUP, f"{code} · Phản ánh")
        await harness.deliver(tg.group_text(GROUP, CLERK, f"/phancong {code} KT"))
        await arrived(harness, OFFICER, f"được giao giải quyết hồ sơ {code}")

        harness.clock.set(datetime(2026, 5, 21, 8, 0, tzinfo=LOCAL_TZ))  # 3 working days before 26/05
        await harness.service.scheduler.tick()
        await arrived(harness, OFFICER, f"NHẮC HẠN — hồ sơ {code} (Phản ánh): Hạn trả lời là 26/05/2026")
        await arrived(harness, GROUP, "Tình hình hồ sơ sáng 21/05/2026")

        harness.clock.set(datetime(2026, 5, 28, 8, 0, tzinfo=LOCAL_TZ))  # 2 working days late
        await harness.service.scheduler.tick()
        await arrived(harness, OFFICER, f"QUÁ HẠN 2 ngày làm việc — hồ sơ {code}")
        await arrived(
            harness, LEADER, f"BÁO CÁO LÃNH ĐẠO — hồ sơ {code} (Phản ánh) đã quá hạn 2 ngày làm việc"
        )
        report = await harness.service.scheduler.tick()  # the same morning again: nothing twice
        assert report is not None
        assert report.messages == 0
        assert texts(harness, LEADER).count("BÁO CÁO LÃNH ĐẠO") == 1
        assert harness.fake.rejected == []
