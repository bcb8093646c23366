"""Each open case carries its stage and due date; clerks read the reasons (/tinhhan, /hoso), extend within the
law (/giahan, /phuctap), mark urgency (/khan), and waiting for the citizen pauses the clock only where allowed.

The demo clock starts on Tuesday 12/05/2026; no holiday falls in the weeks these tests count.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from handlers.cases.communes import CommuneSpec
from models.enums import CaseAction
from models.staff import Role
from tests.office import OFFICE_GROUP, Member, World, case_of, events_of

COMPLAINT = (
    "Tôi khiếu nại quyết định xử phạt vi phạm hành chính số 12/QĐ-XPVPHC của Chủ tịch UBND xã ngày 02/05/2026 "
    "vì tôi không lấn chiếm hành lang giao thông như biên bản ghi."
)
DENUNCIATION = (
    "Tôi tố cáo cán bộ địa chính xã nhận tiền của người dân để làm nhanh hồ sơ cấp giấy chứng nhận."
)
ROAD = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét."


async def complaint(world: World) -> str:
    return await world.citizen("5001").file_petition(kind="Khiếu nại", field="An ninh", content=COMPLAINT)


async def test_a_complaint_runs_against_thu_ly_then_resolution_from_the_acceptance(
    world: World, clerk: Member
) -> None:
    code = await complaint(world)
    case = case_of(world, code)
    assert (case.deadline_rule, case.due_on) == ("khieu_nai.thu_ly", date(2026, 5, 22))
    assert "Hạn thụ lý khiếu nại: 22/05/2026" in world.card(OFFICE_GROUP, code).text

    world.clock.advance(timedelta(days=2))  # accepted on Thursday 14/05
    await clerk.say(f"/thuly {code}")
    case = case_of(world, code)
    assert (case.deadline_rule, case.deadline_start) == ("khieu_nai.giai_quyet_lan_dau", date(2026, 5, 14))
    assert case.due_on == date(2026, 6, 15)  # day 30 is Saturday 13/06: the next working day

    shown = await clerk.say(f"/tinhhan {code}")
    assert f"Hạn của hồ sơ {code}:" in shown
    assert "Hạn thụ lý khiếu nại: 22/05/2026 — nhận đơn 12/05/2026, thụ lý 14/05/2026: đúng hạn." in shown
    assert (
        "Hạn giải quyết khiếu nại: 15/06/2026 — 30 ngày kể từ ngày thụ lý 14/05/2026 "
        "(Điều 28 Luật Khiếu nại 2011); ngày thứ 30 (13/06/2026) là ngày nghỉ (Thứ Bảy) "
        "nên hạn chuyển sang ngày làm việc tiếp theo."
    ) in shown
    assert "Hạn giải quyết khiếu nại: 15/06/2026" in await clerk.say(f"/hoso {code}")


async def test_a_complex_complaint_gets_the_longer_period_and_the_citizen_is_told(
    world: World, clerk: Member
) -> None:
    code = await complaint(world)
    await clerk.say(f"/thuly {code}")
    refused = await clerk.say(f"/giahan {code} 15 phải xác minh thêm")
    assert "không có trường hợp gia hạn" in refused
    assert f"/phuctap {code}" in refused
    assert "Xin ghi lý do" in await clerk.say(f"/phuctap {code}")
    assert case_of(world, code).deadline_complex is False

    done = await clerk.say(f"/phuctap {code} Phải đo đạc lại hiện trạng với nhiều hộ liền kề")
    assert "từ 11/06/2026 thành 26/06/2026" in done  # 45 days from Tuesday 12/05
    case = case_of(world, code)
    assert case.deadline_complex
    assert case.due_on == date(2026, 6, 26)
    notice = world.inbox("5001")[-1].text
    assert f"hạn giải quyết khiếu nại hồ sơ {code} của Ông/Bà được gia hạn đến ngày 26/06/2026" in notice
    assert "Lý do: Phải đo đạc lại hiện trạng với nhiều hộ liền kề" in notice
    [event] = events_of(world, code, CaseAction.EXTENDED)
    assert event.public
    assert event.data["how"] == "complex"
    assert "vụ việc phức tạp" in await clerk.say(f"/tinhhan {code}")
    assert "đã được áp dụng thời hạn của vụ việc phức tạp" in await clerk.say(f"/phuctap {code} lần nữa")


async def test_a_denunciation_is_extended_at_most_twice_by_at_most_thirty_days(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(kind="Tố cáo", field="Cán bộ", content=DENUNCIATION)
    assert case_of(world, code).due_on == date(2026, 5, 21)  # xử lý ban đầu: 7 working days
    await clerk.say(f"/thuly {code}")
    assert case_of(world, code).due_on == date(2026, 6, 11)

    assert "từ 1 đến 30 ngày" in await clerk.say(f"/giahan {code} 31 vụ việc phức tạp")
    assert "cú pháp" in (await clerk.say(f"/giahan {code} ba mươi ngày")).lower()
    await clerk.say(f"/giahan {code} 30 Cần xác minh tại hai đơn vị")
    assert case_of(world, code).due_on == date(2026, 7, 13)  # day 60 is Saturday 11/07
    await clerk.say(f"/giahan {code} 30 Vụ việc đặc biệt phức tạp")
    assert case_of(world, code).due_on == date(2026, 8, 10)
    assert "tối đa 2 lần" in await clerk.say(f"/giahan {code} 10 thêm nữa")
    assert case_of(world, code).deadline_extensions == [30, 30]
    assert len(events_of(world, code, CaseAction.EXTENDED)) == 2
    assert "gồm 2 lần gia hạn thêm tổng cộng 60 ngày" in await clerk.say(f"/tinhhan {code}")


async def test_waiting_for_the_citizen_pauses_a_service_level_and_adds_the_days_waited(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/thuly {code}")
    assert (case_of(world, code).deadline_rule, case_of(world, code).due_on) == ("pakn", date(2026, 5, 26))
    asked = await clerk.say(f"/bosung {code} Ông/Bà chụp giúp ảnh đoạn đường bị sụt lún.")
    assert "Thời hạn tạm dừng cho đến khi người gửi trả lời" in asked
    case = case_of(world, code)
    assert (case.paused_on, case.due_on) == (date(2026, 5, 12), None)
    assert "tạm dừng từ 12/05/2026" in world.card(OFFICE_GROUP, code).text
    assert "tạm dừng hạn" in await clerk.say("/hangdoi")
    assert "TẠM DỪNG từ 12/05/2026" in await clerk.say(f"/tinhhan {code}")

    world.clock.advance(timedelta(days=6))  # the citizen answers on Monday 18/05: 4 working days later
    citizen = world.person("5001")
    await citizen.press("Gửi thông tin bổ sung")
    await citizen.say("Ảnh chụp sáng nay ạ.")
    await citizen.press("Gửi bổ sung")
    case = case_of(world, code)
    assert (case.paused_on, case.paused_days, case.due_on) == (None, 4, date(2026, 6, 1))
    [answered] = events_of(world, code, CaseAction.INFO_RECEIVED)
    assert answered.data["paused_days"] == 4
    assert "cộng 4 ngày làm việc tạm dừng chờ người gửi bổ sung" in await clerk.say(f"/tinhhan {code}")


async def test_a_legal_period_keeps_running_while_waiting_for_the_citizen(
    world: World, clerk: Member
) -> None:
    code = await complaint(world)
    asked = await clerk.say(f"/bosung {code} Ông/Bà gửi giúp bản chụp quyết định bị khiếu nại.")
    assert "vẫn tiếp tục tính" in asked
    case = case_of(world, code)
    assert case.paused_on is None
    assert case.due_on == date(2026, 5, 22)
    world.clock.advance(timedelta(days=11))
    assert "QUÁ HẠN" in await clerk.say("/hangdoi quahan")


async def test_urgency_shortens_a_reports_answer_to_the_communes_urgent_level(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    assert case_of(world, code).deadline_rule == "xu_ly_don"
    marked = await clerk.say(f"/khan {code}")
    assert f"Đã đánh dấu hồ sơ {code} là khẩn. Hạn trả lời: 13/05/2026." in marked
    assert (case_of(world, code).deadline_rule, case_of(world, code).due_on) == ("pakn", date(2026, 5, 13))
    assert "đã được đánh dấu khẩn" in await clerk.say(f"/khan {code}")
    back = await clerk.say(f"/khan {code} bỏ")
    assert "Hạn xử lý đơn: 26/05/2026" in back
    assert [e.data["urgent"] for e in events_of(world, code, CaseAction.URGENCY)] == [True, False]


async def test_a_field_can_have_its_own_service_level(world: World, clerk: Member) -> None:
    async with world.uow_factory() as uow:
        commune = await uow.communes.by_code("PT")
        assert commune is not None
        commune.settings = {**commune.settings, "sla": {"fields": {"giao_thong_ha_tang": {"normal": 5}}}}
        await uow.commit()
    code = await world.citizen("5001").file_petition(content=ROAD)
    case = case_of(world, code)
    assert (case.deadline_rule, case.due_on) == ("pakn", date(2026, 5, 19))
    assert "Hạn trả lời: 19/05/2026 — 5 ngày làm việc kể từ ngày nhận đơn" in await clerk.say(
        f"/tinhhan {code}"
    )


async def test_tinhhan_computes_a_rule_on_the_communes_calendar_and_refuses_nonsense(
    world: World, clerk: Member
) -> None:
    shown = await clerk.say("/tinhhan khieu_nai.giai_quyet_lan_dau 20/01/2026")
    assert shown.startswith("Hạn giải quyết khiếu nại: 23/02/2026 — 30 ngày kể từ ngày thụ lý 20/01/2026")
    assert "45 ngày" in await clerk.say("/tinhhan khieu_nai.giai_quyet_lan_dau 20/01/2026 phuctap")
    assert "không có thời hạn kéo dài cho vụ việc phức tạp" in await clerk.say(
        "/tinhhan pakn 20/01/2026 phuctap"
    )
    assert "không phải mã hồ sơ hay quy tắc" in await clerk.say("/tinhhan hom_qua")
    assert "Cú pháp" in await clerk.say("/tinhhan xu_ly_don 31/02/2026")


async def test_unit_officers_read_deadlines_of_their_cases_but_cannot_extend(
    world: World, clerk: Member
) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/phancong {code} KT")
    assert "Hạn trả lời: 26/05/2026" in await officer.say(f"/tinhhan {code}")
    refused = await officer.say(f"/khan {code}")
    assert "khẩn" not in refused
    assert case_of(world, code).urgent is False
    assert case_of(world, code).deadline_extensions == []


def test_the_commune_file_sets_service_levels_per_field_and_refuses_unknown_fields(
    demo_spec: CommuneSpec,
) -> None:
    assert demo_spec.settings.sla.normal == 10
    assert demo_spec.settings.sla.urgent == 1
    assert demo_spec.settings.sla.fields["dien_nuoc_vien_thong"].normal == 5
    data = demo_spec.model_dump()
    data["settings"]["sla"]["fields"] = {"khong_co": {"normal": 3}}
    with pytest.raises(ValidationError, match="unknown field khong_co"):
        CommuneSpec.model_validate(data)
    data["settings"]["sla"] = {"normal": 0}
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        CommuneSpec.model_validate(data)


async def test_a_water_report_gets_the_shorter_service_level_of_its_field(
    world: World, clerk: Member
) -> None:
    code = await world.citizen("5001").file_petition(
        field="Điện", content="Khu xóm Bãi Chè mất nước sạch ba ngày nay."
    )
    case = case_of(world, code)
    assert (case.deadline_rule, case.due_on) == ("pakn", date(2026, 5, 19))


async def test_the_citizen_sees_the_due_date_and_a_pause_when_tracking(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    citizen = world.person("5001")
    assert "Hạn xử lý theo quy định: 26/05/2026." in await citizen.say(f"/tracuu {code}")
    await clerk.say(f"/bosung {code} Ông/Bà chụp giúp ảnh đoạn đường bị sụt lún.")
    tracked = await citizen.say(f"/tracuu {code}")
    assert "Hạn xử lý đang tạm dừng, chờ Ông/Bà bổ sung thông tin" in tracked
    assert "26/05/2026" not in tracked
