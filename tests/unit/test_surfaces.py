"""Questions never ask for what the channel cannot do: on a channel with typing only (the Zalo Bot), no
button to press, no place or phone number to share, no PDF to send."""

from __future__ import annotations

from collections.abc import Callable

from handlers.kernel.events import TYPING_ONLY, Surface
from tests.chat import Chat

CONTENT = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét."


def typing_only(new_chat: Callable[..., Chat], chat_id: str = "7001") -> Chat:
    chat = new_chat(chat_id)
    chat.surface = TYPING_ONLY
    return chat


async def test_every_question_of_a_filing_asks_only_for_what_can_be_typed(
    new_chat: Callable[..., Chat],
) -> None:
    chat = typing_only(new_chat)
    await chat.send("/guidon")
    await chat.send("1")  # Đồng ý
    await chat.send("1")  # Phản ánh
    wrong = await chat.send("khong biet")  # not a field
    said = "\n".join(reply.text for reply in wrong)
    assert "gõ số thứ tự của lựa chọn (ví dụ 1)" in said
    assert "bấm" not in said.lower()
    await chat.send("4")  # Giao thông, hạ tầng
    location = await chat.send(CONTENT)
    assert "Xin Ông/Bà gõ địa chỉ" in location[-1].text
    assert "vị trí" not in location[-1].text
    attachments = await chat.send("1")  # Bỏ qua
    assert "Xin gửi ảnh" in attachments[-1].text
    assert "PDF" not in attachments[-1].text
    await chat.send("1")  # Bỏ qua
    await chat.send("Nguyễn Văn An")
    phone = chat.last_question.text
    assert "Ông/Bà gõ số" in phone
    assert "bấm" not in phone


async def test_help_on_a_typing_channel_says_to_type_the_number(new_chat: Callable[..., Chat]) -> None:
    chat = typing_only(new_chat)
    said = "\n".join(reply.text for reply in await chat.send("/trogiup"))
    assert "Ở mỗi câu hỏi, Ông/Bà gõ số thứ tự của lựa chọn (ví dụ 1), hoặc gõ câu trả lời." in said
    assert "bấm nút" not in said


async def test_a_channel_with_buttons_and_sharing_keeps_saying_so(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("7002")
    assert chat.surface == Surface(buttons=True, location=True, contact=True, documents=True)
    said = "\n".join(reply.text for reply in await chat.send("/trogiup"))
    assert "Ở mỗi câu hỏi, Ông/Bà bấm nút hoặc gõ số thứ tự của lựa chọn." in said
