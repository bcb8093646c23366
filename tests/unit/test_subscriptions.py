"""/dangky and /huydangky: opt-in to the commune's notices by topic and village, with nothing ticked for the
citizen, the consent recorded, and a blocked chat unsubscribed."""

from __future__ import annotations

import pytest

from handlers.delivery.reachability import chat_blocked
from handlers.subscriptions.citizen import CONSENT_VERSION
from models.subscription import Subscription, Topic
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import Inspectable


def subscriptions(backend: Backend) -> list[Subscription]:
    assert isinstance(backend.uow_factory, Inspectable)
    return backend.uow_factory.store.all(Subscription)


def text(replies: list) -> str:  # type: ignore[type-arg]
    return "\n".join(reply.text for reply in replies)


async def test_a_citizen_subscribes_to_chosen_topics_for_chosen_villages(
    chat: Chat, backend: Backend
) -> None:
    asked = await chat.send("/dangky")
    assert "chỉ lưu mã cuộc trò chuyện này" in text(asked)
    labels = [choice.label for choice in chat.last_question.choices]
    assert labels[:3] == [
        "☐ Hội nghị đối thoại với Nhân dân",
        "☐ Lịch tiếp công dân",
        "☐ Thông báo chung của xã",
    ]
    assert "Xin Ông/Bà chọn ít nhất một mục" in text(await chat.press("Tiếp tục"))
    await chat.press("☐ Hội nghị đối thoại")
    await chat.press("☐ Lịch tiếp công dân")
    await chat.press("☑ Lịch tiếp công dân")  # changed their mind
    assert [c.label for c in chat.last_question.choices][:2] == [
        "☑ Hội nghị đối thoại với Nhân dân",
        "☐ Lịch tiếp công dân",
    ]
    await chat.press("Tiếp tục")
    assert chat.last_question.choices[0].label == "☑ Cả xã"
    await chat.press("☐ Xóm Na Mao")
    await chat.press("☐ Xóm Đồng Bầu")
    saved = text(await chat.press("Đồng ý và đăng ký"))
    assert (
        "Ông/Bà đã đăng ký nhận thông báo về: hội nghị đối thoại với Nhân dân — Xóm Đồng Bầu, Xóm Na Mao"
        in saved
    )
    [row] = subscriptions(backend)
    assert row.topics == [Topic.CONFERENCE.value]
    assert len(row.village_ids) == 2
    assert (row.consent_version, row.channel, row.active) == (CONSENT_VERSION, "console", True)
    assert row.covers(Topic.CONFERENCE, frozenset(row.village_ids[:1]))
    assert not row.covers(Topic.RECEPTION, None)
    assert not row.covers(Topic.CONFERENCE, frozenset({999}))


async def test_subscribing_again_starts_from_the_current_choices_and_updates_them(
    chat: Chat, backend: Backend
) -> None:
    await chat.subscribe("Thông báo chung")
    await chat.send("/dangky")
    assert chat.last_question.choices[2].label == "☑ Thông báo chung của xã"
    await chat.press("☐ Lịch tiếp công dân")
    await chat.press("Tiếp tục")
    assert "cả xã" in text(await chat.press("Đồng ý"))
    [row] = subscriptions(backend)
    assert row.topics == [Topic.RECEPTION.value, Topic.ANNOUNCEMENT.value]
    assert row.village_ids == []


async def test_stopping_midway_keeps_nothing(chat: Chat, backend: Backend) -> None:
    await chat.send("/dangky")
    await chat.press("☐ Hội nghị")
    assert "Ông/Bà chưa đăng ký" in text(await chat.press("Không đăng ký nữa"))
    assert subscriptions(backend) == []


async def test_huydangky_stops_everything_and_says_so(chat: Chat, backend: Backend) -> None:
    assert "Ông/Bà hiện không đăng ký nhận thông báo nào" in text(await chat.send("/huy_dang_ky"))
    assert "Ông/Bà đã đăng ký" in await chat.subscribe("Hội nghị")
    assert "Ông/Bà đã thôi nhận mọi thông báo" in text(await chat.send("/huydangky"))
    [row] = subscriptions(backend)
    assert (row.active, row.cancel_reason) == (False, "citizen")
    assert "không đăng ký nhận thông báo nào" in text(await chat.send("/HUYDANGKY"))


async def test_a_chat_that_blocks_the_bot_is_unsubscribed(chat: Chat, backend: Backend) -> None:
    await chat.subscribe("Hội nghị")
    async with backend.uow_factory() as uow:
        await chat_blocked(uow, "console", chat.chat_id, chat.clock.now())
        await uow.commit()
    [row] = subscriptions(backend)
    assert (row.active, row.cancel_reason) == (False, "blocked")


@pytest.mark.parametrize("typed", ["2", "tiep tuc"])
async def test_choices_can_be_typed_by_number_or_label(chat: Chat, backend: Backend, typed: str) -> None:
    await chat.send("/dangky")
    await chat.send("1")
    replies = text(await chat.send(typed))
    if typed == "2":
        assert chat.last_question.choices[1].label == "☑ Lịch tiếp công dân"
    else:
        assert "cả xã hay của một số xóm" in replies
