"""Recurring report duties of a commune's units, as its plan sets them (seed 000: the monthly report before
the 14th, the quarterly one before the 19th of the quarter's last month, the 6-month one before 14/6, the
yearly one before 14/11; other communes choose other days).

"Before the 14th" means the report must be in by the last working day before the 14th. Pure: the calendar is
handed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from models.deadlines.calendar import WorkCalendar


class Every(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"  # in the quarter's last month
    HALF_YEAR = "half_year"  # once a year, on the day and month given
    YEAR = "year"

    @property
    def needs_month(self) -> bool:
        return self in (Every.HALF_YEAR, Every.YEAR)


QUARTER_MONTHS = (3, 6, 9, 12)


@dataclass(frozen=True)
class ReportDuty:
    title: str
    unit: str  # the unit's code
    every: Every
    day: int  # the report is due before this day of the month
    month: int | None = None  # for half-year and yearly reports

    def limits(self, year: int) -> list[date]:
        """The "before" days of the year (the report must be in before each)."""
        if self.every is Every.MONTH:
            months: tuple[int, ...] = tuple(range(1, 13))
        elif self.every is Every.QUARTER:
            months = QUARTER_MONTHS
        else:
            months = (self.month or 12,)
        return [_clamped(year, month, self.day) for month in months]


@dataclass(frozen=True)
class DutyDate:
    duty: ReportDuty
    before: date  # the day the plan names
    due: date  # the last working day before it


def due_before(limit: date, calendar: WorkCalendar) -> date:
    """The last working day before ``limit``."""
    day = limit - timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def upcoming(duty: ReportDuty, calendar: WorkCalendar, start: date, end: date) -> Iterator[DutyDate]:
    """Each due date of the duty in [start, end], in order."""
    for year in range(start.year, end.year + 2):  # a "before" early in January is due in December
        for limit in duty.limits(year):
            due = due_before(limit, calendar)
            if start <= due <= end:
                yield DutyDate(duty, limit, due)


def _clamped(year: int, month: int, day: int) -> date:
    """The day of the month, or the month's last day when it is shorter (before the 31st in April…)."""
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    return min(date(year, month, 1) + timedelta(days=day - 1), next_month - timedelta(days=1))
