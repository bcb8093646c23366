"""Which legal deadline a case is running against now, for cards, queues and the overdue filter.

Before thụ lý the office must process the petition (xử lý đơn; for a khiếu nại, decide on thụ lý within 10
days; for a tố cáo, the initial handling within 7 working days). After thụ lý the resolution period runs from
the acceptance day. The rules and their citations live in ``deadlines.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from deadlines.calendar import WorkCalendar
from deadlines.rules import RULES, Deadline, compute
from handlers.catalogue.keys import Msg
from handlers.formatting import local
from models.case import Case
from models.commune import Commune
from models.enums import CaseKind, CaseStatus

FIRST_RULES: dict[CaseKind, tuple[str, Msg]] = {
    CaseKind.KHIEU_NAI: ("khieu_nai.thu_ly", Msg.STAGE_KHIEU_NAI_THU_LY),
    CaseKind.TO_CAO: ("to_cao.xu_ly_ban_dau", Msg.STAGE_TO_CAO_XU_LY_BAN_DAU),
}
RESOLUTION_RULES: dict[CaseKind, tuple[str, Msg]] = {
    CaseKind.KHIEU_NAI: ("khieu_nai.giai_quyet_lan_dau", Msg.STAGE_KHIEU_NAI_GIAI_QUYET),
    CaseKind.TO_CAO: ("to_cao.giai_quyet", Msg.STAGE_TO_CAO_GIAI_QUYET),
}
DEFAULT_FIRST = ("xu_ly_don", Msg.STAGE_XU_LY_DON)
DEFAULT_RESOLUTION = ("pakn", Msg.STAGE_PAKN)
WAITING_FOR_TRIAGE = frozenset({CaseStatus.MOI_TIEP_NHAN})
BEING_RESOLVED = frozenset({CaseStatus.DA_THU_LY, CaseStatus.DANG_XU_LY})


@dataclass(frozen=True)
class Due:
    stage: Msg  # the name of the period, e.g. "Hạn thụ lý khiếu nại"
    deadline: Deadline

    @property
    def day(self) -> date:
        return self.deadline.due

    def overdue(self, today: date) -> bool:
        return today > self.deadline.due


def is_remote(commune: Commune) -> bool:
    """A commune in a remote area (vùng sâu, vùng xa) gets the longer legal periods."""
    return bool(commune.settings.get("remote_area"))


def case_due(case: Case, calendar: WorkCalendar, *, remote: bool = False) -> Due | None:
    """The deadline the case is running against, or None when no clock runs (waiting for the citizen,
    or closed)."""
    if case.status in WAITING_FOR_TRIAGE:
        rule_id, stage = FIRST_RULES.get(case.kind, DEFAULT_FIRST)
        start = local(case.received_at).date()
    elif case.status in BEING_RESOLVED:
        rule_id, stage = RESOLUTION_RULES.get(case.kind, DEFAULT_RESOLUTION)
        accepted = case.accepted_at or case.received_at
        start = local(accepted if RULES[rule_id].start == "thu_ly" else case.received_at).date()
    else:
        return None
    return Due(stage, compute(RULES[rule_id], start, calendar, remote=remote))
