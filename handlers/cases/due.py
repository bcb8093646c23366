"""The legal period a case runs against, kept on the case, and how it moves.

Each open case carries its stage (a rule of ``deadlines.rules``), the day that stage's clock started, the
decisions that lengthen it (phức tạp, the longer initial handling of a tố cáo, extensions) and the time it
was paused waiting for the citizen; its due date is computed from those on the commune's calendar and stored
on the case (``due_on``) so queues and reminders can ask the database.

Stages by kind: a khiếu nại must be accepted (thụ lý) within 10 days of receipt, then resolved from the
acceptance; a tố cáo has its initial handling (7 working days), then resolution from thụ lý. Phản ánh, kiến
nghị and questions go through xử lý đơn and are answered within the commune's service level counted from
receipt (per field and urgency; defaults: urgent 1, normal 10 working days); when that service level is
shorter than xử lý đơn, it is the only clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from handlers.cases.deadline_text import STAGE_OF_RULE
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local
from models.case import Case
from models.commune import Commune
from models.deadlines.calendar import WorkCalendar
from models.deadlines.rules import RULES, DayUnit, Deadline, Rule, Start, compute
from models.enums import CaseKind

FIRST_RULES: Final[Mapping[CaseKind, str]] = {
    CaseKind.KHIEU_NAI: "khieu_nai.thu_ly",
    CaseKind.TO_CAO: "to_cao.xu_ly_ban_dau",
}
RESOLUTION_RULES: Final[Mapping[CaseKind, str]] = {
    CaseKind.KHIEU_NAI: "khieu_nai.giai_quyet_lan_dau",
    CaseKind.TO_CAO: "to_cao.giai_quyet",
}
PROCESSING, SERVICE = "xu_ly_don", "pakn"
DEFAULT_SERVICE_DAYS: Final[Mapping[str, int]] = {"normal": 10, "urgent": 1}


@dataclass(frozen=True)
class Due:
    stage: Msg  # the name of the period, e.g. "Hạn thụ lý khiếu nại"
    deadline: Deadline
    paused_since: date | None = None  # waiting for the citizen: the clock stands still

    @property
    def day(self) -> date:
        return self.deadline.due

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def overdue(self, today: date) -> bool:
        return not self.paused and today > self.deadline.due


def is_remote(commune: Commune) -> bool:
    """A commune in a remote area (vùng sâu, vùng xa) gets the longer legal periods."""
    return bool(commune.settings.get("remote_area"))


def service_days(commune: Commune, case: Case) -> int:
    """The commune's service level for answering this phản ánh, kiến nghị (working days): the field's own,
    else the commune's, else the default; urgent or normal."""
    level = "urgent" if case.urgent else "normal"
    sla: Mapping[str, Any] = commune.settings.get("sla") or {}
    fields: Mapping[str, Any] = sla.get("fields") or {}
    own: Mapping[str, Any] = fields.get(case.field_slug) or {}
    return int(own.get(level, sla.get(level, DEFAULT_SERVICE_DAYS[level])))


def first_rule(commune: Commune, case: Case) -> str:
    """The stage a newly received case starts in."""
    if case.kind in FIRST_RULES:
        return FIRST_RULES[case.kind]
    return SERVICE if service_days(commune, case) < RULES[PROCESSING].days else PROCESSING


def resolution_rule(kind: CaseKind) -> str:
    """The stage after thụ lý."""
    return RESOLUTION_RULES.get(kind, SERVICE)


def stage_start(case: Case, rule_id: str) -> date:
    """What starts the rule's clock for this case: the receipt, or the acceptance."""
    if RULES[rule_id].start is Start.THU_LY and case.accepted_at is not None:
        return local(case.accepted_at).date()
    return local(case.received_at).date()


def begin_stage(case: Case, rule_id: str) -> None:
    """Put the case on a new period: the decisions that lengthened the old one do not carry over."""
    case.deadline_rule = rule_id
    case.deadline_start = stage_start(case, rule_id)
    case.deadline_complex = False
    case.deadline_extended = False
    case.deadline_extensions = []
    case.paused_on = None
    case.paused_days = 0
    case.due_on = None


