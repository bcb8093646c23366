"""A commune's working calendar: the shipped one (public holidays, official swaps) plus the commune's own
changes, and changing it — which moves the deadlines of open cases, recorded on each case that moved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from handlers.cases.due import case_due, refresh_due
from handlers.kernel.formatting import local
from handlers.kernel.ports import UnitOfWork
from models.calendar import CalendarOverride
from models.commune import Commune
from models.deadlines.calendar import DEFAULT_OVERRIDES, Override, OverrideKind, WorkCalendar
from models.enums import OPEN_STATUSES, ActorKind, CaseAction


async def commune_calendar(uow: UnitOfWork, commune_id: int) -> WorkCalendar:
    return calendar_with(await uow.calendar.overrides(commune_id))


def calendar_with(rows: Sequence[CalendarOverride]) -> WorkCalendar:
    """The shipped calendar with a commune's own overrides on top (theirs win)."""
    own = [Override(row.day, row.kind, row.reason) for row in rows]
    return WorkCalendar.with_overrides([*DEFAULT_OVERRIDES, *own])


@dataclass(frozen=True)
class CalendarChange:
    day: date
    working: bool  # what the day is now
    reason: str  # why (the override's reason, the holiday's name, or the weekday)
    moved: int  # open cases whose deadline moved


async def change_day(
    uow: UnitOfWork,
    commune: Commune,
    day: date,
    kind: OverrideKind | None,
    *,
    reason: str,
    by: str,
    now: datetime,
    actor_id: int | None = None,
) -> CalendarChange:
    """Make ``day`` a day off (``OFF``), a working day (``WORK``), or what the shipped calendar says (None),
    then recompute the deadlines of the commune's open cases, recording the change on each that moved."""
    rows = list(await uow.calendar.overrides(commune.id))
    before = calendar_with(rows)
    existing = next((row for row in rows if row.day == day), None)
    if kind is None:
        if existing is not None:
            await uow.calendar.remove(existing)
            rows.remove(existing)
    elif existing is not None:
        existing.kind, existing.reason, existing.set_by, existing.set_at = kind, reason, by, now
    else:
        added = CalendarOverride(
            commune_id=commune.id, day=day, kind=kind, reason=reason, set_by=by, set_at=now
        )
        await uow.calendar.add(added)
        rows.append(added)
    after = calendar_with(rows)
    moved = 0
    today = local(now).date()
    for case in await uow.cases.queue(commune.id, statuses=sorted(OPEN_STATUSES), limit=100_000):
        old = case_due(case, before, commune, today=today)
        new = refresh_due(case, after, commune, today)
        if old is None or new is None or old.day == new.day:
            continue
        moved += 1
        await uow.cases.add_event(
            case.record(
                CaseAction.DEADLINE_MOVED,
                at=now,
                actor_kind=ActorKind.STAFF if actor_id is not None else ActorKind.SYSTEM,
                actor_id=actor_id,
                data={"from": f"{old.day:%d/%m/%Y}", "to": f"{new.day:%d/%m/%Y}", "day": f"{day:%d/%m/%Y}"},
            )
        )
    return CalendarChange(day, after.is_working_day(day), after.reason_off(day) or reason, moved)


@dataclass(frozen=True)
class DayEntry:
    day: date
    working: bool  # a weekend day worked (a make-up Saturday) rather than a day off
    reason: str
    own: bool  # the commune's own change, not the shipped calendar


async def year_listing(uow: UnitOfWork, commune_id: int, year: int) -> list[DayEntry]:
    """The year's days off that are not ordinary weekends, and the days worked that would be off (make-up
    Saturdays, a holiday the commune works)."""
    rows = await uow.calendar.overrides(commune_id)
    calendar = calendar_with(rows)
    own = {row.day for row in rows}
    entries = [DayEntry(day, False, reason, day in own) for day, reason in calendar.days_off(year)]
    for override in calendar.overrides.values():
        day = override.day
        would_be_off = day.weekday() >= 5 or calendar.holiday_name(day) is not None
        if day.year == year and would_be_off and calendar.is_working_day(day):
            entries.append(DayEntry(day, True, override.reason, day in own))
    return sorted(entries, key=lambda entry: entry.day)
