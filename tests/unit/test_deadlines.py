"""The deadline calculator against the worked examples of ../shared/data (copied to tests/data)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.deadlines.calendar import DEFAULT_OVERRIDES, Override, OverrideKind, WorkCalendar
from models.deadlines.rules import RULES, DeadlineError, Refusal, compute

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


START_DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 10, 31))
RULE_IDS = st.sampled_from(sorted(RULES))


@given(rule_id=RULE_IDS, start=START_DAYS, complex=st.booleans(), remote=st.booleans())
def test_a_due_date_is_never_a_non_working_day(
    rule_id: str, start: date, complex: bool, remote: bool
) -> None:
    complex = complex and RULES[rule_id].complex_days is not None
    deadline = compute(RULES[rule_id], start, CALENDAR, complex=complex, remote=remote)
    assert CALENDAR.is_working_day(deadline.due)
    assert deadline.due > start


@given(
    rule_id=RULE_IDS,
    start=START_DAYS,
    extra=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 6, 30)),
)
def test_adding_a_day_off_never_makes_a_due_date_earlier(rule_id: str, start: date, extra: date) -> None:
    before = compute(RULES[rule_id], start, CALENDAR)
    more_off = WorkCalendar.with_overrides(
        [*DEFAULT_OVERRIDES, Override(extra, OverrideKind.OFF, "nghỉ thêm")]
    )
    after = compute(RULES[rule_id], start, more_off)
    assert after.due >= before.due


@given(start=START_DAYS, first=st.integers(1, 30), second=st.integers(1, 30))
def test_each_extension_moves_the_resolution_of_a_denunciation_later(
    start: date, first: int, second: int
) -> None:
    rule = RULES["to_cao.giai_quyet"]
    plain = compute(rule, start, CALENDAR)
    once = compute(rule, start, CALENDAR, extensions=(first,))
    twice = compute(rule, start, CALENDAR, extensions=(first, second))
    assert plain.due <= once.due <= twice.due
    assert plain.last_day < once.last_day < twice.last_day


@given(rule_id=RULE_IDS, start=START_DAYS, paused=st.integers(1, 40))
def test_days_paused_move_a_due_date_later_and_never_change_the_legal_period(
    rule_id: str, start: date, paused: int
) -> None:
    plain = compute(RULES[rule_id], start, CALENDAR)
    waited = compute(RULES[rule_id], start, CALENDAR, paused=paused)
    assert waited.due >= plain.due
    assert waited.last_day > plain.last_day
    assert waited.days == plain.days
    assert CALENDAR.is_working_day(waited.due)


def test_only_rules_with_a_longer_complex_period_accept_complex() -> None:
    with pytest.raises(DeadlineError) as refused:
        compute(RULES["pakn"], date(2026, 1, 20), CALENDAR, complex=True)
    assert refused.value.refusal is Refusal.NOT_COMPLEX
    assert [rule for rule in RULES if RULES[rule].pausable] == ["xu_ly_don", "pakn"]
