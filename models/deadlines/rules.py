"""The deadline rules, one row per rule of ../shared/reference/legal-rules.md, and the calculator.

Counting follows Bộ luật Dân sự 2015 Điều 147–148: the day of the event is not counted; a calendar-day
period whose last day is not a working day ends on the next working day; working-day periods count working
days only. Extensions add to the period from the same start, and the roll-over is applied once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from models.deadlines.calendar import WorkCalendar


class DayUnit(StrEnum):
    CALENDAR = "calendar_days"
    WORKING = "working_days"


class Start(StrEnum):
    RECEIPT = "receipt"  # the day the petition was received
    THU_LY = "thu_ly"  # the day of the acceptance (thụ lý) decision


@dataclass(frozen=True)
class Rule:
    id: str
    days: int
    unit: DayUnit
    start: Start
    citation: str
    complex_days: int | None = None  # phức tạp
    remote_days: int | None = None  # vùng sâu, vùng xa
    remote_complex_days: int | None = None
    extended_days: int | None = None  # tố cáo: xử lý ban đầu when several places must be checked
    max_extensions: int = 0
    max_extension_days: int = 0
    # Time spent waiting for the citizen's additional information is not counted. Only where no statute
    # fixes the period from receipt: the office's processing and the commune's own service level.
    pausable: bool = False


RULES: Final = MappingProxyType(
    {
        rule.id: rule
        for rule in (
            # UNCONFIRMED whether working days: a default a commune may change (legal-rules.md §2).
            Rule(
                "xu_ly_don", 10, DayUnit.WORKING, Start.RECEIPT, "Thông tư 05/2021/TT-TTCP", pausable=True,
            ),
            Rule("khieu_nai.thu_ly", 10, DayUnit.CALENDAR, Start.RECEIPT, "Điều 27 Luật Khiếu nại 2011"),
            Rule(
                "khieu_nai.giai_quyet_lan_dau", 30, DayUnit.CALENDAR, Start.THU_LY, "Điều 28 Luật Khiếu nại 2011",
                complex_days=45, remote_days=45, remote_complex_days=60,
            ),
            Rule(
                "khieu_nai.giai_quyet_lan_hai", 45, DayUnit.CALENDAR, Start.THU_LY, "Điều 37 Luật Khiếu nại 2011",
                complex_days=60, remote_days=60, remote_complex_days=70,
            ),
            Rule(
                "to_cao.xu_ly_ban_dau", 7, DayUnit.WORKING, Start.RECEIPT, "khoản 1 Điều 24 Luật Tố cáo 2018",
                extended_days=10,
            ),
            Rule("to_cao.chuyen_don", 5, DayUnit.WORKING, Start.RECEIPT, "khoản 2 Điều 24 Luật Tố cáo 2018"),
            Rule("to_cao.thong_bao_thu_ly", 5, DayUnit.WORKING, Start.THU_LY, "Điều 29 Luật Tố cáo 2018"),
            Rule(
                "to_cao.giai_quyet", 30, DayUnit.CALENDAR, Start.THU_LY, "Điều 30 Luật Tố cáo 2018",
                max_extensions=2, max_extension_days=30,
            ),
            # No single statute: the commune's own service level (defaults: urgent 1, normal 10 working days).
            Rule(
                "pakn", 10, DayUnit.WORKING, Start.RECEIPT, "quy định của UBND xã về trả lời phản ánh, kiến nghị",
                pausable=True,
            ),
        )
    }
)  # fmt: skip


class Refusal(StrEnum):
    TOO_MANY_EXTENSIONS = "too_many_extensions"
    EXTENSION_LENGTH = "extension_length"
    NOT_EXTENDABLE = "not_extendable"
    NOT_COMPLEX = "not_complex"  # the rule has no longer period for complex cases


class DeadlineError(ValueError):
    """An option the rule does not allow (too many extensions, an extension too long…)."""

    def __init__(self, refusal: Refusal, rule: Rule) -> None:
        super().__init__(f"{rule.id}: {refusal.value}")
        self.refusal = refusal
        self.rule = rule


@dataclass(frozen=True)
class Deadline:
    """A due date with everything needed to explain it."""

    rule: Rule
    start: date
    days: int  # the period after options and extensions (pauses not included)
    base_days: int  # the period before extensions
    extensions: tuple[int, ...]
    paused_days: int  # days (in the rule's unit) not counted: waiting for the citizen
    last_day: date  # the period's last day as counted
    due: date  # the day it ends: ``last_day`` or, for calendar days, the next working day
    rolled_because: str | None  # why ``last_day`` is not a working day, when the due date moved
    complex: bool
    remote: bool
    extended: bool

    @property
    def rolled(self) -> bool:
        return self.due != self.last_day


def compute(
    rule: Rule,
    start: date,
    calendar: WorkCalendar,
    *,
    complex: bool = False,
    remote: bool = False,
    extended: bool = False,
    extensions: tuple[int, ...] = (),
    days: int | None = None,
    paused: int = 0,
) -> Deadline:
    """The due date of ``rule`` counted from ``start``. ``days`` replaces the rule's period (a commune's own
    service level for phản ánh, kiến nghị); ``paused`` days, in the rule's unit, are not counted."""
    if complex and not rule.complex_days:
        raise DeadlineError(Refusal.NOT_COMPLEX, rule)
    if len(extensions) > rule.max_extensions:
        raise DeadlineError(Refusal.TOO_MANY_EXTENSIONS, rule)
    if any(not 1 <= extra <= rule.max_extension_days for extra in extensions):
        raise DeadlineError(Refusal.EXTENSION_LENGTH, rule)
    if extended and rule.extended_days is None:
        raise DeadlineError(Refusal.NOT_EXTENDABLE, rule)
    base = days if days is not None else rule.days
    if complex and remote and rule.remote_complex_days:
        base = rule.remote_complex_days
    elif complex and rule.complex_days:
        base = rule.complex_days
    elif remote and rule.remote_days:
        base = rule.remote_days
    if extended and rule.extended_days:
        base = rule.extended_days
    total = base + sum(extensions)
    if rule.unit is DayUnit.WORKING:
        last = calendar.add_working_days(start, total + paused)
        due = last
    else:
        last = start + timedelta(days=total + paused)
        due = calendar.next_working_day(last)
    return Deadline(
        rule=rule,
        start=start,
        days=total,
        base_days=base,
        extensions=extensions,
        paused_days=paused,
        last_day=last,
        due=due,
        rolled_because=calendar.reason_off(last) if due != last else None,
        complex=complex,
        remote=remote,
        extended=extended,
    )
