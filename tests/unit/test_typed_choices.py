"""Staff on a channel without buttons (Zalo, the console) use cards and questions by typing a number or a
whole label, exactly as pressing the button would."""

from __future__ import annotations

from models.enums import CaseStatus
from models.staff import Role
from tests.office import World, case_of

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)


async def test_a_clerk_assigns_a_case_from_a_private_card_by_typing_its_numbers(world: World) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    assert [c.label for c in world.card("9001", code).choices][:2] == ["Thụ lý", "Phân công"]
    question = await clerk.say("2")
    assert question == f"Chọn bộ phận giải quyết hồ sơ {code} (gợi ý đứng đầu):"
    assert await clerk.say("phong kinh te") == f"Đã phân công hồ sơ {code} cho Phòng Kinh tế."
    assert case_of(world, code).status is CaseStatus.DANG_XU_LY


async def test_a_number_out_of_the_list_picks_nothing_and_goes_to_the_citizen_conversation(
    world: World,
) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say("9")
    assert case_of(world, code).status is CaseStatus.MOI_TIEP_NHAN


async def test_a_citizen_question_after_the_card_takes_the_number_itself(world: World) -> None:
    """Staff are citizens too: when the latest list in the chat is a citizen question, a typed number
    answers it, and no card action is taken."""
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say("/guidon")
    reply = await clerk.say("1")  # the consent question's first choice, not the card's «Thụ lý»
    assert case_of(world, code).status is CaseStatus.MOI_TIEP_NHAN
    assert "Thụ lý" not in reply


async def test_while_a_question_waits_for_words_an_older_card_never_takes_the_answer(world: World) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/ghichu {code}")
    reply = await clerk.say("1")  # the note's text, not «Thụ lý» on the card above
    assert case_of(world, code).status is CaseStatus.MOI_TIEP_NHAN
    assert code in reply
