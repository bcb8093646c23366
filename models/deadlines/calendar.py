"""The civil-service calendar: Monday–Friday, minus public holidays (lunar Tết, Giỗ Tổ, nghỉ bù — from the
``holidays`` package), adjusted by a table of overrides: extra days off and extra working days (make-up
Saturdays), which the package does not know about."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache


class OverrideKind(StrEnum):
    OFF = "off"  # a day off that is not a public holiday (e.g. 2026-01-02)
    WORK = "work"  # a working day that would be off (a make-up Saturday)


@dataclass(frozen=True)
class Override:
    day: date
    kind: OverrideKind
    reason: str


# The official 2026 swaps (VPCP 12729/VPCP-KGVX and the yearly notice), and 24/11 — Ngày Văn hóa Việt Nam,
# which ``holidays`` treats as a holiday from 2026 although its legal status is unconfirmed: the commune
# may switch it (``nghedan calendar work 2026-11-24 "…"``).
DEFAULT_OVERRIDES: tuple[Override, ...] = (
    Override(date(2026, 1, 2), OverrideKind.OFF, "Nghỉ hoán đổi Tết Dương lịch 2026"),
    Override(date(2026, 1, 10), OverrideKind.WORK, "Làm bù cho ngày 02/01/2026"),
    Override(date(2026, 8, 22), OverrideKind.WORK, "Làm bù cho ngày 31/08/2026"),
)


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> Mapping[date, str]:
    import holidays

    return dict(holidays.country_holidays("VN", years=year, language="vi"))


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[date, Override] = field(default_factory=dict)

    @classmethod
    def with_overrides(cls, overrides: Iterable[Override]) -> WorkCalendar:
        return cls({item.day: item for item in overrides})

    def holiday_name(self, day: date) -> str | None:
        return _public_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override.kind is OverrideKind.WORK
        return day.weekday() < 5 and self.holiday_name(day) is None

    def reason_off(self, day: date) -> str | None:
        """Why ``day`` is not a working day (None if it is one)."""
        if self.is_working_day(day):
            return None
        override = self.overrides.get(day)
        if override is not None:
            return override.reason
        holiday = self.holiday_name(day)
        if holiday:
            return holiday
        return "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật"

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (the start day is never counted)."""
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end is not after start."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Every non-working day of the year that is not an ordinary weekend day, with its reason; and
        weekend days that are worked are listed too (as overrides)."""
        result = []
        day = date(year, 1, 1)
        while day.year == year:
            weekend = day.weekday() >= 5
            off = not self.is_working_day(day)
            if (off and not weekend) or (
                off and weekend and (self.holiday_name(day) or day in self.overrides)
            ):
                result.append((day, self.reason_off(day) or ""))
            day += timedelta(days=1)
        return result
