"""A tố cáo never exposes its author (Luật Tố cáo 2018 Điều 9): only clerks and leaders handling it see who
sent it; unit officers, group cards, notices and logs never do."""

from __future__ import annotations

import logging

import pytest

from handlers.cases.redact import mask_identity
from models.outbox import OutboxMessage
from models.staff import Role
from tests.fakes import Inspectable
from tests.office import OFFICE_GROUP, Member, World

NAME, PHONE, ADDRESS = "Nguyễn Văn An", "0912 345 678", "Xóm Đồng Bầu, xã Phú Thịnh"
DENUNCIATION = (
    "Tôi là Nguyen Van An, điện thoại 0912.345.678. Tôi tố cáo ông Trần Văn B, cán bộ địa chính, nhận 20 triệu "
    "đồng của dân để làm sổ đỏ nhanh."
)
SECRETS = (
    "Nguyễn Văn An",
    "Nguyen Van An",
    "0912345678",
    "0912.345.678",
    "Xóm Đồng Bầu, xã Phú Thịnh",
    "5001",
)


@pytest.fixture
async def staff(world: World) -> dict[str, Member]:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    await clerk.say("/ketnoi KT", group="-100777")
    return {
        "clerk": clerk,
        "leader": await world.staff("9002", "Lê Văn Lãnh", Role.LEADER),
        "unit": await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT")),
    }


@pytest.fixture
async def code(world: World, staff: dict[str, Member]) -> str:
    code = await world.citizen("5001").file_petition(
        kind="Tố cáo", field="Cán bộ", content=DENUNCIATION, name=NAME, phone=PHONE, address=ADDRESS
    )
    await staff["clerk"].say(f"/phancong {code} KT", group=OFFICE_GROUP)
    return code


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


async def test_the_group_card_shows_the_content_without_the_denouncer(world: World, code: str) -> None:
    card = world.card(OFFICE_GROUP, code).text
    assert "ông Trần Văn B" in card
    assert "được bảo đảm bí mật" in card
    assert leaks(card) == []


async def test_the_unit_sees_the_case_but_not_who_sent_it(
    world: World, staff: dict[str, Member], code: str
) -> None:
    view = await staff["unit"].say(f"/hoso {code}")
    assert "nhận 20 triệu đồng" in view
    assert "Người gửi: được bảo đảm bí mật" in view
    assert leaks(view) == []
    assert leaks(world.texts("-100777")) == []  # the unit group's notice
    assert await staff["unit"].press_token("s:files:1") == "Tài khoản này không có quyền dùng chức năng này."


async def test_clerks_and_leaders_handling_it_see_the_sender_in_a_private_chat(
    world: World, staff: dict[str, Member], code: str
) -> None:
    for role in ("clerk", "leader"):
        view = await staff[role].say(f"/hoso {code}")
        assert f"Người gửi: {NAME} — 0912345678 — {ADDRESS}" in view


async def test_nobody_sees_the_sender_of_a_case_shown_in_a_group(
    world: World, staff: dict[str, Member], code: str
) -> None:
    view = await staff["clerk"].say(f"/hoso {code}", group=OFFICE_GROUP)
    assert "Người gửi: không hiển thị trong nhóm" in view
    assert leaks(view) == []
    found = await staff["clerk"].say("/timkiem so do", group=OFFICE_GROUP)
    assert code in found
    assert leaks(found) == []


async def test_an_answer_to_a_question_is_passed_on_without_the_identity(
    world: World, staff: dict[str, Member], code: str
) -> None:
    await staff["clerk"].say(f"/bosung {code} Ông cho biết ngày giờ cụ thể?", group=OFFICE_GROUP)
    citizen = world.person("5001")
    await citizen.press("Gửi thông tin bổ sung")
    await citizen.say("Ngày 3/5, tôi Nguyễn Văn An chứng kiến, gọi 0912345678 nếu cần.")
    await citizen.press("Gửi bổ sung")
    assert "Ngày 3/5" in world.texts(OFFICE_GROUP)
    assert leaks(world.texts(OFFICE_GROUP)) == []
    assert leaks(world.texts("-100777")) == []
    assert leaks(await staff["unit"].say(f"/hoso {code}")) == []


async def test_nothing_but_the_denouncers_own_chat_and_the_handlers_private_chats_carries_the_identity(
    world: World, staff: dict[str, Member], code: str
) -> None:
    await staff["clerk"].say(f"/hoso {code}")  # the clerk's private view is allowed to show it
    assert isinstance(world.uow_factory, Inspectable)
    allowed = {"5001", staff["clerk"].account}
    for message in world.uow_factory.store.all(OutboxMessage):
        if message.chat_id not in allowed:
            assert leaks(str(message.payload)) == [], message.chat_id


async def test_logs_never_carry_the_identity(
    world: World, staff: dict[str, Member], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code = await world.citizen("5002").file_petition(
        kind="Tố cáo", field="Cán bộ", content=DENUNCIATION, name=NAME, phone=PHONE, address=ADDRESS
    )
    await staff["clerk"].say(f"/phancong {code} KT", group=OFFICE_GROUP)
    await staff["unit"].say(f"/hoso {code}")
    assert leaks(caplog.text) == []


def test_the_mask_finds_the_identity_with_or_without_diacritics_and_spacing() -> None:
    masked = mask_identity(
        "Toi la NGUYEN VAN AN o xom dong bau, xa Phu Thinh, so +84 912 345 678.",
        name=NAME,
        phone="0912345678",
        address=ADDRESS,
    )
    assert masked == "Toi la […] o […], so […]."


def test_the_mask_leaves_other_people_and_numbers_alone() -> None:
    text = "Ông Trần Văn B nhận 20 triệu, số tài khoản 0912000111."
    assert mask_identity(text, name=NAME, phone="0912345678", address=ADDRESS) == text
