"""The deadline calculator against the worked examples of ../shared/data (copied to tests/data)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from deadlines.calendar import DEFAULT_OVERRIDES, Override, OverrideKind, WorkCalendar
from deadlines.rules import RULES, DeadlineError, compute

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "deadline-examples.csv"
CALENDAR = WorkCalendar.with_overrides(DEFAULT_OVERRIDES)


def _rows() -> list[dict[str, str]]:
    lines = [line for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.mark.parametrize("row", _rows(), ids=lambda row: f"{row['rule']}@{row['start_date']}")
def test_each_worked_example_gives_its_due_date(row: dict[str, str]) -> None:
    rule = RULES[row["rule"]]
    assert (rule.days, rule.unit.value) == (int(row["days"]), row["unit"])
    deadline = compute(rule, date.fromisoformat(row["start_date"]), CALENDAR)
    assert deadline.due == date.fromisoformat(row["due_date"]), row["note"]


def test_a_calendar_period_ending_on_a_holiday_rolls_to_the_next_working_day_and_says_why() -> None:
    deadline = compute(RULES["khieu_nai.giai_quyet_lan_dau"], date(2026, 1, 20), CALENDAR)
    assert (deadline.last_day, deadline.due) == (date(2026, 2, 19), date(2026, 2, 23))
    assert deadline.rolled_because is not None
    assert "Tết" in deadline.rolled_because


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    assert CALENDAR.is_working_day(date(2026, 1, 10))
    assert not CALENDAR.is_working_day(date(2026, 1, 2))
    moved = WorkCalendar.with_overrides([Override(date(2026, 1, 10), OverrideKind.OFF, "không làm bù")])
    assert not moved.is_working_day(date(2026, 1, 10))


def test_extensions_beyond_what_the_law_allows_are_refused() -> None:
    rule = RULES["to_cao.giai_quyet"]
    assert compute(rule, date(2026, 3, 2), CALENDAR, extensions=(30, 30)).days == 90
    with pytest.raises(DeadlineError):
        compute(rule, date(2026, 3, 2), CALENDAR, extensions=(30, 30, 30))
    with pytest.raises(DeadlineError):
        compute(rule, date(2026, 3, 2), CALENDAR, extensions=(31,))
