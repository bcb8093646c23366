"""The intake conversation on SQLite and on the PostgreSQL server: what is stored, and restarts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from sqlalchemy import select

from handlers.delivery.worker import OutboxDelivery
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.config import IntakeConfig
from models.case import Case, CaseEvent
from models.conversation import Conversation
from models.enums import CaseAction, CaseStatus, OutboxStatus
from models.outbox import OutboxMessage
from store.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import ManualClock, RecordingSender


async def rows(backend: Backend, model: type) -> list:  # type: ignore[type-arg]
    async with backend.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        loaded = list((await uow.session.scalars(select(model).order_by(model.id))).all())  # type: ignore[attr-defined]
        uow.session.expunge_all()  # keep them readable after the unit of work rolls back
        return loaded


async def test_a_filed_petition_is_stored_with_its_timeline_and_receipt(chat: Chat, backend: Backend) -> None:
    code = await chat.file_petition()
    [case] = await rows(backend, Case)
    assert case.code == code == "PT-26-00001"
    assert case.status is CaseStatus.RECEIVED
    assert case.received_at.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]
    [event] = await rows(backend, CaseEvent)
    assert (event.case_id, event.action) == (case.id, CaseAction.SUBMITTED)
    receipt = [m for m in await rows(backend, OutboxMessage) if m.case_id == case.id]
    assert len(receipt) == 1
    assert code in receipt[0].payload["text"]


async def test_the_conversation_lives_in_the_database_and_survives_a_restart(
    backend: Backend, catalogue: Catalogue, clock: ManualClock, new_chat: Callable[..., Chat]
) -> None:
    before = new_chat("77")
    await before.send("/guidon")
    await before.press("Đồng ý")
    await before.press("Khiếu nại")
    [conversation] = await rows(backend, Conversation)
    assert conversation.step == "field"
    assert conversation.draft["kind"] == "khieu_nai"
    # A new engine object: nothing is kept in process memory between the two.
    restarted = ConversationEngine(
        uow_factory=backend.uow_factory, clock=clock, catalogue=catalogue, config=IntakeConfig()
    )
    after = Chat(restarted, clock, chat_id="77")
    after.transcript = before.transcript
    await after.press("Đất đai")
    await after.send("Tôi khiếu nại quyết định thu hồi đất số 12/QĐ-UBND vì không đúng diện tích thực tế.")
    await after.press("Bỏ qua")
    await after.press("Bỏ qua")
    await after.send("Hoàng Văn Đức")
    await after.send("0903 123 456")
    await after.send("Xóm Na Mao")
    await after.press("Gửi")
    [case] = await rows(backend, Case)
    assert (case.kind.value, case.field_slug, case.petitioner_name) == (
        "khieu_nai",
        "dat_dai",
        "Hoàng Văn Đức",
    )


async def test_a_failed_commit_stores_nothing_and_keeps_the_number(
    backend: Backend,
    catalogue: Catalogue,
    clock: ManualClock,
    new_chat: Callable[..., Chat],
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = new_chat("5")
    await chat.send("/guidon")
    await chat.press("Không đồng ý")
    await chat.press("Phản ánh")
    await chat.press("Môi trường")
    await chat.send("Khói đốt rơm rạ ở cánh đồng xóm Soi Mít bay vào khu dân cư mỗi buổi chiều.")
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    assert isinstance(backend.uow_factory, SqlUnitOfWorkFactory)
    failing = FailingOnce(backend.uow_factory)
    broken = ConversationEngine(uow_factory=failing, clock=clock, catalogue=catalogue, config=IntakeConfig())
    with caplog.at_level(logging.DEBUG):
        replies = await Chat(broken, clock, chat_id="5", transcript=chat.transcript).press("Gửi")
    assert "ĐƠN CHƯA ĐƯỢC GỬI" in replies[0].text
    logged = caplog.text
    assert "failed at step summary" in logged  # context is logged …
    assert "Khói đốt rơm rạ" not in logged  # … but not what the citizen wrote
    assert await rows(backend, Case) == []
    replies = await chat.press("Gửi")
    assert "PT-26-00001" in replies[0].text


class FailingOnce:
    """A unit-of-work factory whose first commit fails like a database that went away."""

    def __init__(self, inner: SqlUnitOfWorkFactory) -> None:
        self.inner = inner
        self.failed = False

    def __call__(self) -> SqlUnitOfWork:
        uow = self.inner()
        outer = self

        original = uow.commit

        async def commit() -> None:
            if not outer.failed:
                outer.failed = True
                raise ConnectionResetError("database went away")
            await original()

        uow.commit = commit  # type: ignore[method-assign]
        return uow


async def test_delivered_replies_are_marked_sent_and_never_sent_twice(
    chat: Chat, backend: Backend, clock: ManualClock
) -> None:
    await chat.send("/start")
    sender = RecordingSender()
    delivery = OutboxDelivery(uow_factory=backend.uow_factory, clock=clock, senders={"console": sender})
    ids = chat.results[-1].outbox_ids
    await asyncio.gather(delivery.deliver_chat("console", chat.chat_id), delivery.drain_once())
    assert [m.id for m in sender.sent] == list(ids)
    statuses = {m.id: m.status for m in await rows(backend, OutboxMessage)}
    assert all(statuses[i] is OutboxStatus.SENT for i in ids)


async def test_a_petition_with_nul_characters_and_lone_surrogates_is_stored_cleaned(
    chat: Chat, backend: Backend
) -> None:
    """PostgreSQL refuses NUL in text and JSON and cannot encode a lone surrogate: what a sender controls is
    cleaned at the door, so such a petition is filed like any other, not "try again later" for ever."""
    content = "Cống thoát nước\x00 ở xóm Đồng Bầu bị tắc\ud800 nhiều ngày\x1b, nước tràn vào nhà dân."
    code = await chat.file_petition(content=content, name="Nguyễn\x00 Văn An")
    [case] = await rows(backend, Case)
    assert case.code == code
    assert case.content == "Cống thoát nước ở xóm Đồng Bầu bị tắc\ufffd nhiều ngày, nước tràn vào nhà dân."
    assert case.petitioner_name == "Nguyễn Văn An"
