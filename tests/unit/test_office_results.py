"""A unit's answer: written, submitted, reviewed; nothing reaches the citizen or closes before approval."""

from __future__ import annotations

import pytest

from models.case import Case, CaseAttachment, CaseResult, ResultStatus
from models.enums import CaseStatus
from models.staff import Role
from tests.fakes import Inspectable
from tests.office import OFFICE_GROUP, Member, World

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)
ANSWER = (
    "Phòng Kinh tế đã kiểm tra ngày 14/5, đã đổ bê tông lại 10 mét và khơi thông rãnh thoát nước hai bên."
)


@pytest.fixture
async def cast(world: World) -> tuple[Member, Member, Member]:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    leader = await world.staff("9002", "Lê Văn Lãnh", Role.LEADER)
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    return clerk, leader, officer


def store(world: World) -> Inspectable:
    assert isinstance(world.uow_factory, Inspectable)
    return world.uow_factory


def case_of(world: World, code: str) -> Case:
    return next(c for c in store(world).store.all(Case) if c.code == code)


async def assigned_case(world: World, clerk: Member, citizen: str = "5001") -> str:
    code = await world.citizen(citizen).file_petition(content=ROAD)
    await clerk.say(f"/phancong {code} KT", group=OFFICE_GROUP)
    return code


async def submit_result(officer: Member, code: str, answer: str = ANSWER, *, file: str | None = None) -> str:
    """The unit's officer writes the answer (with a file), then presses «Trình duyệt»."""
    await officer.say(f"/ketqua {code}")
    await officer.say(answer)
    if file is not None:
        await officer.send_file(file)
    return await officer.press("Trình duyệt")


async def test_a_vague_one_line_answer_is_refused_with_the_reason(
    world: World, cast: tuple[Member, ...]
) -> None:
    clerk, _, officer = cast
    code = await assigned_case(world, clerk)
    await officer.say(f"/ketqua {code}")
    reply = await officer.say("Đã xử lý xong.")
    assert reply.startswith("Nội dung trả lời mới có 14 ký tự.")
    assert "ít nhất 40 ký tự" in reply


async def test_a_submitted_result_closes_nothing_and_waits_for_review(
    world: World, cast: tuple[Member, ...]
) -> None:
    clerk, _, officer = cast
    code = await assigned_case(world, clerk)
    assert (await submit_result(officer, code, file="bien-ban.pdf")).startswith(
        f"Đã trình kết quả hồ sơ {code}."
    )
    assert case_of(world, code).status is CaseStatus.IN_PROGRESS
    review = world.latest_with_button(OFFICE_GROUP, "Duyệt")
    assert review.text.startswith(f"KẾT QUẢ CHỜ DUYỆT — hồ sơ {code} (Phòng Kinh tế)")
    assert "Tệp đính kèm: 1" in review.text
    assert "Có kết quả đang chờ duyệt" in world.card(OFFICE_GROUP, code).text
    assert ANSWER not in world.texts("5001")


async def test_the_leader_approves_and_the_citizen_gets_the_answer_and_its_files_in_the_communes_name(
    world: World, cast: tuple[Member, ...]
) -> None:
    clerk, leader, officer = cast
    code = await assigned_case(world, clerk)
    await submit_result(officer, code, file="bien-ban.pdf")
    assert await leader.press("Duyệt và gửi", group=OFFICE_GROUP) == (
        f"Đã duyệt và gửi kết quả hồ sơ {code} cho người gửi."
    )
    answer = world.inbox("5001")[-1]
    assert answer.text == f"UBND xã Phú Thịnh trả lời hồ sơ {code} của Ông/Bà:\n{ANSWER}\n(Kèm theo 1 tệp.)"
    assert [a["file_name"] for a in answer.attachments] == ["bien-ban.pdf"]
    assert "Phạm Văn Kinh" not in answer.text  # no staff names for citizens
    assert case_of(world, code).status is CaseStatus.ANSWERED
    assert "đã được duyệt và gửi người dân" in world.texts(officer.account)
    review = [r for r in world.inbox(OFFICE_GROUP) if r.text.startswith("KẾT QUẢ CHỜ DUYỆT")][-1]
    assert review.edit_of is not None
    assert review.text.endswith("đã duyệt và gửi người dân")
    assert review.choices == ()


