"""What every channel's events go through before the core keeps anything: cleaning at the door, and the
words of a message that failed every time kept for the office."""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers.dispatch.unhandled import keep_unhandled
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.events import (
    EVENT_KEY_LIMIT,
    ChatEvent,
    Pick,
    SharedContact,
    SharedFile,
    Text,
    Unsupported,
    checked,
)
from handlers.kernel.text import clean_text
from handlers.staff.admin import grant
from models.base import LOCAL_TZ
from models.commune import Commune
from models.conversation import Conversation
from models.enums import AttachmentKind
from models.outbox import OutboxMessage
from models.staff import Role, StaffGroup
from models.unhandled import UnhandledMessage
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import FakeStore, ManualClock

AT = datetime(2026, 12, 7, 9, 30, tzinfo=LOCAL_TZ)


def event(
    payload: object, *, chat_id: str = "42", sender_id: str = "42", key: str = "zalo_bot:abc"
) -> ChatEvent:
    return ChatEvent(
        channel="zalo_bot",
        chat_id=chat_id,
        sender_id=sender_id,
        payload=payload,  # type: ignore[arg-type]
        at=AT,
        event_key=key,
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("tab\tand\nline\r\nkept", "tab\tand\nline\r\nkept"),
        ("esc\x1b[31mred", "esc[31mred"),
        ("half \ud83d pair", "half \ufffd pair"),
        ("c1\x85\x9f", "c1"),
        ("Đồng ý 🙂", "Đồng ý 🙂"),
    ],
)
def test_text_loses_what_no_column_can_keep_and_nothing_else(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_an_event_with_ids_no_channel_gives_is_dropped() -> None:
    assert checked(event(Text("hi"), chat_id="9" * 65)) is None
    assert checked(event(Text("hi"), sender_id="")) is None
    assert checked(event(Text("hi"), chat_id="4\x002")) is None
    assert checked(event(Text("hi"), key="")) is None


@pytest.mark.parametrize("key", ["k" * 121, "zalo_oa:ab\x00cd", "zalo_oa:ab\ud800cd"])
def test_an_event_key_no_column_can_keep_becomes_its_digest_the_same_each_time(key: str) -> None:
    first, again = checked(event(Text("hi"), key=key)), checked(event(Text("hi"), key=key))
    assert first is not None
    assert again is not None
    assert first.event_key == again.event_key != key
    assert len(first.event_key) <= EVENT_KEY_LIMIT
    assert clean_text(first.event_key) == first.event_key
    other = checked(event(Text("hi"), key=key + "x"))
    assert other is not None
    assert other.event_key != first.event_key


def test_every_text_a_sender_controls_is_cleaned() -> None:
    assert checked(event(Text("xin\x00 chào"))).payload == Text("xin chào")  # type: ignore[union-attr]
    assert checked(event(Pick("s:acc\x00:1", 3))).payload == Pick("s:acc:1", 3)  # type: ignore[union-attr]
    contact = checked(event(SharedContact("0912\x00345678", "An\ud800")))
    assert contact is not None
    assert contact.payload == SharedContact("0912345678", "An\ufffd")
    file = checked(
        event(SharedFile(AttachmentKind.DOCUMENT, "id", "x" * 300, -5, "a\x00.pdf" * 100, "cap\x00"))
    )
    assert file is not None
    assert isinstance(file.payload, SharedFile)
    assert (len(file.payload.mime_type), file.payload.size, file.payload.caption) == (100, 0, "cap")
    assert len(file.payload.file_name) == 255
    assert "\x00" not in file.payload.file_name


def test_a_file_whose_id_is_too_long_to_keep_is_answered_as_unreadable() -> None:
    cleaned = checked(event(SharedFile(AttachmentKind.PHOTO, "u" * 2001)))
    assert cleaned is not None
    assert cleaned.payload == Unsupported("other")


async def test_an_event_with_an_over_long_chat_id_is_acknowledged_and_stores_nothing(
    chat: Chat, backend: Backend
) -> None:
    chat.chat_id = "7" * 200
    replies = await chat.send("xin chào")
    assert replies == []
    assert chat.results[-1].committed
    store: FakeStore = backend.uow_factory.store  # type: ignore[attr-defined]
    assert store.all(Conversation) == []
    assert store.all(OutboxMessage) == []


async def test_a_message_that_failed_every_time_is_kept_for_the_clerks_and_its_sender_told(
    backend: Backend, commune: Commune, catalogue: Catalogue, clock: ManualClock
) -> None:
    async with backend.uow_factory() as uow:
        units = {unit.code: unit for unit in await uow.communes.units(commune.id)}
        for account, role, unit in (("clerk-1", Role.CLERK, None), ("unit-1", Role.UNIT, units["KT"])):
            await grant(
                uow,
                commune,
                channel="console",
                account_id=account,
                chat_id=account,
                name="Nguyễn Thị Hoa",
                roles=[(role, unit)],
                now=clock.now(),
            )
        clerk = (await uow.staff.memberships("console", "clerk-1"))[0]
        await uow.staff.add_group(
            StaffGroup(
                commune_id=commune.id, channel="console", chat_id="office", linked_by=clerk.id, linked_at=AT
            )
        )
        await uow.commit()
    words = "Tôi tố cáo ông Nguyễn Văn Cường, trưởng xóm Đồng Kem, thu tiền sai quy định."
    failed = event(Text(words))
    async with backend.uow_factory() as uow:
        assert await keep_unhandled(uow, failed, now=clock.now(), catalogue=catalogue) == 2
        await uow.commit()
    store: FakeStore = backend.uow_factory.store  # type: ignore[attr-defined]
    [kept] = store.all(UnhandledMessage)
    assert (kept.text, kept.commune_id, kept.chat_id) == (words, commune.id, "42")
    to_sender, to_clerk = store.all(OutboxMessage)
    assert (to_sender.channel, to_sender.chat_id) == ("zalo_bot", "42")
    assert "không cần gửi lại" in to_sender.payload["text"]
    # Only the clerk's own chat hears the words: never the office group, never a unit officer.
    assert (to_clerk.channel, to_clerk.chat_id) == ("console", "clerk-1")
    assert words in to_clerk.payload["text"]
    assert "Zalo" in to_clerk.payload["text"]
    async with backend.uow_factory() as uow:  # the same event again (a redelivery): nothing twice
        assert await keep_unhandled(uow, failed, now=clock.now(), catalogue=catalogue) == 0
        await uow.commit()
    assert len(store.all(OutboxMessage)) == 2


async def test_a_failed_message_without_words_gets_an_apology_and_nothing_is_kept(
    backend: Backend, commune: Commune, catalogue: Catalogue, clock: ManualClock
) -> None:
    async with backend.uow_factory() as uow:
        await keep_unhandled(uow, event(Unsupported("sticker")), now=clock.now(), catalogue=catalogue)
        await uow.commit()
    store: FakeStore = backend.uow_factory.store  # type: ignore[attr-defined]
    assert store.all(UnhandledMessage) == []
    [apology] = store.all(OutboxMessage)
    assert "chưa xử lý được" in apology.payload["text"]
    assert "gửi lại bằng chữ" in apology.payload["text"]
