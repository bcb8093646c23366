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
        S.RECEIVED: frozenset(
            {
                S.ACCEPTED,
                S.IN_PROGRESS,
                S.AWAITING_INFO,
                S.ANSWERED,
                S.DECLINED,
                S.FORWARDED,
                S.DUPLICATE,
                S.WITHDRAWN,
            }
        ),
        S.ACCEPTED: frozenset(
            {S.IN_PROGRESS, S.AWAITING_INFO, S.ANSWERED, S.FORWARDED, S.DUPLICATE, S.WITHDRAWN}
        ),
        S.IN_PROGRESS: frozenset({S.AWAITING_INFO, S.ANSWERED, S.FORWARDED, S.DUPLICATE, S.WITHDRAWN}),
        # After the citizen answers, the case returns to where it was before the question.
        S.AWAITING_INFO: frozenset(
            {S.RECEIVED, S.ACCEPTED, S.IN_PROGRESS, S.DECLINED, S.FORWARDED, S.DUPLICATE, S.WITHDRAWN}
        ),
        # A result can be reopened while the case is not yet closed (e.g. the citizen disputes it).
        S.ANSWERED: frozenset({S.CLOSED, S.IN_PROGRESS}),
        S.CLOSED: frozenset(),
        S.DECLINED: frozenset(),
        S.FORWARDED: frozenset(),
        S.DUPLICATE: frozenset(),
        S.WITHDRAWN: frozenset(),
    }
)


def can_move(from_status: CaseStatus, to_status: CaseStatus) -> bool:
    return to_status in TRANSITIONS[from_status]


def check_move(from_status: CaseStatus, to_status: CaseStatus) -> None:
    """Raise ``IllegalTransition`` unless the workflow allows ``from_status -> to_status``."""
    if not can_move(from_status, to_status):
        raise IllegalTransition(from_status, to_status)
