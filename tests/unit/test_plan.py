"""The commune plan's duties: recurring reports on the seeds' dates, the task list's reminders to the lead unit,
and /nhiemvu — on a manual clock."""

from __future__ import annotations

from datetime import date

import pytest

from deadlines.duties import Every, ReportDuty, due_before, upcoming
from handlers.calendar import calendar_with
from handlers.plan import report_duties
from handlers.reminders import ReminderSweep
from models.plan import PlanTask
from models.staff import Role
from tests.fakes import FakeUnitOfWorkFactory
from tests.office import Member, World, lines_with, sweep_each_morning

CALENDAR = calendar_with([])


# -- the schedule ----------------------------------------------------------------------------------------


def dues(duty: ReportDuty, start: date, end: date) -> list[tuple[date, date]]:
    return [(when.before, when.due) for when in upcoming(duty, CALENDAR, start, end)]


def test_seed_000s_reports_are_due_on_the_last_working_day_before_their_day() -> None:
    monthly = ReportDuty("Báo cáo tháng", "VP", Every.MONTH, 14)
    quarterly = ReportDuty("Báo cáo quý", "VP", Every.QUARTER, 19)
    half_year = ReportDuty("Báo cáo 6 tháng", "VP", Every.HALF_YEAR, 14, 6)
    yearly = ReportDuty("Báo cáo năm", "VP", Every.YEAR, 14, 11)
    assert dues(monthly, date(2026, 11, 1), date(2026, 12, 31)) == [
        (date(2026, 11, 14), date(2026, 11, 13)),  # 14/11 is a Saturday
        (date(2026, 12, 14), date(2026, 12, 11)),  # a Monday: the Friday before
    ]
    assert [due for _, due in dues(quarterly, date(2026, 1, 1), date(2026, 12, 31))] == [
        date(2026, 3, 18),
        date(2026, 6, 18),
        date(2026, 9, 18),
        date(2026, 12, 18),
    ]
    assert dues(half_year, date(2026, 1, 1), date(2026, 12, 31)) == [(date(2026, 6, 14), date(2026, 6, 12))]
    assert dues(yearly, date(2026, 1, 1), date(2026, 12, 31)) == [(date(2026, 11, 14), date(2026, 11, 13))]


def test_holidays_before_the_day_move_the_due_date_earlier() -> None:
    # Before 04/05/2026: Sunday, Saturday, 1/5 and 30/4 are days off — due Wednesday 29/04.
    assert due_before(date(2026, 5, 4), CALENDAR) == date(2026, 4, 29)
    # Before 14/02/2026: Friday 13/02 is worked (Tết starts the following Monday).
    assert due_before(date(2026, 2, 14), CALENDAR) == date(2026, 2, 13)


def test_a_report_due_before_a_january_day_is_found_across_the_new_year() -> None:
    first_of_month = ReportDuty("Báo cáo", "VP", Every.MONTH, 1)
    assert dues(first_of_month, date(2026, 12, 20), date(2027, 1, 5)) == [
        (date(2027, 1, 1), date(2026, 12, 31))
    ]
    short_month = ReportDuty("Báo cáo", "VP", Every.MONTH, 31)
    assert (date(2026, 4, 30), date(2026, 4, 29)) in dues(short_month, date(2026, 4, 1), date(2026, 4, 30))


def test_the_demo_communes_file_carries_seed_000s_reports(world: World) -> None:
    duties = report_duties(world.commune)
    assert [(d.every, d.day, d.month, d.unit) for d in duties] == [
        (Every.MONTH, 14, None, "VP"),
        (Every.QUARTER, 19, None, "VP"),
        (Every.HALF_YEAR, 14, 6, "VP"),
        (Every.YEAR, 14, 11, "VP"),
    ]


# -- reminders -------------------------------------------------------------------------------------------


@pytest.fixture
def sweep(world: World) -> ReminderSweep:
    return ReminderSweep(uow_factory=world.uow_factory, catalogue=world.catalogue, office=world.office)


async def add_task(
    world: World, title: str, unit: str, due: date, coordinating: list[str] | None = None
) -> int:
    async with world.uow_factory() as uow:
        units = {u.code: u for u in await uow.communes.units(world.commune.id)}
        task = PlanTask(
            commune_id=world.commune.id,
            title=title,
            lead_unit_id=units[unit].id,
            due_on=due,
            imported_at=world.clock.now(),
            coordinating=coordinating or [],
        )
        await uow.plan.add(task)
        await uow.commit()
        return task.id


