"""Language choice (command, detection, client setting) and events processed exactly once."""

from __future__ import annotations

from collections.abc import Callable

from models.case import Case
from models.conversation import Conversation
from models.outbox import OutboxMessage
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import FakeStore


def store(backend: Backend) -> FakeStore:
    return backend.uow_factory.store  # type: ignore[attr-defined, no-any-return]


async def test_a_client_in_english_is_greeted_in_english(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("en-1", language_code="en")
    replies = await chat.send("/start")
    assert replies[0].text.startswith("Welcome!")
    assert chat.last_question.choices[0].label == "Send a report or petition"


async def test_vietnamese_typed_without_diacritics_wins_over_an_english_phone(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("vi-1", language_code="en")
    replies = await chat.send("toi muon phan anh duong hong o xom Dong Bau lau roi")
    assert "Kính chào Ông/Bà" in replies[0].text


async def test_english_text_on_a_vietnamese_phone_switches_to_english(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("en-2", language_code="vi")
    replies = await chat.send("Hello, I would like to report a broken street light near the market")
    assert replies[0].text.startswith("Welcome!")
    assert "Do you want to send what you just typed" in chat.last_question.text


async def test_only_the_first_free_text_decides_and_a_chosen_language_is_kept(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("x-1")
    await chat.send("/ngonngu")
    assert [c.label for c in chat.last_question.choices] == ["Tiếng Việt", "English"]
    replies = await chat.press("English")
    assert replies[0].text.startswith("From now on the system will answer you in English.")
    replies = await chat.send("xin chao, toi can hoi ve thu tuc lam giay khai sinh")
    assert "Do you want to send" in chat.last_question.text  # still English: the choice wins


async def test_an_english_petition_can_be_filed_end_to_end(
    new_chat: Callable[..., Chat], backend: Backend
) -> None:
    chat = new_chat("en-3", language_code="en")
    await chat.send("/guidon")
    await chat.press("I agree")
    await chat.press("Report")
    await chat.press("Roads")
    await chat.send("The bridge railing on the road to the market is broken and children could fall.")
    await chat.press("Skip")
    await chat.press("Skip")
    await chat.send("John Nguyen")
    await chat.send("0912345678")
    await chat.send("Dong Bau village")
    replies = await chat.press("Send")
    assert "Case code: PT-26-00001" in replies[0].text
    assert "has received your report" in replies[0].text
    [case] = store(backend).all(Case)
    assert case.language == "en"


async def test_a_redelivered_event_is_processed_once(chat: Chat, backend: Backend) -> None:
    await chat.send("/start", event_key="telegram:500")
    outbox_before = len(store(backend).all(OutboxMessage))
    ask_seq = store(backend).all(Conversation)[0].ask_seq
    replies = await chat.send("/start", event_key="telegram:500")
    assert replies == []
    assert chat.results[-1].duplicate
    assert len(store(backend).all(OutboxMessage)) == outbox_before
    assert store(backend).all(Conversation)[0].ask_seq == ask_seq


async def test_plain_replies_after_a_keyboard_question_clear_the_keyboard(chat: Chat) -> None:
    await chat.send("/guidon")
    await chat.press("Đồng ý")
    await chat.press("Phản ánh")
    await chat.press("Môi trường")
    await chat.send("Rác thải đổ trộm ven đường liên xóm gây mùi hôi suốt nhiều ngày.")
    location_question = chat.last_question
    assert location_question.request is not None
    assert not location_question.clear_keyboard
    replies = await chat.send("Đầu cầu Na Mao")
    assert replies[0].text == "Đã ghi nhận địa điểm: Đầu cầu Na Mao."
    assert replies[0].clear_keyboard