def current_rule(commune: Commune, case: Case) -> str:
    """The stage the case belongs in: resolution once accepted, else the first stage of its kind."""
    return resolution_rule(case.kind) if case.accepted_at is not None else first_rule(commune, case)


def restage(commune: Commune, case: Case) -> None:
    """After the kind or the urgency changed: the stage the case belongs in now. An accepted case keeps
    counting from its acceptance; a new one from its receipt."""
    wanted = current_rule(commune, case)
    if wanted != case.deadline_rule:
        begin_stage(case, wanted)
    else:
        case.due_on = None  # the service level may have changed: computed again on the next read


def elapsed(rule: Rule, calendar: WorkCalendar, since: date, today: date) -> int:
    """Days in (since, today] in the rule's unit."""
    if rule.unit is DayUnit.CALENDAR:
        return max((today - since).days, 0)
    return calendar.working_days_between(since, today)


def pause(case: Case, today: date) -> bool:
    """Waiting for the citizen: stop the clock if the rule allows it. True if it stopped."""
    rule = RULES.get(case.deadline_rule or "")
    if rule is None or not rule.pausable or case.paused_on is not None:
        return False
    case.paused_on = today
    case.due_on = None
    return True


def resume(case: Case, calendar: WorkCalendar, today: date) -> int:
    """The citizen answered (or the office moved on): the clock runs again; the days waited are added.
    Returns the days added."""
    rule = RULES.get(case.deadline_rule or "")
    if rule is None or case.paused_on is None:
        return 0
    added = elapsed(rule, calendar, case.paused_on, today)
    case.paused_days += added
    case.paused_on = None
    case.due_on = None
    return added


def case_due(
    case: Case, calendar: WorkCalendar, commune: Commune, *, today: date | None = None
) -> Due | None:
    """The deadline the case runs against now, or None when it is closed. While paused, the due date
    shown counts the days waited so far (``today``)."""
    if not case.is_open:
        return None
    if case.deadline_rule is None or case.deadline_rule not in RULES:
        begin_stage(case, current_rule(commune, case))
    rule = RULES[case.deadline_rule or PROCESSING]
    paused = case.paused_days
    if case.paused_on is not None and today is not None:
        paused += elapsed(rule, calendar, case.paused_on, today)
    deadline = rule_deadline(
        commune,
        case,
        rule.id,
        case.deadline_start or stage_start(case, rule.id),
        calendar,
        complex=case.deadline_complex and rule.complex_days is not None,
        extended=case.deadline_extended and rule.extended_days is not None,
        extensions=tuple(case.deadline_extensions),
        paused=paused,
    )
    return Due(STAGE_OF_RULE.get(rule.id, Msg.STAGE_XU_LY_DON), deadline, case.paused_on)


def rule_deadline(
    commune: Commune,
    case: Case,
    rule_id: str,
    start: date,
    calendar: WorkCalendar,
    *,
    complex: bool = False,
    extended: bool = False,
    extensions: tuple[int, ...] = (),
    paused: int = 0,
) -> Deadline:
    """A rule's due date for this case in this commune: its remote-area periods, and for phản ánh, kiến
    nghị the commune's service level."""
    return compute(
        RULES[rule_id],
        start,
        calendar,
        complex=complex,
        remote=is_remote(commune),
        extended=extended,
        extensions=extensions,
        days=service_days(commune, case) if rule_id == SERVICE else None,
        paused=paused,
    )


def refresh_due(case: Case, calendar: WorkCalendar, commune: Commune, today: date) -> Due | None:
    """The case's running deadline, with its stored due date brought up to date (None while the clock is
    paused or the case is closed)."""
    due = case_due(case, calendar, commune, today=today)
    stored = None if due is None or due.paused else due.day
    if case.due_on != stored:
        case.due_on = stored
    return due