async def test_the_lead_unit_is_reminded_before_a_task_and_every_morning_after_until_done(
    world: World, sweep: ReminderSweep
) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    other = await world.staff("9102", "Đỗ Thị Hà", (Role.UNIT, "VHXH"))
    task = await add_task(world, "Rà soát đường giao thông nông thôn xuống cấp", "KT", date(2026, 5, 26))
    await sweep_each_morning(world, sweep, date(2026, 5, 20), date(2026, 5, 28))
    about = f"nhiệm vụ [{task}] «Rà soát đường giao thông nông thôn xuống cấp»"
    assert lines_with(world, officer.account, "NHẮC VIỆC") == [
        f"NHẮC VIỆC — {about}: hạn 26/05/2026, còn 3 ngày làm việc.",
        f"NHẮC VIỆC — {about}: hạn 26/05/2026, còn 1 ngày làm việc.",
    ]
    assert lines_with(world, officer.account, "HÔM NAY ĐẾN HẠN") == [
        f"HÔM NAY ĐẾN HẠN — {about} (hạn 26/05/2026). Khi xong, gõ /nhiemvu xong {task}."
    ]
    late = lines_with(world, officer.account, "QUÁ HẠN")
    assert [text.split(" — ")[0] for text in late] == ["QUÁ HẠN 1 ngày làm việc", "QUÁ HẠN 2 ngày làm việc"]
    assert lines_with(world, other.account, "NHẮC VIỆC") == []

    assert f"Đã ghi nhận hoàn thành nhiệm vụ [{task}]" in await officer.say(f"/nhiemvu xong {task}")
    await sweep_each_morning(world, sweep, date(2026, 5, 29), date(2026, 6, 2))
    assert len(lines_with(world, officer.account, "QUÁ HẠN")) == 2


async def test_the_reporting_unit_is_reminded_of_each_recurring_report(
    world: World, sweep: ReminderSweep
) -> None:
    office = await world.staff("9201", "Trần Thị Văn", (Role.UNIT, "VP"))
    await sweep_each_morning(world, sweep, date(2026, 6, 5), date(2026, 6, 12))
    before = lines_with(world, office.account, "NHẮC BÁO CÁO")
    monthly = [text for text in before if "Báo cáo tháng" in text]
    assert monthly == [
        "NHẮC BÁO CÁO — Báo cáo tháng về công tác tiếp công dân, giải quyết khiếu nại, tố cáo: nộp trước ngày "
        f"14/06/2026 (hạn cuối 12/06/2026), còn {left} ngày làm việc."
        for left in (3, 1)
    ]
    assert len([text for text in before if "Báo cáo 6 tháng" in text]) == 2
    assert (
        len(lines_with(world, office.account, "HÔM NAY LÀ HẠN CUỐI NỘP BÁO CÁO")) == 2
    )  # monthly and 6-month
    repeated = await sweep.run(world.clock.now())
    assert repeated.reports == 0


# -- /nhiemvu --------------------------------------------------------------------------------------------


async def test_a_unit_sees_its_own_tasks_and_the_office_sees_everyones(world: World, clerk: Member) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    road = await add_task(world, "Rà soát đường giao thông", "KT", date(2026, 5, 26), ["DVTH"])
    late = await add_task(world, "Cắm mốc hành lang giao thông", "KT", date(2026, 5, 8))
    talk = await add_task(world, "Tổ chức hội nghị đối thoại", "VP", date(2026, 5, 29))
    await add_task(world, "Tổng kết năm", "VP", date(2026, 12, 20))

    mine = await officer.say("/nhiemvu")
    assert mine.startswith(
        "Nhiệm vụ và báo cáo đến hạn trong 30 ngày tới — Phòng Kinh tế (tính đến 12/05/2026):"
    )
    assert (
        f"• [{late}] QUÁ HẠN — Cắm mốc hành lang giao thông — chủ trì: Phòng Kinh tế; hạn 08/05/2026" in mine
    )
    assert (
        f"• [{road}] Rà soát đường giao thông — chủ trì: Phòng Kinh tế, phối hợp: Trung tâm Dịch vụ tổng hợp xã; "
        "hạn 26/05/2026"
    ) in mine
    assert "hội nghị đối thoại" not in mine
    assert "Báo cáo" not in mine  # the reports are the office's

    everyone = await clerk.say("/nhiemvu")
    assert "— toàn xã (tính đến 12/05/2026):" in everyone
    assert f"[{talk}] Tổ chức hội nghị đối thoại" in everyone
    assert "Tổng kết năm" not in everyone
    assert "• Báo cáo: Báo cáo tháng về công tác tiếp công dân" in everyone
    assert "nộp trước ngày 14/05/2026 (hạn cuối 13/05/2026)" in everyone


async def test_only_the_lead_unit_or_the_office_marks_a_task_done(world: World, clerk: Member) -> None:
    kt = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    vhxh = await world.staff("9102", "Đỗ Thị Hà", (Role.UNIT, "VHXH"))
    task = await add_task(world, "Rà soát đường giao thông", "KT", date(2026, 5, 26))
    assert "Chỉ bộ phận chủ trì hoặc Văn phòng" in await vhxh.say(f"/nhiemvu xong {task}")
    assert "Không tìm thấy nhiệm vụ số «999»" in await kt.say("/nhiemvu xong 999")
    assert "Cú pháp: /nhiemvu | /nhiemvu xong SỐ_NHIỆM_VỤ" in await kt.say("/nhiemvu xoa 1")
    assert "Đã ghi nhận hoàn thành" in await clerk.say(f"/nhiemvu xong [{task}]")
    assert "đã được ghi nhận hoàn thành ngày 12/05/2026" in await kt.say(f"/nhiemvu xong {task}")
    assert isinstance(world.uow_factory, FakeUnitOfWorkFactory)
    [stored] = world.uow_factory.store.all(PlanTask)
    assert stored.done_by is not None
    assert "Rà soát đường" not in await kt.say("/nhiemvu")
