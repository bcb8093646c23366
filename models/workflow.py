"""The case workflow: which status may follow which, checked in this one place."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from models.enums import CaseStatus
from models.errors import IllegalTransition

S = CaseStatus

# From each status, the statuses a case may move to. Everything not listed is illegal.
TRANSITIONS: Final = MappingProxyType(
    {
        S.MOI_TIEP_NHAN: frozenset(
            {
                S.DA_THU_LY,
                S.DANG_XU_LY,
                S.CHO_BO_SUNG,
                S.DA_CO_KET_QUA,
                S.KHONG_THU_LY,
                S.DA_CHUYEN,
                S.TRUNG,
                S.DA_RUT,
            }
        ),
        S.DA_THU_LY: frozenset(
            {S.DANG_XU_LY, S.CHO_BO_SUNG, S.DA_CO_KET_QUA, S.DA_CHUYEN, S.TRUNG, S.DA_RUT}
        ),
        S.DANG_XU_LY: frozenset({S.CHO_BO_SUNG, S.DA_CO_KET_QUA, S.DA_CHUYEN, S.TRUNG, S.DA_RUT}),
        # After the citizen answers, the case returns to where it was before the question.
        S.CHO_BO_SUNG: frozenset(
            {S.MOI_TIEP_NHAN, S.DA_THU_LY, S.DANG_XU_LY, S.KHONG_THU_LY, S.DA_CHUYEN, S.TRUNG, S.DA_RUT}
        ),
        # A result can be reopened while the case is not yet closed (e.g. the citizen disputes it).
        S.DA_CO_KET_QUA: frozenset({S.DA_DONG, S.DANG_XU_LY}),
        S.DA_DONG: frozenset(),
        S.KHONG_THU_LY: frozenset(),
        S.DA_CHUYEN: frozenset(),
        S.TRUNG: frozenset(),
        S.DA_RUT: frozenset(),
    }
)


def can_move(from_status: CaseStatus, to_status: CaseStatus) -> bool:
    return to_status in TRANSITIONS[from_status]


def check_move(from_status: CaseStatus, to_status: CaseStatus) -> None:
    """Raise ``IllegalTransition`` unless the workflow allows ``from_status -> to_status``."""
    if not can_move(from_status, to_status):
        raise IllegalTransition(from_status, to_status)
