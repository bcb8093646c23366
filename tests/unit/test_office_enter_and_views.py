"""Entering a paper petition, and what staff read: the queue and its filters, search, a case's timeline."""

from __future__ import annotations

from datetime import timedelta

from handlers.filing.paper import parse_day
from models.case import Case
from models.enums import CaseStatus
from models.staff import Role
from tests.fakes import Inspectable
from tests.office import OFFICE_GROUP, Member, World

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)


def cases(world: World) -> list[Case]:
    assert isinstance(world.uow_factory, Inspectable)
    return sorted(world.uow_factory.store.all(Case), key=lambda c: c.id)


async def enter_paper_petition(clerk: Member, *, day: str = "08/05/2026") -> str:
    await clerk.say("/nhaphoso")
    await clerk.press("đơn giấy")
    await clerk.say(day)
    await clerk.press("Kiến nghị")
    await clerk.press("Đất đai")
    await clerk.say(
        "Đề nghị xã đo đạc lại ranh giới thửa đất số 112 giáp nhà ông Hùng, hai bên đang tranh chấp."
    )
    await clerk.say("dong bau")
    await clerk.press("Có")
    await clerk.say("Hoàng Thị Mận")
    await clerk.say("-")
    await clerk.say("Xóm Đồng Bầu, xã Phú Thịnh")
    return await clerk.press("Lưu hồ sơ")


async def test_a_paper_petition_is_entered_with_its_real_receipt_day_and_posted_to_the_office(
    world: World, clerk: Member
) -> None:
    saved = await enter_paper_petition(clerk)
    assert saved == "Đã lưu hồ sơ PT-26-00001; thẻ hồ sơ đã được gửi vào nhóm Văn phòng."
    case = cases(world)[0]
    assert (case.source, case.channel, case.citizen_id) == ("paper", "office", None)
    assert case.received_at.date().isoformat() == "2026-05-08"
    assert (case.petitioner_name, case.petitioner_phone) == ("Hoàng Thị Mận", None)
    card = world.card(OFFICE_GROUP, case.code).text
    assert "Tiếp nhận: 08/05/2026 qua đơn giấy" in card
    assert "Hạn xử lý đơn: 22/05/2026" in card  # counted from the day it was received, not entered


async def test_the_summary_shows_everything_before_saving(world: World, clerk: Member) -> None:
    await clerk.say("/nhaphoso")
    await clerk.press("điện thoại")
    await clerk.press("Hôm nay")
    await clerk.press("Phản ánh")
    await clerk.press("Môi trường")
    await clerk.say("Bãi rác tự phát cạnh kênh mương xóm Cây Thị bốc mùi, đề nghị xã thu dọn.")
    await clerk.press("Bỏ qua")
    summary = await clerk.press("Không (ẩn danh)")
    assert summary.startswith(
        "Kiểm tra trước khi lưu:\nPhản ánh · Môi trường · nhận 12/05/2026 qua điện thoại"
    )
    assert "Người gửi: ẩn danh" in summary
    assert await clerk.press("Hủy") == "Đã hủy việc nhập hồ sơ."
    assert cases(world) == []


async def test_wrong_answers_while_entering_are_explained_and_asked_again(
    world: World, clerk: Member
) -> None:
    await clerk.say("/nhaphoso")
    await clerk.press("đơn giấy")
    reply = await clerk.say("31/12/2026")
    assert reply.startswith("Ngày «31/12/2026» chưa đúng hoặc ở tương lai.")
    assert "Ngày tiếp nhận đơn" in reply
    await clerk.say("hom nay")
    await clerk.press("Phản ánh")
    await clerk.press("Môi trường")
    assert (await clerk.say("ngắn quá")).startswith("Nội dung quá ngắn")


async def test_entering_a_petition_is_refused_in_a_group(world: World, clerk: Member) -> None:
    assert (await clerk.say("/nhaphoso", group=OFFICE_GROUP)).startswith(
        "Thao tác này chỉ làm trong tin nhắn riêng"
    )


