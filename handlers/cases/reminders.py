"""Reminders and escalation, derived from the database on every sweep.

A sweep looks at every open case of every commune, works out the deadline it runs against on the commune's
calendar, and sends what is due now: reminders to the assigned unit (or, before assignment, to the office) a
few working days before and on the morning of the due day; once overdue, a daily reminder to the unit and the
office, and an escalation to the leaders after a number of working days; and a morning digest to the office.
Nothing is scheduled ahead: a restart loses nothing, and each message is claimed in ``sent_reminders`` in the
transaction that queues it, so it goes out once even with two sweepers racing. Messages go only inside
working hours on working days (the commune's calendar), through the outbox.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from handlers.broadcasts.engine import Audience
from handlers.broadcasts.engine import create as create_broadcast
from handlers.cases.cards import leader_chats, office_chats, unit_chats
from handlers.cases.desk import STAFF_LANGUAGE, Desk
from handlers.cases.due import Due
from handlers.cases.services import Office
from handlers.conferences.schedule import sweep as dialogue_sweep
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import UnitOfWork, UnitOfWorkFactory
from handlers.kernel.replies import Reply
from handlers.kernel.weekdays import WEEKDAYS
from handlers.plan.tasks import report_duties, report_slug
from handlers.reception.schedule import Session, sessions
from models.broadcast import BroadcastKind
from models.case import Case
from models.commune import Commune
from models.deadlines.calendar import WorkCalendar
from models.deadlines.duties import due_before, upcoming
from models.enums import OPEN_STATUSES, CaseStatus
from models.subscription import Topic

log = logging.getLogger(__name__)
# When staff are asked to write to keep a messaging window open: between 20 and 1 hours before it closes,
# by day (07:00–21:00 local time) — nineteen hours always hold a daytime sweep.
WINDOW_ASK_FROM = timedelta(hours=20)
WINDOW_ASK_UNTIL = timedelta(hours=1)
WINDOW_DAYTIME = (time(7, 0), time(21, 0))


@dataclass(frozen=True)
class ReminderConfig:
    before_working_days: tuple[int, ...] = (3, 1, 0)  # 0: the morning of the due day
    escalate_after_working_days: int = 2
    work_start: time = time(7, 30)
    work_end: time = time(17, 30)
    digest: bool = True
    # Channels that may message a person only for so many hours after they last wrote (a Zalo Official
    # Account: 48): staff there are asked, before it closes, to write once, or their cards would wait.
    reply_windows: tuple[tuple[str, int], ...] = ()


@dataclass
class SweepReport:
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    tasks: int = 0  # reminders about the plan's tasks
    reports: int = 0  # reminders about recurring reports
    reception: int = 0  # reception sessions: a day off flagged to the office, a reminder broadcast
    dialogues: int = 0  # dialogue reminders (each a broadcast) and results overdue
    windows: int = 0  # staff asked to write before a channel's messaging window closes on them

    @property
    def messages(self) -> int:
        return (
            self.reminders
            + self.escalations
            + self.digests
            + self.tasks
            + self.reports
            + self.reception
            + self.dialogues
            + self.windows
        )


class ReminderSweep:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        catalogue: Catalogue,
        office: Office,
        config: ReminderConfig | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._catalogue = catalogue
        self._office = office
        self.config = config or ReminderConfig()

    async def run(self, now: datetime) -> SweepReport:
        """One sweep at ``now``: every commune in its own transaction; a failing commune does not stop the
        others (it is swept again next time; nothing it claimed was committed)."""
        report = SweepReport()
        async with self._uow_factory() as uow:
            communes = [commune.id for commune in await uow.communes.list_all()]
        for commune_id in communes:
            try:
                async with self._uow_factory() as uow:
                    commune = await uow.communes.get(commune_id)
                    if commune is not None:
                        await self._sweep_commune(uow, commune, now, report)
                    await uow.commit()
            except Exception:
                log.exception("reminder sweep of commune %d failed; retrying next sweep", commune_id)
        return report

    async def _sweep_commune(
        self, uow: UnitOfWork, commune: Commune, now: datetime, report: SweepReport
    ) -> None:
        desk = Desk(
            uow=uow,
            catalogue=self._catalogue,
            office=self._office,
            mail=Mailbox(uow, event_key="reminder", now=now),
            now=now,
            commune=commune,
        )
        calendar = await desk.calendar()
        at = local(now)
        today = at.date()
        working = (
            calendar.is_working_day(today) and self.config.work_start <= at.time() < self.config.work_end
        )
        chats = _Chats(desk)
        # Citizens are reminded of a dialogue at its time, whatever the day; the office only at work.
        report.dialogues += await dialogue_sweep(desk, chats.office, chats.leaders, office_hours=working)
        report.windows += await self._windows(desk, now)
        if not working:
            return
        cases = await uow.cases.queue(commune.id, statuses=sorted(OPEN_STATUSES), limit=100_000)
        standings = [Standing.of(case, await desk.due(case), calendar, today) for case in cases]
        for standing in standings:
            await self._case(desk, chats, standing, today, report)
        if self.config.digest:
            await self._digest(desk, chats, standings, today, report)
        await self._plan(desk, chats, calendar, today, report)
        await self._reception(desk, chats, calendar, today, report)

    async def _case(
        self, desk: Desk, chats: _Chats, standing: Standing, today: date, report: SweepReport
    ) -> None:
        case, due = standing.case, standing.due
        if due is None:
            return
        base = f"case:{case.id}:{due.deadline.rule.id}:{due.day.isoformat()}"
        about = {
            "code": case.code,
            "kind": desk.kind_label(case.kind),
            "stage": desk.t(due.stage),
            "date": desk.day(due.day),
        }
        if standing.late == 0:
            left = standing.left
            if left not in self.config.before_working_days:
                return
            text = (
                desk.t(Msg.REMINDER_DUE_TODAY, **about)
                if left == 0
                else desk.t(Msg.REMINDER_BEFORE, days=left, **about)
            )
            to = await chats.unit(case.unit_id) if case.unit_id is not None else await chats.office()
            report.reminders += await self._send(desk, case, f"{base}:before:{left}", to, text)
            return
        late = standing.late  # today is a working day after the due day (a working day): at least 1
        to = await chats.office()
        if case.unit_id is not None:
            to = list(dict.fromkeys([*await chats.unit(case.unit_id), *to]))  # the office hears of it too
        text = desk.t(Msg.REMINDER_OVERDUE, days=late, **about)
        report.reminders += await self._send(desk, case, f"{base}:overdue:{today.isoformat()}", to, text)
        if late >= self.config.escalate_after_working_days:
            unit = await desk.unit_name(case.unit_id) if case.unit_id is not None else ""
            text = desk.t(
                Msg.REMINDER_ESCALATED, days=late, unit=unit or desk.t(Msg.REMINDER_NO_UNIT), **about
            )
            report.escalations += await self._send(
                desk, case, f"{base}:escalated", await chats.leaders(), text
            )

    async def _plan(
        self, desk: Desk, chats: _Chats, calendar: WorkCalendar, today: date, report: SweepReport
    ) -> None:
        """The plan's tasks (before the deadline, then every working morning until done) and the recurring
        reports (before each due date), to the lead unit."""
        offsets = self.config.before_working_days
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
            report.tasks += await self._send(desk, None, key, await chats.unit(task.lead_unit_id), text)
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
                report.reports += await self._send(desk, None, key, await chats.unit(unit.id), text)

    async def _reception(
        self, desk: Desk, chats: _Chats, calendar: WorkCalendar, today: date, report: SweepReport
    ) -> None:
        """A session on a day off is flagged to the office a week ahead (to move it); subscribers to reception
        days are reminded on the last working day before each session, in their own language, by a broadcast
        (rate-limited and resumable like every bulk message)."""
        coming = await sessions(desk.uow, desk.commune, today + timedelta(days=1), today + timedelta(days=7))
        for session in coming:
            base = f"reception:{desk.commune.id}:{session.key}"
            reason = calendar.reason_off(session.day)
            if reason is not None:
                text = desk.t(
                    Msg.RECEPTION_FLAG,
                    weekday=desk.t(WEEKDAYS[session.day.weekday()]),
                    reason=reason,
                    **_about(desk, session, STAFF_LANGUAGE),
                )
                report.reception += await self._send(
                    desk, None, f"{base}:day-off", await chats.office(), text
                )
                continue  # nobody is reminded of a session that is to be moved
            if due_before(session.day, calendar) != today:
                continue
            texts = {
                language: desk.t_in(
                    language,
                    Msg.RECEPTION_REMIND,
                    weekday=desk.t_in(language, WEEKDAYS[session.day.weekday()]),
                    **_about(desk, session, language),
                )
                for language in desk.catalogue.languages
            }
            reminder = await create_broadcast(
                desk.uow,
                commune_id=desk.commune.id,
                key=f"{base}:remind",
                kind=BroadcastKind.RECEPTION_REMINDER,
                audience=Audience(Topic.RECEPTION, None),
                texts=texts,
                now=desk.now,
            )
            report.reception += reminder is not None

    async def _windows(self, desk: Desk, now: datetime) -> int:
        """Staff on a channel with a messaging window are asked, a few hours before it closes on them (by
        day, whatever the day: cards and reminders keep coming at weekends), to write once to keep it
        open. Once per time they last wrote."""
        asked = 0
        if not WINDOW_DAYTIME[0] <= local(now).time() < WINDOW_DAYTIME[1]:
            return 0
        if not self.config.reply_windows:
            return 0
        members = await desk.uow.staff.members(desk.commune.id)
        for channel, hours in self.config.reply_windows:
            for member in members:
                if member.channel != channel or not member.active:
                    continue
                contact = await desk.uow.contacts.get(channel, member.chat_id)
                if contact is None:
                    continue  # never wrote: nothing can reach them there until they do
                closes = contact.last_inbound_at + timedelta(hours=hours)
                if not closes - WINDOW_ASK_FROM <= now < closes - WINDOW_ASK_UNTIL:
                    continue
                key = f"window:{channel}:{member.chat_id}:{contact.last_inbound_at.isoformat()}"
                text = desk.t(Msg.REMINDER_WINDOW, hours=hours, time=desk.when(closes))
                asked += await self._send(desk, None, key, [(channel, member.chat_id)], text)
        return asked

    async def _send(
        self, desk: Desk, case: Case | None, key: str, chats: list[tuple[str, str]], text: str
    ) -> int:
        """Queue ``text`` to ``chats`` unless ``key`` was sent before; 1 if it was queued now."""
        if not chats or not await desk.uow.reminders.claim(desk.commune.id, key, desk.now):
            return 0
        for channel, chat_id in chats:
            await desk.mail.send(
                channel,
                chat_id,
                Reply(text),
                key=f"{key}:{channel}:{chat_id}",
                commune_id=desk.commune.id,
                case_id=case.id if case is not None else None,
            )
        return 1

    async def _digest(
        self, desk: Desk, chats: _Chats, standings: list[Standing], today: date, report: SweepReport
    ) -> None:
        if not standings:
            return  # no open case: nothing to report this morning
        new = sum(1 for standing in standings if standing.case.status is CaseStatus.MOI_TIEP_NHAN)
        soon = overdue = 0
        per_unit: Counter[int] = Counter()
        late_per_unit: Counter[int] = Counter()
        for standing in standings:
            unit_id = standing.case.unit_id
            if unit_id is not None:
                per_unit[unit_id] += 1
            if standing.due is None:
                continue
            if standing.late:
                overdue += 1
                if unit_id is not None:
                    late_per_unit[unit_id] += 1
            elif standing.left <= max(self.config.before_working_days):
                soon += 1
        lines = [desk.t(Msg.REMINDER_DIGEST, date=desk.day(today), new=new, soon=soon, overdue=overdue)]
        for unit_id, count in sorted(per_unit.items()):
            lines.append(
                desk.t(
                    Msg.REMINDER_DIGEST_UNIT,
                    unit=await desk.unit_name(unit_id),
                    open=count,
                    overdue=late_per_unit[unit_id],
                )
            )
        key = f"digest:{desk.commune.id}:{today.isoformat()}"
        report.digests += await self._send(desk, None, key, await chats.office(), "\n".join(lines))


@dataclass(frozen=True)
class Standing:
    """Where an open case stands today against its running deadline, counted once per sweep."""

    case: Case
    due: Due | None
    left: int  # working days until the due day (0 on it); 0 when overdue or no deadline runs
    late: int  # working days past the due day; 0 when not overdue

    @classmethod
    def of(cls, case: Case, due: Due | None, calendar: WorkCalendar, today: date) -> Standing:
        if due is None or due.paused:  # no clock runs while waiting for the citizen
            return cls(case, None, 0, 0)
        if today <= due.day:
            return cls(case, due, calendar.working_days_between(today, due.day), 0)
        return cls(case, due, 0, calendar.working_days_between(due.day, today))


def _about(desk: Desk, session: Session, language: str) -> dict[str, str]:
    return {
        "date": desk.day(session.day, language),
        "start": session.start,
        "end": session.end,
        "place": session.place,
        "host": session.host,
    }


class _Chats:
    """Who gets the sweep's messages, looked up only when something is due and then remembered."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._known: dict[tuple[str, int], list[tuple[str, str]]] = {}

    async def office(self) -> list[tuple[str, str]]:
        if ("office", 0) not in self._known:
            self._known["office", 0] = await office_chats(self._desk)
        return self._known["office", 0]

    async def unit(self, unit_id: int) -> list[tuple[str, str]]:
        if ("unit", unit_id) not in self._known:
            self._known["unit", unit_id] = await unit_chats(self._desk, unit_id)
        return self._known["unit", unit_id]

    async def leaders(self) -> list[tuple[str, str]]:
        if ("leaders", 0) not in self._known:
            self._known["leaders", 0] = await leader_chats(self._desk)
        return self._known["leaders", 0]
