"""Receipt codes are unique and gap-free, also under concurrent submissions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from models.case import Case
from store.uow import SqlUnitOfWork
from tests.chat import Chat
from tests.conftest import Backend

SUBMISSIONS = 50


async def _to_summary(chat: Chat, index: int) -> None:
    await chat.send("/guidon")
    await chat.press("Không đồng ý")
    await chat.press("Phản ánh")
    await chat.press("Môi trường")
    await chat.send(f"Phản ánh số {index}: rác thải đổ trộm ven đường liên xóm gây mùi hôi.")
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")


async def test_concurrent_submissions_get_distinct_consecutive_codes(
    backend: Backend, new_chat: Callable[..., Chat]
) -> None:
    chats = [new_chat(str(9000 + i)) for i in range(SUBMISSIONS)]
    for index, chat in enumerate(chats):
        await _to_summary(chat, index)
    await asyncio.gather(*(chat.press("Gửi") for chat in chats))
    async with backend.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        codes = sorted((await uow.session.scalars(select(Case.code))).all())
    assert codes == [f"PT-26-{n:05d}" for n in range(1, SUBMISSIONS + 1)]
    assert all("Mã hồ sơ" in chat.last_text for chat in chats)
