"""End to end on Telegram: the real service and aiogram client over loopback HTTP, a fake Bot API server."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.delivery.worker import Outcome, Outgoing
from handlers.kernel.replies import Reply, made_file
from models.case import Case
from models.citizen import Citizen as CitizenRow
from models.enums import CaseKind, OutboxStatus
from models.outbox import OutboxMessage
from store.uow import SqlUnitOfWork
from tests.e2e.telegram_harness import Harness, running_bot, sqlite_url
from tests.telegram_fake import updates as tg

CONTENT = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún khoảng 10 mét, trời mưa rất nguy hiểm."


async def rows(harness: Harness, model: type) -> list:  # type: ignore[type-arg]
    async with harness.app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found = list((await uow.session.scalars(select(model))).all())
        uow.session.expunge_all()
        return found


async def file_petition(harness: Harness, chat_id: int) -> str:
    citizen = harness.citizen(chat_id)
    await citizen.say("/start")
    await citizen.press("Gửi ý kiến")
    await citizen.press("Đồng ý")
    await citizen.press("Phản ánh")
    await citizen.press("Giao thông")
    await citizen.say(CONTENT)
    location_question = citizen.messages[-1]
    keyboard = location_question["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    await citizen.send(tg.location(chat_id, 21.6012, 105.8401))
    await citizen.press("Xóm Đồng Bầu")
    await citizen.press("Bỏ qua")
    await citizen.say("Nguyễn Văn An")
    phone_question = citizen.messages[-1]
    assert phone_question["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    acknowledged = await citizen.send(tg.contact(chat_id, "84912345678"))
    assert acknowledged[0]["text"].startswith("Đã ghi nhận số điện thoại 0912345678.\n\nXin cho biết địa chỉ")
    assert acknowledged[0]["reply_markup"] == {"remove_keyboard": True}
    await citizen.say("Xóm Đồng Bầu, xã Phú Thịnh")
    receipt = await citizen.press("Gửi")
    match = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", receipt[0]["text"])
    assert match, receipt
    return match.group(1)


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_citizen_files_and_tracks_a_petition(tmp_path: Path, webhook: bool) -> None:
    async with running_bot(sqlite_url(tmp_path), webhook=webhook) as harness:
        code = await file_petition(harness, 501)
        citizen = harness.citizen(501)
        citizen.seen = len(citizen.messages)
        status = await citizen.say(f"tra cuu {code}")
        assert f"Hồ sơ {code} — Phản ánh" in status[0]["text"]
        [case] = await rows(harness, Case)
        assert (case.code, case.petitioner_phone, case.latitude) == (code, "0912345678", 21.6012)
        assert not harness.fake.rejected  # every call matched the Bot API schema
        assert all(call.params.get("parse_mode") is None for call in harness.fake.calls_to("sendMessage"))


async def test_citizen_commands_show_in_private_chats_and_staff_commands_in_groups_in_both_languages(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        calls = harness.fake.calls_to("setMyCommands")
        menus = [(call.params["scope"]["type"], call.params.get("language_code")) for call in calls]
        assert menus == [
            ("all_private_chats", None),
            ("all_private_chats", "en"),
            ("all_group_chats", None),
            ("all_group_chats", "en"),
        ]
        names = [command["command"] for command in calls[0].params["commands"]]
        assert names[:3] == ["start", "guidon", "tracuu"]
        assert calls[0].params["commands"][1]["description"] == "Gửi phản ánh, kiến nghị, khiếu nại, tố cáo"
        assert [command["command"] for command in calls[2].params["commands"]][:2] == ["hangdoi", "hoso"]


async def test_a_forged_webhook_secret_gets_401_and_nothing_happens(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path), webhook=True) as harness:
        update = tg.text(601, "/start")
        update["update_id"] = 9001
        assert await harness.post(update, secret="wrong") == 401
        assert await harness.post(update, secret="") == 401
        assert not await harness.processed(9001)
        assert harness.fake.messages_to(601) == []


async def test_a_redelivered_update_is_processed_once(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path), webhook=True) as harness:
        update = tg.text(602, "/start")
        update["update_id"] = 9002
        assert await harness.post(update) == 200
        await harness.service.wait_background()
        first = len(harness.fake.messages_to(602))
        assert first == 1  # greeting and menu, in one message
        assert await harness.post(update) == 200
        await harness.service.wait_background()
        assert len(harness.fake.messages_to(602)) == first


async def test_a_429_is_honoured_and_the_reply_arrives_after_retry_after(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        harness.fake.fail("sendMessage", 429, "Too Many Requests: retry after 5", chat_id=603, retry_after=5)
        update_id = harness.fake.push(tg.text(603, "/start"))
        await harness.fake.wait_until(lambda: harness.fake.confirmed_offset > update_id)
        await harness.service.wait_background()
        assert harness.fake.messages_to(603) == []
        held = [m for m in await rows(harness, OutboxMessage) if m.chat_id == "603"]
        assert held[0].status is OutboxStatus.PENDING
        assert held[0].next_attempt_at - harness.clock.now() == timedelta(seconds=5)
        harness.clock.advance(timedelta(seconds=5))
        harness.app.delivery.notify()
        await harness.fake.wait_until(lambda: len(harness.fake.messages_to(603)) == 1)
        assert harness.timer.now >= 1000 + 5  # the limiter held the chat as long


async def test_a_citizen_who_blocked_the_bot_is_marked_unreachable_and_keeps_their_case(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        await file_petition(harness, 604)
        harness.fake.block(604)
        update_id = harness.fake.push(tg.text(604, "/cuatoi"))
        await harness.fake.wait_until(lambda: harness.fake.confirmed_offset > update_id)
        await harness.service.wait_background()
        [citizen] = await rows(harness, CitizenRow)
        assert citizen.unreachable_at is not None
        assert len(await rows(harness, Case)) == 1
        statuses = {
            m.status for m in await rows(harness, OutboxMessage) if m.chat_id == "604" and m.sent_at is None
        }
        assert statuses == {OutboxStatus.FAILED}
        # Unblocking (my_chat_member → member) makes them reachable again.
        await harness.deliver(tg.member_status(604, "member"))
        [citizen] = await rows(harness, CitizenRow)
        assert citizen.unreachable_at is None


async def test_a_pressed_button_is_answered_and_its_keyboard_removed(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        citizen = harness.citizen(605)
        await citizen.say("/start")
        menu, _ = citizen.button("Gửi ý kiến")
        await citizen.press("Gửi ý kiến")
        assert len(harness.fake.calls_to("answerCallbackQuery")) == 1
        [edit] = harness.fake.calls_to("editMessageReplyMarkup")
        assert (edit.params["chat_id"], edit.params["message_id"]) == (605, menu["message_id"])
        assert "reply_markup" not in edit.params
        # Pressing the old menu again (a second tap before the keyboard disappeared) is not applied.
        stale = await citizen.send(
            tg.callback(
                605, menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"], menu["message_id"]
            )
        )
        assert "không còn hiệu lực" in stale[0]["text"]


async def test_on_a_webhook_a_pressed_button_is_answered_in_the_response(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path), webhook=True) as harness:
        citizen = harness.citizen(612)
        await citizen.say("/start")
        menu, button = citizen.button("Gửi ý kiến")
        update = tg.callback(612, button["callback_data"], menu["message_id"])
        update["update_id"] = 9200
        status, body = await harness.post_for_body(update)
        assert status == 200
        assert json.loads(body) == {
            "method": "answerCallbackQuery",
            "callback_query_id": update["callback_query"]["id"],
        }
        await harness.service.wait_background()
        assert harness.fake.calls_to("answerCallbackQuery") == []  # no second answer
        assert len(harness.fake.calls_to("editMessageReplyMarkup")) == 1


async def test_a_deep_link_goes_straight_to_filing(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        replies = await harness.citizen(606).say("/start PT_gui")
        assert "Luật Bảo vệ dữ liệu cá nhân" in replies[-1]["text"]


async def test_user_text_is_sent_verbatim_without_any_parse_mode(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        citizen = harness.citizen(607)
        await citizen.say("/guidon")
        await citizen.press("Không đồng ý")
        await citizen.press("Phản ánh")
        await citizen.press("Khác")
        hostile = "<b>Đậm</b> & <script>alert('x')</script> <a href='http://x'>bấm</a> tại xóm Na Mao"
        await citizen.say(hostile)
        await citizen.press("Bỏ qua")
        summary = await citizen.press("Bỏ qua")
        assert f"Nội dung: {hostile}" in summary[-1]["text"]
        assert "parse_mode" not in summary[-1]


async def test_a_long_message_is_split_on_paragraphs_and_buttons_stay_on_the_last_piece(
    tmp_path: Path,
) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        citizen = harness.citizen(608)
        await citizen.say("/guidon")
        await citizen.press("Không đồng ý")
        await citizen.press("Phản ánh")
        await citizen.press("Môi trường")
        paragraph = (
            "Nước thải từ trại lợn chảy ra mương chung gây mùi hôi thối cho cả xóm suốt mùa hè năm nay. " * 21
        )
        closing = "Đề nghị xã kiểm tra, xử lý ngay trong tuần này vì bà con trong xóm rất bức xúc."
        await citizen.say(
            paragraph.strip() + "\n\n" + paragraph.strip() + "\n\n" + closing
        )  # 3,9k characters: with the summary around it, more than 4096
        await citizen.press("Bỏ qua")
        summary = await citizen.press("Bỏ qua")
        assert len(summary) == 2
        assert all(len(piece["text"]) <= 4096 for piece in summary)
        assert "reply_markup" not in summary[0]
        assert summary[1]["reply_markup"]["inline_keyboard"]


async def test_english_and_unaccented_vietnamese_conversations(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path)) as harness:
        english = harness.citizen(609, language_code="en")
        greeting = await english.say("/start")
        assert greeting[0]["text"].startswith("Welcome!")
        await english.press("Send a report")
        await english.press("I agree")
        await english.press("Question")
        await english.press("Administrative")
        await english.say("How do I register the birth of my daughter and which papers are needed?")
        await english.press("Skip")
        await english.press("Skip")
        await english.say("Mary Tran")
        await english.say("0987654321")
        await english.say("Bai Che village")
        receipt = await english.press("Send")
        assert "has received your question" in receipt[0]["text"]

        unaccented = harness.citizen(610, language_code="en")
        reply = await unaccented.say("chao anh, toi muon hoi ve thu tuc lam so do cho nha minh")
        assert "Kính chào Ông/Bà" in reply[0]["text"]
        cases = await rows(harness, Case)
        assert [c.kind for c in cases] == [CaseKind.HOI_DAP]
        assert cases[0].language == "en"


async def test_healthz_reports_the_database_and_each_channel(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path), webhook=True) as harness:
        assert harness.http is not None
        async with harness.http.get(f"http://127.0.0.1:{harness.service.port}/healthz") as response:
            assert response.status == 200
            body = await response.json()
        assert (body["status"], body["database"]) == ("ok", "ok")
        assert body["channels"]["telegram"]["status"] == "ok"
        assert body["channels"]["telegram"]["mode"] == "webhook"


async def test_unreadable_updates_are_acknowledged_and_still_answered(tmp_path: Path) -> None:
    async with running_bot(sqlite_url(tmp_path), webhook=True) as harness:
        broken = {"update_id": 9100, "message": {"chat": {"id": 611, "type": "private"}, "from": {"id": 611}}}
        assert await harness.post(broken) == 200
        await harness.service.wait_background()
        assert any("chưa đọc được" in text for text in harness.fake.texts_to(611))
        assert await harness.post({"update_id": 9101, "what": "is this"}) == 200
        # Not an update at all, but it passed the secret: acknowledged, or Telegram would send it for ever.
        assert await harness.post([1, 2, 3]) == 200  # type: ignore[arg-type]


async def test_a_file_the_bot_made_is_uploaded_once_then_sent_by_its_id_and_again_if_telegram_forgot_it(
    tmp_path: Path,
) -> None:
    calendar = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Doi thoai\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    reply = Reply("Lịch hội nghị", attachments=(made_file("DT9.ics", calendar, "text/calendar"),))
    async with running_bot(sqlite_url(tmp_path)) as harness:
        sender, fake = harness.channel.sender, harness.fake

        async def send(chat: int) -> Outcome:
            return (await sender.send(Outgoing(0, "telegram", str(chat), reply, 0, 0))).outcome

        assert await send(701) is Outcome.SENT
        assert await send(702) is Outcome.SENT
        assert [name for files in fake.uploads.values() for name, _ in files] == ["DT9.ics"]
        assert fake.documents["702"] == [("DT9.ics", calendar)]
        fake.fail("sendDocument", 400, "Bad Request: wrong file identifier/HTTP URL specified", chat_id=703)
        assert await send(703) is Outcome.SENT
        assert fake.documents["703"] == [("DT9.ics", calendar)]
        assert len(fake.uploads["703"]) == 1  # uploaded anew
