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
    assert case_of(world, code).status is CaseStatus.IN_PROGRESS


async def test_a_number_out_of_the_list_picks_nothing_and_goes_to_the_citizen_conversation(
    world: World,
) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say("9")
    assert case_of(world, code).status is CaseStatus.RECEIVED


async def test_a_citizen_question_after_the_card_takes_the_number_itself(world: World) -> None:
    """Staff are citizens too: when the latest list in the chat is a citizen question, a typed number
    answers it, and no card action is taken."""
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say("/guidon")
    reply = await clerk.say("1")  # the consent question's first choice, not the card's «Thụ lý»
    assert case_of(world, code).status is CaseStatus.RECEIVED
    assert "Thụ lý" not in reply


async def test_while_a_question_waits_for_words_an_older_card_never_takes_the_answer(world: World) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/ghichu {code}")
    reply = await clerk.say("1")  # the note's text, not «Thụ lý» on the card above
    assert case_of(world, code).status is CaseStatus.RECEIVED
    assert code in reply


async def test_accepting_by_a_typed_number_names_the_case_and_waits_for_a_yes(world: World) -> None:
    """A second card may arrive between reading one and typing: a choice that decides at once is confirmed
    first, naming the case it will act on."""
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    first = await world.citizen("5001").file_petition(content=ROAD)
    second = await world.citizen("5002").file_petition(content=ROAD.replace("10 mét", "20 mét"))
    asked = await clerk.say("1")  # «Thụ lý»: the latest card is the second case's
    assert asked.startswith(f"Ông/Bà chọn «Thụ lý» cho hồ sơ {second} · Phản ánh · Giao thông, hạ tầng.")
    assert case_of(world, second).status is CaseStatus.RECEIVED
    assert await clerk.say("2") == "Đã thôi; hồ sơ không thay đổi gì."
    assert case_of(world, second).status is CaseStatus.RECEIVED
    await clerk.say(f"/hoso {first}")
    asked = await clerk.say("1")  # the case view the clerk asked for: its list is theirs, no second card
    assert asked == f"Đã thụ lý hồ sơ {first} và thông báo cho người gửi."


async def test_a_unit_officer_submits_a_result_by_number_after_attaching_a_photo(world: World) -> None:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/phancong {code} KT")
    await officer.say(f"/ketqua {code}")
    assert (
        await officer.send_file("hien-truong.jpg")
        == "Xin gửi nội dung trả lời trước, sau đó mới gửi tệp kèm theo."
    )
    await officer.say(
        "Đã đổ bê tông lại 10 mét đường, khơi thông rãnh thoát nước hai bên, nghiệm thu ngày 14/5."
    )
    assert "Đã nhận tệp" in await officer.send_file("hien-truong.jpg")
    submitted = await officer.say("1")  # «Trình duyệt», from the answer to the photo
    assert submitted.startswith(f"Đã trình kết quả hồ sơ {code}")


async def test_a_card_is_not_sent_again_when_nothing_on_it_changed(world: World) -> None:
    """On Zalo a changed card arrives as a new message: one that would look the same is not sent at all."""
    clerk = await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/phancong {code} KT")
    cards = [reply for reply in world.inbox("9001") if reply.text.startswith(code)]
    await officer.say(f"/tiendo {code} Đã khảo sát hiện trường, chuẩn bị vật liệu để sửa.")
    assert [reply for reply in world.inbox("9001") if reply.text.startswith(code)] == cards