async def test_a_returned_result_goes_back_to_the_unit_with_the_comment(
    world: World, cast: tuple[Member, ...]
) -> None:
    clerk, _, officer = cast
    code = await assigned_case(world, clerk)
    await submit_result(officer, code)
    await clerk.press("Trả lại", group=OFFICE_GROUP)
    reply = await clerk.answer("Ghi rõ ngày hoàn thành và người kiểm tra.", group=OFFICE_GROUP)
    assert reply == f"Đã trả lại kết quả hồ sơ {code} cho Phòng Kinh tế."
    assert "«Ghi rõ ngày hoàn thành và người kiểm tra.»" in world.texts(officer.account)
    assert ANSWER not in world.texts("5001")
    # The unit writes it again and this time it goes through.
    await submit_result(officer, code, ANSWER + " Hoàn thành ngày 16/5, ông Kinh kiểm tra.")
    await clerk.say(f"/duyet {code}", group=OFFICE_GROUP)
    assert world.inbox("5001")[-1].text.endswith("ông Kinh kiểm tra.")
    results = list(store(world).store.all(CaseResult))
    assert [r.status for r in results] == [ResultStatus.RETURNED, ResultStatus.APPROVED]


async def test_approving_answers_the_citizens_of_merged_cases_too(
    world: World, cast: tuple[Member, ...]
) -> None:
    clerk, _, officer = cast
    code = await assigned_case(world, clerk)
    other = await world.citizen("5002").file_petition(content=ROAD)
    await clerk.say(f"/trung {other} {code}", group=OFFICE_GROUP)
    await submit_result(officer, code)
    await clerk.say(f"/duyet {code}", group=OFFICE_GROUP)
    assert world.inbox("5002")[-1].text == f"UBND xã Phú Thịnh trả lời hồ sơ {other} của Ông/Bà:\n{ANSWER}"


async def test_a_draft_can_be_dropped_and_a_file_needs_the_text_first(
    world: World, cast: tuple[Member, ...]
) -> None:
    clerk, _, officer = cast
    code = await assigned_case(world, clerk)
    await officer.say(f"/ketqua {code}")
    assert (
        await officer.send_file("anh.jpg") == "Xin gửi nội dung trả lời trước, sau đó mới gửi tệp kèm theo."
    )
    await officer.say(ANSWER)
    assert await officer.press("Hủy") == f"Đã hủy kết quả đang soạn của hồ sơ {code}."
    assert [r.status for r in store(world).store.all(CaseResult)] == [ResultStatus.DISCARDED]
    assert not any(a.result_id for a in store(world).store.all(CaseAttachment))


async def test_results_are_written_in_a_private_chat(world: World, cast: tuple[Member, ...]) -> None:
    clerk, _, officer = cast
    code = await assigned_case(world, clerk)
    unit_group = "-100777"
    admin = clerk
    await admin.say("/ketnoi KT", group=unit_group)
    assert (await officer.say(f"/ketqua {code}", group=unit_group)).startswith(
        "Thao tác này chỉ làm trong tin"
    )


async def test_a_unit_with_its_own_group_is_told_there(world: World, cast: tuple[Member, ...]) -> None:
    clerk, _, officer = cast
    unit_group = "-100777"
    assert await clerk.say("/ketnoi KT", group=unit_group) == (
        "Đã kết nối nhóm này với Phòng Kinh tế: hồ sơ được giao cho bộ phận sẽ được báo vào đây."
    )
    code = await assigned_case(world, clerk)
    assert f"được giao giải quyết hồ sơ {code}" in world.texts(unit_group)
    assert world.inbox(officer.account) == []
    await officer.press("Cập nhật tiến độ", group=unit_group)
    reply = await officer.answer("Đã khảo sát hiện trường, chờ xi măng.", group=unit_group)
    assert reply == f"Đã ghi tiến độ hồ sơ {code}."
