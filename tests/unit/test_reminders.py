"""Reminders and escalation: what the sweep sends, to whom, when — and only once — on a manual clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from handlers.cases.sweep import ReminderConfig
from models.staff import Role
from scheduler.service import ReminderScheduler
from scheduler.sweep import ReminderSweep
from tests.office import OFFICE_GROUP, Member, World, lines_with, morning, sweep_each_morning

ROAD = (
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún một đoạn dài khoảng 10 mét, nước đọng sâu."
)


at = morning


@pytest.fixture
async def clerk(world: World) -> Member:
    clerk = await world.staff("9001", "Trần Thị Văn", Role.ADMIN, Role.CLERK)
    await clerk.say("/ketnoi", group=OFFICE_GROUP)
    return clerk


@pytest.fixture
def sweep(world: World) -> ReminderSweep:
    return ReminderSweep(uow_factory=world.uow_factory, catalogue=world.catalogue, office=world.office)


async def test_an_untriaged_case_reminds_the_office_3_and_1_working_days_before_and_on_the_due_morning(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    code = await world.citizen("5001").file_petition(content=ROAD)  # xử lý đơn due 26/05/2026
    await sweep_each_morning(world, sweep, date(2026, 5, 13), date(2026, 5, 26))
    reminders = lines_with(world, OFFICE_GROUP, "NHẮC HẠN") + lines_with(
        world, OFFICE_GROUP, "HÔM NAY ĐẾN HẠN"
    )
    assert reminders == [
        f"NHẮC HẠN — hồ sơ {code} (Phản ánh): Hạn xử lý đơn là 26/05/2026, còn 3 ngày làm việc.",
        f"NHẮC HẠN — hồ sơ {code} (Phản ánh): Hạn xử lý đơn là 26/05/2026, còn 1 ngày làm việc.",
        f"HÔM NAY ĐẾN HẠN — hồ sơ {code} (Phản ánh): Hạn xử lý đơn là hôm nay, 26/05/2026.",
    ]


async def test_each_reminder_goes_once_even_after_a_restart(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    await world.citizen("5001").file_petition(content=ROAD)
    world.clock.set(at(date(2026, 5, 21), 9))
    first = await sweep.run(world.clock.now())
    again = await sweep.run(world.clock.now() + timedelta(hours=2))
    restarted = ReminderSweep(uow_factory=world.uow_factory, catalogue=world.catalogue, office=world.office)
    after_restart = await restarted.run(world.clock.now() + timedelta(hours=3))
    assert (first.reminders, first.digests) == (1, 1)
    assert (again.messages, after_restart.messages) == (0, 0)
    assert len(lines_with(world, OFFICE_GROUP, "NHẮC HẠN")) == 1


@pytest.mark.parametrize(
    "moment",
    [
        at(date(2026, 5, 21), 7, 29),  # before 07:30
        at(date(2026, 5, 21), 17, 30),  # from 17:30
        at(date(2026, 5, 23), 9),  # a Saturday
        at(date(2026, 4, 30), 9),  # a public holiday
    ],
)
async def test_nothing_is_sent_outside_working_hours(
    world: World, clerk: Member, sweep: ReminderSweep, moment: datetime
) -> None:
    await world.citizen("5001").file_petition(content=ROAD)
    assert (await sweep.run(moment)).messages == 0


async def test_a_reminder_due_at_night_goes_at_the_start_of_the_next_working_day(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    await world.citizen("5001").file_petition(content=ROAD)
    assert (await sweep.run(at(date(2026, 5, 21), 6))).messages == 0
    assert (await sweep.run(at(date(2026, 5, 21), 7, 30))).reminders == 1


async def test_an_overdue_case_reminds_unit_and_office_daily_and_escalates_to_the_leader_once(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    leader = await world.staff("9002", "Lê Văn Lãnh", Role.LEADER)
    code = await world.citizen("5001").file_petition(content=ROAD)
    await clerk.say(f"/phancong {code} KT", group=OFFICE_GROUP)  # phản ánh: 10 working days, due 26/05
    await sweep_each_morning(world, sweep, date(2026, 5, 27), date(2026, 6, 1))
    overdue = lines_with(world, officer.account, "QUÁ HẠN")
    assert [line.split(" — ")[0] for line in overdue] == [
        "QUÁ HẠN 1 ngày làm việc",
        "QUÁ HẠN 2 ngày làm việc",
        "QUÁ HẠN 3 ngày làm việc",
        "QUÁ HẠN 4 ngày làm việc",  # Monday 01/06: Saturday 30 and Sunday 31 sent nothing
    ]
    assert len(lines_with(world, OFFICE_GROUP, "QUÁ HẠN")) == 4
    escalations = lines_with(world, leader.account, "BÁO CÁO LÃNH ĐẠO")
    assert escalations == [
        f"BÁO CÁO LÃNH ĐẠO — hồ sơ {code} (Phản ánh) đã quá hạn 2 ngày làm việc (Hạn trả lời: 26/05/2026). "
        f"Đơn vị đang giải quyết: Phòng Kinh tế. Xem chi tiết: /hoso {code}."
    ]


async def test_reminders_never_name_the_author_of_a_denunciation(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    officer = await world.staff("9003", "Phạm Văn Kinh", (Role.UNIT, "KT"))
    code = await world.citizen("5001").file_petition(content=ROAD, kind="Tố cáo", name="Nguyễn Văn An")
    await clerk.say(f"/phancong {code} KT", group=OFFICE_GROUP)
    await sweep_each_morning(world, sweep, date(2026, 5, 13), date(2026, 7, 1))
    sent = world.texts(officer.account) + world.texts(OFFICE_GROUP)
    assert "QUÁ HẠN" in sent or "NHẮC HẠN" in sent
    assert "Nguyễn Văn An" not in sent
    assert "0912" not in sent


async def test_the_office_gets_one_morning_digest_a_working_day(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    await world.citizen("5001").file_petition(content=ROAD)
    await world.citizen("5002").file_petition(content=ROAD + " Đoạn gần cầu.")
    await sweep_each_morning(world, sweep, date(2026, 5, 13), date(2026, 5, 14))
    await sweep.run(at(date(2026, 5, 14), 15))
    digests = lines_with(world, OFFICE_GROUP, "Tình hình hồ sơ sáng")
    assert len(digests) == 2
    assert digests[0].splitlines()[1:] == [
        "• Mới tiếp nhận, chờ xử lý: 2",
        "• Sắp đến hạn: 0",
        "• Quá hạn: 0",
    ]


def test_working_days_are_counted_after_the_first_day_up_to_the_last() -> None:
    from models.deadlines.calendar import DEFAULT_OVERRIDES, WorkCalendar

    calendar = WorkCalendar.with_overrides(DEFAULT_OVERRIDES)
    assert calendar.working_days_between(date(2026, 5, 21), date(2026, 5, 26)) == 3
    assert calendar.working_days_between(date(2026, 5, 26), date(2026, 5, 26)) == 0
    assert calendar.working_days_between(date(2026, 4, 29), date(2026, 5, 4)) == 1


async def test_the_scheduler_sweeps_only_on_the_leader_and_wakes_delivery_when_it_queued_mail(
    world: World, clerk: Member, sweep: ReminderSweep
) -> None:
    await world.citizen("5001").file_petition(content=ROAD)
    world.clock.set(at(date(2026, 5, 21), 9))
    woken: list[bool] = []
    leading = False
    scheduler = ReminderScheduler(
        sweep, clock=world.clock, is_leader=lambda: leading, on_mail=lambda: woken.append(True)
    )
    assert await scheduler.tick() is None
    leading = True
    report = await scheduler.tick()
    assert report is not None
    assert report.reminders == 1
    assert woken == [True]
    started = scheduler.start()
    try:
        job = started.get_job("reminder-sweep")
        assert job is not None
        assert job.trigger.interval == timedelta(minutes=5)
    finally:
        scheduler.shutdown()


def test_the_default_offsets_are_three_one_and_the_due_morning() -> None:
    assert ReminderConfig().before_working_days == (3, 1, 0)
