"""Triage in the office group: the card of a new case and every button on it, with what the citizen hears."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.cases.commune_calendar import change_day
from handlers.cases.staff_groups import group_removed
from handlers.delivery.reachability import chat_blocked
from models.deadlines.calendar import OverrideKind
from models.enums import CaseAction, CaseStatus
from models.staff import Role
from tests.office import OFFICE_GROUP, Member, World, case_of, events_of

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)


async def test_a_new_case_posts_a_card_with_what_triage_needs_and_no_identity(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    card = world.card(OFFICE_GROUP, code)
    assert card.text.startswith(f"{code} · Phản ánh · Giao thông, hạ tầng")
    assert "Tình trạng: Mới tiếp nhận" in card.text
    assert ROAD[:40] in card.text
    assert "Gợi ý bộ phận: Phòng Kinh tế" in card.text  # the demo commune routes roads to KT
    assert "Hạn xử lý đơn: 26/05/2026" in card.text  # 10 working days from Tuesday 12/05/2026
    assert "Nguyễn Văn An" not in card.text
    assert "0912" not in card.text
    assert [c.label for c in card.choices] == [
        "Thụ lý",
        "Phân công",
        "Chuyển",
        "Không thụ lý",
        "Yêu cầu bổ sung",
        "Trùng",
        "Đổi loại",
        "Ghi chú",
    ]


async def test_cards_go_to_each_clerk_privately_until_a_group_is_linked(world: World) -> None:
    await world.staff("9001", "Trần Thị Văn", Role.CLERK)
    code = await world.citizen("5001").file_petition(content=ROAD)
    assert world.card("9001", code).choices


async def test_accepting_tells_the_citizen_and_edits_the_card_in_place(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    posted = world.card(OFFICE_GROUP, code)
    reply = await clerk.press("Thụ lý", group=OFFICE_GROUP)
    assert reply == f"Đã thụ lý hồ sơ {code} và thông báo cho người gửi."
    assert "đã được thụ lý để giải quyết" in world.texts("5001")
    edited = world.card(OFFICE_GROUP, code)
    assert edited.edit_of is not None
    assert edited.edit_of != id(posted)
    assert "Tình trạng: Đã thụ lý" in edited.text
    assert "Thụ lý" not in [c.label for c in edited.choices]
    assert case_of(world, code).accepted_at == world.clock.now()


async def test_assigning_from_the_card_offers_the_suggested_unit_first_and_notifies_it(
    world: World, clerk: Member
) -> None:
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    code = await world.citizen("5001").file_petition(content=ROAD)
    question = await clerk.press("Phân công", group=OFFICE_GROUP)
    assert question == f"Chọn bộ phận giải quyết hồ sơ {code} (gợi ý đứng đầu):"
    assert world.latest_with_button(OFFICE_GROUP, "Phòng Kinh tế").choices[0].label == "Phòng Kinh tế"
    assert (
        await clerk.press("Phòng Kinh tế", group=OFFICE_GROUP)
        == f"Đã phân công hồ sơ {code} cho Phòng Kinh tế."
    )
    case = case_of(world, code)
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.unit_id is not None
    assert f"Phòng Kinh tế được giao giải quyết hồ sơ {code}" in world.texts(officer.account)
    assert "đã được thụ lý" in world.texts("5001")  # assigning a new case accepts it
    assert [e.action for e in events_of(world, code)][-2:] == [CaseAction.ACCEPTED, CaseAction.ASSIGNED]


async def test_a_typed_assignment_with_an_unknown_unit_lists_the_codes(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    reply = await clerk.say(f"/phancong {code} XYZ", group=OFFICE_GROUP)
    assert reply.startswith("Không có bộ phận mã «XYZ». Các mã bộ phận: VP, KT, VHXH")
    assert case_of(world, code).status is CaseStatus.RECEIVED


async def test_declining_offers_reasons_citing_the_law_and_tells_the_citizen_the_reason(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(
        kind="Khiếu nại",
        content="Tôi khiếu nại quyết định xử phạt của UBND xã vì không đúng với sự việc xảy ra.",
    )
    offer = await clerk.press("Không thụ lý", group=OFFICE_GROUP)
    assert "khoản 2 Điều 11 Luật Khiếu nại năm 2011" in offer
    await clerk.press("Lý do 2", group=OFFICE_GROUP)
    assert await clerk.press("Gửi lý do này", group=OFFICE_GROUP) == (
        f"Đã ghi nhận không thụ lý hồ sơ {code} và thông báo lý do cho người gửi."
    )
    assert case_of(world, code).status is CaseStatus.DECLINED
    notice = world.inbox("5001")[-1].text
    assert notice.startswith(f"UBND xã Phú Thịnh thông báo: hồ sơ {code} không được thụ lý.")
    assert "Thời hiệu khiếu nại đã hết" in notice


async def test_a_decline_reason_can_be_edited_before_it_is_sent(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.press("Không thụ lý", group=OFFICE_GROUP)
    await clerk.press("Lý do 1", group=OFFICE_GROUP)
    ask = await clerk.press("Sửa lý do", group=OFFICE_GROUP)
    assert ask.startswith(f"Nhập lý do không thụ lý hồ sơ {code}:")
    assert world.inbox(OFFICE_GROUP)[-1].force_reply  # in a group the answer is a reply to the question
    await clerk.answer("Việc này do Điện lực huyện giải quyết; xã đã báo Điện lực.", group=OFFICE_GROUP)
    assert "Lý do: Việc này do Điện lực huyện giải quyết" in world.inbox("5001")[-1].text


async def test_a_group_message_that_does_not_answer_the_bot_is_left_alone(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.press("Ghi chú", group=OFFICE_GROUP)
    assert await clerk.say("chị Hoa ơi chiều nay họp nhé", group=OFFICE_GROUP) == ""
    await clerk.answer("Đã gọi điện cho người gửi, hẹn xác minh thứ Năm.", group=OFFICE_GROUP)
    notes = [e for e in events_of(world, code) if e.action is CaseAction.NOTE]
    assert [e.data["text"] for e in notes] == ["Đã gọi điện cho người gửi, hẹn xác minh thứ Năm."]


async def test_forwarding_records_the_destination_and_reason_and_tells_the_citizen(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.press("Chuyển", group=OFFICE_GROUP)
    await clerk.answer("Công an huyện Phú Bình", group=OFFICE_GROUP)
    reply = await clerk.answer("Vụ việc có dấu hiệu hình sự", group=OFFICE_GROUP)
    assert reply == f"Đã chuyển hồ sơ {code} đến Công an huyện Phú Bình và thông báo cho người gửi."
    case = case_of(world, code)
    assert (case.status, case.forwarded_to) == (CaseStatus.FORWARDED, "Công an huyện Phú Bình")
    notice = world.inbox("5001")[-1].text
    assert "đã được chuyển đến Công an huyện Phú Bình" in notice
    assert "Lý do: Vụ việc có dấu hiệu hình sự" in notice


async def test_a_typed_forward_takes_destination_and_reason_at_once(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/chuyen {code} Điện lực Phú Bình; thuộc ngành điện", group=OFFICE_GROUP)
    assert case_of(world, code).forwarded_to == "Điện lực Phú Bình"


async def test_asking_for_more_information_waits_for_the_citizen_and_takes_their_answer_and_files(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.press("Thụ lý", group=OFFICE_GROUP)
    await clerk.press("Yêu cầu bổ sung", group=OFFICE_GROUP)
    await clerk.answer("Ông/Bà chụp giúp ảnh đoạn đường bị sụt lún.", group=OFFICE_GROUP)
    assert case_of(world, code).status is CaseStatus.AWAITING_INFO
    citizen = world.person("5001")
    notice = world.inbox("5001")[-1]
    assert "«Ông/Bà chụp giúp ảnh đoạn đường bị sụt lún.»" in notice.text
    await citizen.press("Gửi thông tin bổ sung")
    await citizen.say("Ảnh chụp sáng nay ạ.")
    await citizen.send_file("sut-lun.jpg")
    done = await citizen.press("Gửi bổ sung")
    assert f"Đã gửi thông tin bổ sung cho hồ sơ {code}. Cảm ơn Ông/Bà." in done
    case = case_of(world, code)
    assert case.status is CaseStatus.ACCEPTED  # back where it was before the question
    assert "Người gửi đã bổ sung thông tin" in world.texts(OFFICE_GROUP)
    answered = [e for e in events_of(world, code) if e.action is CaseAction.INFO_RECEIVED]
    assert answered[0].data == {"answer": "Ảnh chụp sáng nay ạ.", "files": 1, "paused_days": 0}


async def test_the_answer_command_finds_the_one_case_waiting(world: World, clerk: Member) -> None:
    chat = world.citizen("5001")
    code = await chat.file_petition(content=ROAD)
    await clerk.say(f"/bosung {code} Xin cho biết đoạn đường ở gần nhà ai?", group=OFFICE_GROUP)
    reply = await chat.send("/traloi")
    assert "Nội dung cần bổ sung: «Xin cho biết đoạn đường ở gần nhà ai?»" in reply[0].text
    await chat.send("Gần nhà ông Tư, cách cổng trường 50 mét.")
    await chat.press("Gửi bổ sung")
    assert case_of(world, code).status is CaseStatus.RECEIVED


async def test_sending_an_empty_supplement_is_refused_politely(world: World, clerk: Member) -> None:
    chat = world.citizen("5001")
    code = await chat.file_petition(content=ROAD)
    await clerk.say(f"/bosung {code} Xin gửi thêm ảnh.", group=OFFICE_GROUP)
    await chat.send(f"/traloi {code}")
    replies = await chat.press("Gửi bổ sung")
    assert replies[0].text.startswith("Ông/Bà chưa gửi nội dung nào để bổ sung.")


async def test_an_old_info_button_after_the_case_moved_on_says_nothing_is_waiting(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/bosung {code} Xin gửi thêm ảnh.", group=OFFICE_GROUP)
    await clerk.say(f"/tuchoi {code} Người gửi không bổ sung theo đề nghị.", group=OFFICE_GROUP)
    reply = await world.person("5001").press("Gửi thông tin bổ sung")
    assert f"Hồ sơ {code} hiện không có yêu cầu bổ sung nào đang chờ." in reply


async def test_marking_a_duplicate_links_both_cases_and_tells_its_citizen_where_it_is_followed(
    world: World, clerk: Member
) -> None:
    first = await world.citizen("5001").file_petition(content=ROAD)
    second_chat = world.citizen("5002")
    second = await second_chat.file_petition(content=ROAD + " Đề nghị sửa gấp.")
    assert f"Có thể trùng: {first} (nội dung tương tự)" in world.card(OFFICE_GROUP, second).text
    reply = await clerk.say(f"/trung {second} {first}", group=OFFICE_GROUP)
    assert reply == f"Đã đánh dấu hồ sơ {second} trùng với {first}; hai hồ sơ đã được liên kết."
    assert case_of(world, second).duplicate_of_id == case_of(world, first).id
    assert f"Hồ sơ trùng với hồ sơ này: {second}" in world.card(OFFICE_GROUP, first).text
    assert f"cùng nội dung với hồ sơ {first}" in world.inbox("5002")[-1].text
    tracked = await second_chat.send(f"/tracuu {second}")
    assert f"được theo dõi chung với hồ sơ {first}" in tracked[0].text


async def test_a_case_cannot_be_a_duplicate_of_itself(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    assert await clerk.say(f"/trung {code} {code}", group=OFFICE_GROUP) == (
        "Không thể đánh dấu một hồ sơ trùng với chính nó."
    )


async def test_reclassifying_records_the_change_and_its_reason(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.press("Đổi loại", group=OFFICE_GROUP)
    await clerk.press("Kiến nghị", group=OFFICE_GROUP)
    reply = await clerk.answer("Người dân đề nghị xã sửa đường", group=OFFICE_GROUP)
    assert reply == f"Đã đổi loại hồ sơ {code} từ phản ánh sang kiến nghị."
    event = next(e for e in events_of(world, code) if e.action is CaseAction.RECLASSIFIED)
    assert event.data == {"from": "phan_anh", "to": "kien_nghi", "reason": "Người dân đề nghị xã sửa đường"}
    assert world.card(OFFICE_GROUP, code).text.startswith(f"{code} · Kiến nghị")


async def test_an_internal_note_never_reaches_the_citizen(world: World, clerk: Member) -> None:
    chat = world.citizen("5001")
    code = await chat.file_petition(content=ROAD)
    await clerk.say(f"/ghichu {code} Chủ tịch dặn ưu tiên trước mùa mưa", group=OFFICE_GROUP)
    tracked = await chat.send(f"/tracuu {code}")
    assert "Chủ tịch dặn" not in tracked[0].text
    assert "Ghi chú" not in tracked[0].text
    assert "Chủ tịch dặn" not in world.texts("5001")


async def test_an_action_the_status_does_not_allow_says_why(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/thuly {code}", group=OFFICE_GROUP)
    assert await clerk.say(f"/thuly {code}", group=OFFICE_GROUP) == (
        f"Hồ sơ {code} đang ở trạng thái «Đã thụ lý» nên không thể làm thao tác này."
    )


async def test_a_hot_spot_alerts_the_office_and_the_leaders(world: World, clerk: Member) -> None:
    leader = await world.staff("9002", "Lê Văn Lãnh", Role.LEADER)
    text = (
        "Khói bụi từ lò gạch ở xóm Đồng Bầu bay vào nhà dân, trẻ con ho nhiều, đề nghị xã kiểm tra lò gạch."
    )
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]
    for number, name in enumerate(names):
        chat = world.citizen(f"60{number}")
        await chat.send("/guidon")
        await chat.press("Đồng ý")
        await chat.press("Phản ánh")
        await chat.press("Môi trường")
        await chat.send(text)
        await chat.send("xom Dong Bau")  # a typed address naming the village
        await chat.press("Bỏ qua")
        await chat.send(name)
        await chat.send(f"091234567{number}")
        await chat.send("Xóm Đồng Bầu")
        await chat.press("Gửi")
        world.clock.advance(timedelta(hours=1))
    alerts = [r.text for r in world.inbox(OFFICE_GROUP) if r.text.startswith("CẢNH BÁO ĐIỂM NÓNG")]
    assert len(alerts) == 1
    assert "5 người dân ở Xóm Đồng Bầu phản ánh việc tương tự (Môi trường) trong 7 ngày qua" in alerts[0]
    assert alerts[0] in world.texts(leader.account)


async def test_a_linked_group_that_refuses_messages_is_unlinked_and_cards_go_to_each_clerk(
    world: World, clerk: Member
) -> None:
    async with world.uow_factory() as uow:  # what the delivery worker does on 403 from the group
        await chat_blocked(uow, "console", OFFICE_GROUP, world.clock.now())
        await uow.commit()
    code = await world.citizen("5001").file_petition(content=ROAD)
    assert world.card("9001", code).text.startswith(f"{code} · Phản ánh")
    assert code not in world.texts(OFFICE_GROUP)


async def test_removing_the_bot_from_the_office_group_tells_admins_and_clerks_once(
    world: World, clerk: Member
) -> None:
    leader = await world.staff("9002", "Lê Văn Lãnh", Role.LEADER)
    for attempt in range(2):  # the same update twice, or a second removal: told once
        async with world.uow_factory() as uow:
            await group_removed(
                uow,
                catalogue=world.catalogue,
                office=world.office,
                channel="console",
                chat_id=OFFICE_GROUP,
                now=world.clock.now(),
                event_key=f"removed:{attempt}",
            )
            await uow.commit()
    assert world.texts("9001").count("Bot đã bị đưa ra khỏi nhóm Văn phòng HĐND và UBND xã Phú Thịnh") == 1
    assert "Bot đã bị đưa ra khỏi nhóm" not in world.texts(leader.account)
    assert (await clerk.say("/ketnoi", group=OFFICE_GROUP)).startswith("Đã kết nối nhóm này")


async def test_the_case_view_explains_its_due_date_and_says_when_it_is_overdue(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    view = await clerk.say(f"/hoso {code}")
    assert (
        "Hạn xử lý đơn: 26/05/2026 — 10 ngày làm việc kể từ ngày nhận đơn 12/05/2026 "
        "(Thông tư 05/2021/TT-TTCP)."
    ) in view
    world.clock.advance(timedelta(days=15))
    assert "QUÁ HẠN — Hạn xử lý đơn: 26/05/2026" in await clerk.say(f"/hoso {code}")


async def test_a_calendar_change_moves_open_deadlines_and_records_it_on_each_case(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)  # due 26/05/2026
    async with world.uow_factory() as uow:
        change = await change_day(
            uow,
            world.commune,
            date(2026, 5, 19),
            OverrideKind.OFF,
            reason="Nghỉ đột xuất",
            by="cli",
            now=world.clock.now(),
        )
        await uow.commit()
    assert (change.working, change.moved) == (False, 1)
    assert case_of(world, code).due_on == date(2026, 5, 27)  # stored on the case for queues
    view = await clerk.say(f"/hoso {code}")
    assert "Hạn xử lý đơn: 27/05/2026 — 10 ngày làm việc" in view
    assert "không tính ngày nghỉ: Nghỉ đột xuất (19/05/2026)" in view
    assert "Hạn được tính lại vì lịch làm việc thay đổi: 26/05/2026 — 27/05/2026" in view
    moved = [e for e in events_of(world, code) if e.action is CaseAction.DEADLINE_MOVED]
    assert [e.data["to"] for e in moved] == ["27/05/2026"]

    async with world.uow_factory() as uow:
        back = await change_day(
            uow, world.commune, date(2026, 5, 19), None, reason="", by="cli", now=world.clock.now()
        )
        await uow.commit()
    assert (back.working, back.moved) == (True, 1)
    assert "Hạn xử lý đơn: 26/05/2026" in await clerk.say(f"/hoso {code}")


async def test_an_admin_changes_the_calendar_from_the_chat_and_open_deadlines_follow(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    year = await clerk.say("/lichnghi 2026")
    assert year.startswith("Ngày nghỉ và ngày làm bù năm 2026 của xã Phú Thịnh")
    assert "10/01/2026 (Thứ Bảy) — làm việc: Làm bù cho ngày 02/01/2026" in year
    reply = await clerk.say("/lichnghi nghi 19/05/2026 Nghỉ đột xuất do bão")
    assert reply.startswith("Từ nay 19/05/2026 là ngày nghỉ ở xã Phú Thịnh (Nghỉ đột xuất do bão).")
    assert "Hạn của 1 hồ sơ đang mở đã được tính lại" in reply
    assert "Hạn xử lý đơn: 27/05/2026" in await clerk.say(f"/hoso {code}")
    assert (await clerk.say("/lichnghi bo 19/05/2026")).startswith("Từ nay 19/05/2026 là ngày làm việc")
    assert "Hạn xử lý đơn: 26/05/2026" in await clerk.say(f"/hoso {code}")


async def test_calendar_commands_with_a_bad_date_or_no_reason_are_explained(
    world: World, clerk: Member
) -> None:
    assert (await clerk.say("/lichnghi lam 31/02/2026 Làm bù")).startswith("Ngày «31/02/2026» không hợp lệ")
    assert (await clerk.say("/lichnghi lam 24/11/2026")).startswith("Xin ghi lý do sau ngày")
    assert (await clerk.say("/lichnghi doi 24/11/2026 x")).startswith("Cú pháp: /lichnghi [NĂM]")
    assert (await clerk.say("/lichnghi ²")).startswith("Cú pháp: /lichnghi [NĂM]")
    assert (await clerk.say("/lichnghi 99999999999999999999")).startswith("Cú pháp: /lichnghi [NĂM]")
    assert (await clerk.say("/lichnghi nghi 24/11/2026 " + "x" * 5000)).startswith(
        "Từ nay 24/11/2026 là ngày nghỉ"
    )