def test_receipt_days_are_read_the_way_clerks_write_them() -> None:
    today = parse_day("hôm nay", __import__("datetime").date(2026, 5, 12))
    assert today is not None
    assert parse_day("8/5", today).isoformat() == "2026-05-08"  # type: ignore[union-attr]
    assert parse_day("08.05.26", today).isoformat() == "2026-05-08"  # type: ignore[union-attr]
    assert parse_day("30/02/2026", today) is None
    assert parse_day("13/05/2026", today) is None  # tomorrow


async def test_the_queue_filters_by_status_unit_field_and_overdue(world: World, clerk: Member) -> None:
    road = await world.citizen("5001").file_petition(content=ROAD)
    land = await world.citizen("5002").file_petition(
        field="Đất đai", content="Nhà bên cạnh lấn sang đất nhà tôi khoảng nửa mét khi xây tường rào mới."
    )
    await clerk.say(f"/phancong {road} KT")
    assert (await clerk.say("/hangdoi")).startswith("Hồ sơ đang mở: 2")
    new_only = await clerk.say("/hangdoi moi")
    assert land in new_only
    assert road not in new_only
    assert road in await clerk.say("/hangdoi KT")
    assert land in await clerk.say("/hangdoi dat_dai")
    assert (await clerk.say("/hangdoi quahan")).endswith("Không có hồ sơ nào phù hợp.")
    world.clock.advance(timedelta(days=20))
    overdue = await clerk.say("/hangdoi quahan")
    assert (
        f"{land} · Phản ánh · Đất đai · Mới tiếp nhận, đang chờ phân loại · QUÁ HẠN từ 26/05/2026" in overdue
    )
    assert (await clerk.say("/hangdoi linh_tinh")).startswith("Không hiểu bộ lọc «linh_tinh».")


async def test_search_ignores_case_and_diacritics(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    assert code in await clerk.say("/timkiem DUONG be tông")
    assert (await clerk.say("/timkiem cầu treo")).startswith("Không tìm thấy hồ sơ nào có «cầu treo».")


async def test_the_timeline_says_who_did_what_and_when(world: World, clerk: Member) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)
    world.clock.advance(timedelta(hours=2))
    await clerk.say(f"/ghichu {code} Đã gọi cho người gửi")
    view = await clerk.say(f"/hoso {code}")
    assert "• 08:15 ngày 12/05/2026 — Ủy ban nhân dân xã đã tiếp nhận đơn (người gửi)" in view
    assert "• 10:15 ngày 12/05/2026 — Ghi chú nội bộ (Trần Thị Văn): Đã gọi cho người gửi" in view
    assert [c.label for c in world.inbox(clerk.account)[-1].choices][:2] == ["Thụ lý", "Phân công"]


async def test_a_units_work_list_shows_its_open_cases_with_their_deadlines(
    world: World, clerk: Member
) -> None:
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    assert await officer.say("/viec") == "Phòng Kinh tế hiện không có hồ sơ đang giải quyết."
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/phancong {code} KT")
    work = await officer.say("/viec")
    assert work.startswith("Hồ sơ Phòng Kinh tế đang giải quyết: 1")
    assert f"{code} · Phản ánh · Giao thông, hạ tầng · Đang giải quyết · KT · hạn 26/05/2026" in work


async def test_linking_a_group_reports_what_is_waiting(world: World, clerk: Member) -> None:
    await world.citizen("5001").file_petition(content=ROAD)
    reply = await clerk.say("/ketnoi", group="-100321")
    assert reply.endswith("Hiện có 1 hồ sơ đang chờ xử lý; xem bằng /hangdoi.")
    assert (await clerk.say("/ketnoi")) == "Lệnh /ketnoi dùng trong nhóm cần kết nối."
    assert cases(world)[0].status is CaseStatus.RECEIVED
