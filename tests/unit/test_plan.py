"""The commune plan's duties: recurring reports on the seeds' dates, the task list's reminders to the lead unit,
and /nhiemvu — on a manual clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pytest
from pydantic import ValidationError

from handlers.cases.commune_calendar import calendar_with
from handlers.cases.communes import CommuneSpec
from handlers.kernel.catalogue.keys import Msg
from handlers.plan.tasks import Cell, TaskImport, import_tasks, report_duties
from models.deadlines.calendar import DEFAULT_OVERRIDES, Override, OverrideKind, WorkCalendar
from models.deadlines.duties import Every, ReportDuty, due_before, upcoming
from models.plan import PlanTask
from models.staff import Role
from scheduler.sweep import ReminderSweep
from tests.fakes import Inspectable
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


def test_the_communes_own_calendar_decides_the_last_working_day() -> None:
    # The make-up Saturday 10/01/2026 is worked: a report due before Sunday 11/01 is due that Saturday.
    assert due_before(date(2026, 1, 11), CALENDAR) == date(2026, 1, 10)
    # Before Monday 05/01/2026: the weekend, 02/01 (off by the official swap) and New Year's Day are not
    # working days, so the report is due in the old year.
    assert due_before(date(2026, 1, 5), CALENDAR) == date(2025, 12, 31)
    # A commune's extra day off on Monday 13/07 moves July's monthly report to Friday 10/07.
    monthly = ReportDuty("Báo cáo tháng", "VP", Every.MONTH, 14)
    own = WorkCalendar.with_overrides(
        [*DEFAULT_OVERRIDES, Override(date(2026, 7, 13), OverrideKind.OFF, "Nghỉ bù lễ hội xã")]
    )
    assert [when.due for when in upcoming(monthly, own, date(2026, 7, 1), date(2026, 7, 31))] == [
        date(2026, 7, 10)
    ]


def test_a_quarterly_report_falls_in_march_june_september_and_december_only() -> None:
    quarterly = ReportDuty("Báo cáo quý", "VP", Every.QUARTER, 19)
    befores = [when.before for when in upcoming(quarterly, CALENDAR, date(2026, 1, 1), date(2027, 3, 31))]
    assert [(day.month, day.year) for day in befores] == [
        (3, 2026),
        (6, 2026),
        (9, 2026),
        (12, 2026),
        (3, 2027),
    ]
    # Seed 002's dates: the 9-month report before 15/9 and the yearly one before 15/11, once a year each.
    nine_months = ReportDuty("Báo cáo 9 tháng", "VHXH", Every.YEAR, 15, 9)
    assert dues(nine_months, date(2026, 1, 1), date(2027, 12, 31)) == [
        (date(2026, 9, 15), date(2026, 9, 14)),
        (date(2027, 9, 15), date(2027, 9, 14)),
    ]


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


def spec_with_report(demo_spec: CommuneSpec, **report: object) -> CommuneSpec:
    data = demo_spec.model_dump(mode="json")
    data["reports"] = [{"title": "Báo cáo tháng", "unit": "VP", "every": "month", "before": "14"} | report]
    return CommuneSpec.model_validate(data)


def test_the_commune_file_refuses_a_report_of_an_unknown_unit_or_on_a_day_that_does_not_exist(
    demo_spec: CommuneSpec,
) -> None:
    with pytest.raises(ValidationError, match="reports: unknown unit ZZ"):
        spec_with_report(demo_spec, unit="ZZ")
    with pytest.raises(ValidationError, match="'31/4' is not a day of the year"):
        spec_with_report(demo_spec, every="year", before="31/4")
    with pytest.raises(ValidationError, match='a day and month such as "14/11" for a half_year report'):
        spec_with_report(demo_spec, every="half_year", before="14")
    with pytest.raises(ValidationError, match="only the day of the month for a quarter report"):
        spec_with_report(demo_spec, every="quarter", before="19/3")
    with pytest.raises(ValidationError, match=r"a day of the month \(1–31\), not '0'"):
        spec_with_report(demo_spec, before="0")
    with pytest.raises(ValidationError, match="every"):
        spec_with_report(demo_spec, every="week")
    assert spec_with_report(demo_spec, before=10).reports[0].duty().day == 10  # before = 10, unquoted
    assert spec_with_report(demo_spec, every="year", before="29/2").reports[0].duty().month == 2


# -- importing the task table ----------------------------------------------------------------------------


async def import_rows(world: World, rows: Sequence[Sequence[Cell]]) -> TaskImport:
    async with world.uow_factory() as uow:
        commune = await uow.communes.get(world.commune.id)
        assert commune is not None
        result = await import_tasks(uow, commune, rows, now=world.clock.now(), today=date(2026, 5, 12))
        await uow.commit()
        return result


def stored_tasks(world: World) -> list[PlanTask]:
    assert isinstance(world.uow_factory, Inspectable)
    return sorted(world.uow_factory.store.all(PlanTask), key=lambda task: task.id)


async def test_english_headings_with_notes_excel_day_numbers_and_unit_names_with_xa_are_understood(
    world: World,
) -> None:
    result = await import_rows(
        world,
        [
            ["No.", "Task", "Lead unit(s)", "Coordinating unit(s)", "Deadline (dd/mm/yyyy)"],
            [
                1,
                "Hold the dialogue with citizens",
                "Văn phòng HĐND và UBND",
                "Phòng Kinh tế xã; các xóm",
                46203.0,
            ],
            # openpyxl reads a date cell as a naive datetime
            [2, "Check the village roads", "kt", "KT, DVTH", datetime(2026, 7, 1, 0, 0)],  # noqa: DTZ001
        ],
    )
    assert (result.added, result.problems) == (2, [])
    conference, roads = stored_tasks(world)
    assert (conference.title, conference.due_on, conference.coordinating) == (
        "Hold the dialogue with citizens",
        date(2026, 6, 30),  # Excel's day number 46203
        ["KT", "các xóm"],  # a partner that is not a unit is kept as written
    )
    assert (roads.due_on, roads.coordinating) == (
        date(2026, 7, 1),
        ["DVTH"],
    )  # the lead is not its own partner


async def test_seed_000s_table_heading_is_found_and_its_unusable_rows_are_each_named(world: World) -> None:
    result = await import_rows(
        world,
        [
            ["PHỤ LỤC NHIỆM VỤ TRỌNG TÂM CÔNG TÁC DÂN VẬN NĂM 2026"],
            ["Số TT", "Nội dung công việc", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"],
            [13, "Tham mưu về công tác dân vận", "Công an xã; Ban Chỉ huy quân sự xã", "", "30/06/2026"],
            [14, "Tổ chức kiểm tra công tác dân vận", "Phòng Văn hóa - Xã hội", "Các cơ quan", "Năm 2026"],
            [15, "Thực hiện chế độ báo cáo", "Phòng Tài chính", "", 12.0],
        ],
    )
    assert [(problem.key, problem.params.get("row")) for problem in result.problems] == [
        (Msg.PLAN_ROW_SEVERAL_LEADS, 3),
        (Msg.PLAN_ROW_BAD_DATE, 4),
        (Msg.PLAN_ROW_UNKNOWN_UNIT, 5),
        (Msg.PLAN_ROW_BAD_DATE, 5),
    ]
    several = world.catalogue.text("vi", result.problems[0].key, **result.problems[0].params)
    assert several.startswith(
        "Dòng 3: mỗi nhiệm vụ chỉ có một đơn vị chủ trì, nhưng dòng này ghi «Công an xã; Ban Chỉ huy quân sự xã»"
    )
    assert stored_tasks(world) == []


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


async def test_two_reports_of_one_unit_due_the_same_day_are_each_reminded(
    world: World, sweep: ReminderSweep
) -> None:
    office = await world.staff("9201", "Trần Thị Văn", (Role.UNIT, "VHXH"))
    async with world.uow_factory() as uow:
        commune = await uow.communes.get(world.commune.id)
        assert commune is not None
        commune.settings = commune.settings | {
            "reports": [
                {"title": f"Báo cáo năm về {topic}", "unit": "VHXH", "every": "year", "before": "14/11"}
                for topic in ("công tác dân vận", "thực hiện dân chủ ở cơ sở")
            ]
        }
        await uow.commit()
    await sweep_each_morning(world, sweep, date(2026, 11, 9), date(2026, 11, 13))
    sent = [*lines_with(world, office.account, "NHẮC BÁO CÁO"), *lines_with(world, office.account, "HÔM NAY")]
    for topic in ("công tác dân vận", "thực hiện dân chủ ở cơ sở"):
        assert (
            len([text for text in sent if f"Báo cáo năm về {topic}" in text]) == 3
        )  # 3 and 1 days before, on the day


# -- /nhiemvu --------------------------------------------------------------------------------------------


async def test_a_unit_sees_its_own_tasks_and_the_office_sees_everyones_unit_by_unit(
    world: World, clerk: Member
) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    road = await add_task(world, "Rà soát đường giao thông", "KT", date(2026, 5, 26), ["DVTH", "các xóm"])
    late = await add_task(world, "Cắm mốc hành lang giao thông", "KT", date(2026, 5, 8))
    talk = await add_task(world, "Tổ chức hội nghị đối thoại", "VP", date(2026, 5, 29))
    await add_task(world, "Tổng kết năm", "VP", date(2026, 12, 20))

    mine = await officer.say("/nhiemvu")
    assert mine.split("\n")[:3] == [
        "Nhiệm vụ và báo cáo đến hạn trong 30 ngày tới — Phòng Kinh tế (tính đến 12/05/2026):",
        f"• [{late}] QUÁ HẠN — Cắm mốc hành lang giao thông — hạn 08/05/2026",
        f"• [{road}] Rà soát đường giao thông (phối hợp: Trung tâm Dịch vụ tổng hợp xã, các xóm) — hạn 26/05/2026",
    ]
    assert "hội nghị đối thoại" not in mine
    assert "Báo cáo" not in mine  # the reports are the office's

    everyone = (await clerk.say("/nhiemvu")).split("\n")
    assert everyone[0] == "Nhiệm vụ và báo cáo đến hạn trong 30 ngày tới — toàn xã (tính đến 12/05/2026):"
    office_at, economy_at = everyone.index("Văn phòng HĐND và UBND xã:"), everyone.index("Phòng Kinh tế:")
    assert office_at < economy_at  # in the commune file's order of units
    assert everyone[office_at + 1 : office_at + 3] == [
        "• Báo cáo: Báo cáo tháng về công tác tiếp công dân, giải quyết khiếu nại, tố cáo — nộp trước ngày "
        "14/05/2026 (hạn cuối 13/05/2026)",
        f"• [{talk}] Tổ chức hội nghị đối thoại — hạn 29/05/2026",
    ]
    assert everyone[economy_at + 1].startswith(f"• [{late}] QUÁ HẠN — Cắm mốc")
    assert everyone[economy_at + 2].startswith(f"• [{road}] Rà soát đường")
    assert "Tổng kết năm" not in "\n".join(everyone)
    leader = await world.staff("9301", "Nguyễn Văn Chủ", Role.LEADER)
    assert (await leader.say("/nhiemvu")).split("\n") == everyone


async def test_nothing_due_is_said_plainly(world: World) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    assert await officer.say("/nhiemvu") == (
        "Không có nhiệm vụ hay báo cáo nào đến hạn trong 30 ngày tới — Phòng Kinh tế."
    )


async def test_the_lead_unit_the_office_or_an_admin_marks_a_task_done_and_others_are_refused_politely(
    world: World, clerk: Member
) -> None:
    kt = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    vhxh = await world.staff("9102", "Đỗ Thị Hà", (Role.UNIT, "VHXH"))
    leader = await world.staff("9103", "Nguyễn Văn Chủ", Role.LEADER)
    admin = await world.staff("9104", "Phạm Quản Trị", Role.ADMIN)
    road = await add_task(world, "Rà soát đường giao thông", "KT", date(2026, 5, 26))
    mark = await add_task(world, "Cắm mốc hành lang giao thông", "KT", date(2026, 5, 28))
    talk = await add_task(world, "Tổ chức hội nghị đối thoại", "VP", date(2026, 5, 29))
    refusal = "Xin lỗi, chỉ cán bộ của bộ phận chủ trì, Văn phòng hoặc quản trị viên mới ghi nhận hoàn thành"
    assert refusal in await vhxh.say(f"/nhiemvu xong {road}")
    assert refusal in await leader.say(f"/nhiemvu xong {road}")
    assert "Không tìm thấy nhiệm vụ số «999». Gõ /nhiemvu để xem danh sách." in await kt.say(
        "/nhiemvu xong 999"
    )
    assert "Không tìm thấy nhiệm vụ số «abc»" in await kt.say("/nhiemvu xong abc")
    assert "Không tìm thấy nhiệm vụ số «99999999999" in await kt.say("/nhiemvu xong " + "9" * 30)
    assert "Cú pháp: /nhiemvu | /nhiemvu xong SỐ_NHIỆM_VỤ" in await kt.say("/nhiemvu xoa 1")
    assert f"Đã ghi nhận hoàn thành nhiệm vụ [{road}]" in await kt.say(f"/nhiemvu xong {road}")
    assert "Đã ghi nhận hoàn thành" in await clerk.say(f"/nhiemvu xong [{mark}]")
    assert "Đã ghi nhận hoàn thành" in await admin.say(f"/nhiemvu DONE {talk}")
    assert "đã được ghi nhận hoàn thành ngày 12/05/2026" in await kt.say(f"/nhiemvu xong {road}")
    assert isinstance(world.uow_factory, Inspectable)
    done_by = {task.id: task.done_by for task in world.uow_factory.store.all(PlanTask)}
    assert None not in done_by.values()
    assert "Rà soát đường" not in await kt.say("/nhiemvu")


async def test_staff_help_explains_nhiemvu_and_its_english_alias_works(world: World, clerk: Member) -> None:
    officer = await world.staff("9101", "Lê Văn Kinh", (Role.UNIT, "KT"))
    about = await officer.say("/trogiup nhiemvu")
    assert about.startswith("/nhiemvu — nhiệm vụ trong kế hoạch của xã và báo cáo định kỳ")
    assert await officer.say("/trogiup /NHIỆMVỤ") == about
    assert "/nhiemvu — nhiệm vụ trong kế hoạch" in await clerk.say("/trogiup")
    assert (await clerk.say("/tasks")).startswith("Nhiệm vụ và báo cáo đến hạn trong 30 ngày tới — toàn xã")
