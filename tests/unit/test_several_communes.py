"""One deployment, several communes: the deep link or a first question picks the citizen's commune."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.cases.communes import CommuneSpec, import_commune
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.config import IntakeConfig
from models.case import Case
from tests.chat import Chat
from tests.conftest import Backend
from tests.fakes import ManualClock


@pytest.fixture
async def two_communes(backend: Backend, demo_spec: CommuneSpec, clock: ManualClock) -> Any:
    factory = backend.uow_factory
    other = demo_spec.model_copy(update={"code": "AL", "name": "Xã An Lão"})
    async with factory() as uow:
        await import_commune(uow, demo_spec, now=clock.now())
        await import_commune(uow, other, now=clock.now())
        await uow.commit()
    return factory


def chat_on(factory: Any, catalogue: Catalogue, clock: ManualClock, chat_id: str) -> Chat:
    engine = ConversationEngine(uow_factory=factory, clock=clock, catalogue=catalogue, config=IntakeConfig())
    return Chat(engine, clock, chat_id=chat_id)


async def test_without_a_deep_link_the_citizen_is_asked_which_commune(
    two_communes: Any, catalogue: Catalogue, clock: ManualClock
) -> None:
    chat = chat_on(two_communes, catalogue, clock, "1")
    await chat.send("/start")
    assert [c.label for c in chat.last_question.choices] == ["Xã An Lão", "Xã Phú Thịnh"]
    replies = await chat.send("phu thinh")
    assert "xã Phú Thịnh" in replies[0].text


async def test_a_deep_link_with_a_commune_code_skips_the_question(
    two_communes: Any, catalogue: Catalogue, clock: ManualClock
) -> None:
    chat = chat_on(two_communes, catalogue, clock, "2")
    await chat.send("/start AL_gui")
    assert "Ủy ban nhân dân xã An Lão" in chat.last_question.text  # the consent names the right commune
    await chat.press("Không đồng ý")
    await chat.press("Kiến nghị")
    await chat.press("Khác")
    await chat.send("Đề nghị xã lắp thêm đèn chiếu sáng ở đoạn đường liên thôn.")
    await chat.press("Bỏ qua")
    await chat.press("Bỏ qua")
    replies = await chat.press("Gửi")
    assert "Mã hồ sơ: AL-26-00001" in replies[0].text
    [case] = two_communes.store.all(Case)
    assert case.code.startswith("AL-")
