"""Reminders and escalation, derived from the database on every sweep: the frame every feature's sweep runs
in, and the cases' own.

A sweep looks at every commune (``scheduler.sweep.ReminderSweep``); for each it builds a ``SweepContext`` and
runs the sweeps the features registered. The cases' sweep looks at every open case, works out the deadline it
runs against on the commune's calendar, and sends what is due now: reminders to the assigned unit (or, before
assignment, to the office) a few working days before and on the morning of the due day; once overdue, a daily
reminder to the unit and the office, and an escalation to the leaders after a number of working days; and a
morning digest to the office. Nothing is scheduled ahead: a restart loses nothing, and each message is claimed
in ``sent_reminders`` in the transaction that queues it, so it goes out once even with two sweepers racing.
Messages to staff go only inside working hours on working days (the commune's calendar), through the outbox.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from handlers.cases.cards import leader_chats, office_chats, unit_chats
from handlers.cases.desk import Desk
from handlers.cases.due import Due
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Reply
from models.case import Case
from models.deadlines.calendar import WorkCalendar
from models.enums import OPEN_STATUSES, CaseStatus


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
    conferences: int = 0  # conference reminders (each a broadcast) and results overdue
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
            + self.conferences
            + self.windows
        )


@dataclass
class SweepContext:
    """One commune at one sweep: its desk, calendar and day, who gets messages, and the report to count in."""

    desk: Desk
    config: ReminderConfig
    calendar: WorkCalendar
    now: datetime
    today: date
    working: bool  # inside working hours on a working day: staff may be reminded now
    chats: Recipients
    report: SweepReport

    async def send(self, case: Case | None, key: str, chats: list[tuple[str, str]], text: str) -> int:
        """Queue ``text`` to ``chats`` unless ``key`` was sent before; 1 if it was queued now."""
        if not chats or not await self.desk.uow.reminders.claim(self.desk.commune.id, key, self.desk.now):
            return 0
        for channel, chat_id in chats:
            await self.desk.mail.send(
                channel,
                chat_id,
                Reply(text),
                key=f"{key}:{channel}:{chat_id}",
                commune_id=self.desk.commune.id,
                case_id=case.id if case is not None else None,
            )
        return 1


Sweep = Callable[[SweepContext], Awaitable[None]]  # what a feature registers with the scheduler


async def case_sweep(sweep: SweepContext) -> None:
    """Deadline reminders, overdue reminders, escalations and the morning digest — in working hours."""
    if not sweep.working:
        return
    desk = sweep.desk
    cases = await desk.uow.cases.queue(desk.commune.id, statuses=sorted(OPEN_STATUSES), limit=100_000)
    standings = [Standing.of(case, await desk.due(case), sweep.calendar, sweep.today) for case in cases]
    for standing in standings:
        await _case(sweep, standing)
    if sweep.config.digest:
        await _digest(sweep, standings)


async def _case(sweep: SweepContext, standing: Standing) -> None:
    desk, today = sweep.desk, sweep.today
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
        if left not in sweep.config.before_working_days:
            return
        text = (
            desk.t(Msg.REMINDER_DUE_TODAY, **about)
            if left == 0
            else desk.t(Msg.REMINDER_BEFORE, days=left, **about)
        )
        to = await sweep.chats.unit(case.unit_id) if case.unit_id is not None else await sweep.chats.office()
        sweep.report.reminders += await sweep.send(case, f"{base}:before:{left}", to, text)
        return
    late = standing.late  # today is a working day after the due day (a working day): at least 1
    to = await sweep.chats.office()
    if case.unit_id is not None:
        to = list(dict.fromkeys([*await sweep.chats.unit(case.unit_id), *to]))  # the office hears of it too
    text = desk.t(Msg.REMINDER_OVERDUE, days=late, **about)
    sweep.report.reminders += await sweep.send(case, f"{base}:overdue:{today.isoformat()}", to, text)
    if late >= sweep.config.escalate_after_working_days:
        unit = await desk.unit_name(case.unit_id) if case.unit_id is not None else ""
        text = desk.t(Msg.REMINDER_ESCALATED, days=late, unit=unit or desk.t(Msg.REMINDER_NO_UNIT), **about)
        sweep.report.escalations += await sweep.send(
            case, f"{base}:escalated", await sweep.chats.leaders(), text
        )


async def _digest(sweep: SweepContext, standings: list[Standing]) -> None:
    desk, today = sweep.desk, sweep.today
    if not standings:
        return  # no open case: nothing to report this morning
    new = sum(1 for standing in standings if standing.case.status is CaseStatus.RECEIVED)
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
        elif standing.left <= max(sweep.config.before_working_days):
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
    sweep.report.digests += await sweep.send(None, key, await sweep.chats.office(), "\n".join(lines))


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


class Recipients:
    """Who gets a sweep's messages, looked up only when something is due and then remembered."""

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
