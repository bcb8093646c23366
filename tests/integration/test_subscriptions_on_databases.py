"""Subscriptions stored on SQLite and on the PostgreSQL server: saved, updated, and cancelled when the chat
blocks the bot."""

from __future__ import annotations

from sqlalchemy import select

from handlers.delivery.reachability import chat_blocked
from models.subscription import Subscription
from store.uow import SqlUnitOfWork
from tests.chat import Chat
from tests.conftest import Backend


async def stored(backend: Backend) -> list[Subscription]:
    async with backend.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        rows = list((await uow.session.scalars(select(Subscription))).all())
        uow.session.expunge_all()
        return rows


async def test_a_subscription_is_saved_updated_and_cancelled_by_a_block(chat: Chat, backend: Backend) -> None:
    await chat.subscribe("Hội nghị", villages=("Xóm Na Mao",))
    [row] = await stored(backend)
    assert (row.topics, len(row.village_ids), row.cancelled_at) == (["doi_thoai"], 1, None)
    await chat.send("/dangky")
    await chat.press("☐ Lịch tiếp")
    await chat.press("Tiếp tục")
    await chat.press("Đồng ý")
    [row] = await stored(backend)
    assert row.topics == ["doi_thoai", "tiep_dan"]
    async with backend.uow_factory() as uow:
        await chat_blocked(uow, "console", chat.chat_id, chat.clock.now())
        await uow.commit()
    [row] = await stored(backend)
    assert row.cancel_reason == "blocked"
    assert row.cancelled_at is not None
