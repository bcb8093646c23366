"""The plan's sweep: reminders of its tasks and of the units' recurring reports."""

from __future__ import annotations

from datetime import timedelta

from handlers.cases.sweep import SweepContext
from handlers.kernel.catalogue.keys import Msg
from handlers.plan.tasks import report_duties, report_slug
from models.deadlines.duties import upcoming


async def plan_sweep(sweep: SweepContext) -> None:
    """The plan's tasks (before the deadline, then every working morning until done) and the recurring
    reports (before each due date), to the lead unit — in working hours."""
    if not sweep.working:
        return
    desk, calendar, today = sweep.desk, sweep.calendar, sweep.today
    offsets = sweep.config.before_working_days
    horizon = today + timedelta(days=7 * (max(offsets, default=0) // 5 + 2))  # past the furthest offset
    for task in await desk.uow.plan.tasks(desk.commune.id):
        if task.due_on > horizon:
            break  # by deadline: the rest are further away
        about = {"id": task.id, "title": task.title, "date": desk.day(task.due_on)}
        base = f"task:{task.id}:{task.due_on.isoformat()}"
        if today <= task.due_on:
            left = calendar.working_days_between(today, task.due_on)
            if left not in offsets:
                continue
            key, text = (
                f"{base}:before:{left}",
                desk.t(Msg.PLAN_TASK_TODAY if left == 0 else Msg.PLAN_TASK_BEFORE, days=left, **about),
            )
        else:
            late = calendar.working_days_between(task.due_on, today)
            key, text = f"{base}:late:{today.isoformat()}", desk.t(Msg.PLAN_TASK_LATE, days=late, **about)
        sweep.report.tasks += await sweep.send(None, key, await sweep.chats.unit(task.lead_unit_id), text)
    units = {unit.code: unit for unit in await desk.active_units()}
    for duty in report_duties(desk.commune):
        unit = units.get(duty.unit)
        if unit is None:
            continue
        for when in upcoming(duty, calendar, today, horizon):
            left = calendar.working_days_between(today, when.due)
            if left not in offsets:
                continue
            text = desk.t(
                Msg.PLAN_REPORT_TODAY if left == 0 else Msg.PLAN_REPORT_BEFORE,
                title=duty.title,
                before=desk.day(when.before),
                date=desk.day(when.due),
                days=left,
            )
            key = f"report:{desk.commune.id}:{report_slug(duty)}:{when.due.isoformat()}:before:{left}"
            sweep.report.reports += await sweep.send(None, key, await sweep.chats.unit(unit.id), text)
