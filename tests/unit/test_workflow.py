from __future__ import annotations

from datetime import datetime

import pytest

from models.base import LOCAL_TZ
from models.case import Case
from models.enums import CLOSED_STATUSES, OPEN_STATUSES, ActorKind, CaseAction, CaseKind, CaseStatus
from models.errors import IllegalTransition
from models.workflow import TRANSITIONS, can_move

NOW = datetime(2026, 5, 12, 9, 0, tzinfo=LOCAL_TZ)


def make_case(status: CaseStatus = CaseStatus.RECEIVED) -> Case:
    case = Case(
        commune_id=1,
        code="PT-26-00001",
        year=2026,
        sequence=1,
        kind=CaseKind.PHAN_ANH,
        field_slug="moi_truong",
        content="Nội dung đủ dài để là một phản ánh.",
        status=status,
        channel="console",
        received_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    case.id = 7
    return case


def test_every_status_is_either_open_or_closed() -> None:
    assert set(CaseStatus) == OPEN_STATUSES | CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES
    assert set(TRANSITIONS) == set(CaseStatus)


def test_a_legal_move_changes_status_and_returns_the_timeline_entry() -> None:
    case = make_case()
    event = case.move_to(
        CaseStatus.ACCEPTED, action=CaseAction.ACCEPTED, at=NOW, actor_kind=ActorKind.STAFF, actor_id=3
    )
    assert case.status is CaseStatus.ACCEPTED
    assert (event.case_id, event.from_status, event.to_status) == (
        7,
        CaseStatus.RECEIVED,
        CaseStatus.ACCEPTED,
    )
    assert (event.actor_kind, event.actor_id, event.action) == (ActorKind.STAFF, 3, CaseAction.ACCEPTED)


def test_an_illegal_move_raises_and_changes_nothing() -> None:
    case = make_case(CaseStatus.CLOSED)
    with pytest.raises(IllegalTransition):
        case.move_to(CaseStatus.IN_PROGRESS, action=CaseAction.REOPENED, at=NOW, actor_kind=ActorKind.STAFF)
    assert case.status is CaseStatus.CLOSED


@pytest.mark.parametrize(
    "final", [CaseStatus.CLOSED, CaseStatus.DECLINED, CaseStatus.FORWARDED, CaseStatus.DUPLICATE]
)
def test_final_statuses_allow_no_further_move(final: CaseStatus) -> None:
    assert not any(can_move(final, other) for other in CaseStatus)


def test_closing_stamps_closed_at_and_reopening_clears_it() -> None:
    case = make_case(CaseStatus.IN_PROGRESS)
    case.move_to(CaseStatus.ANSWERED, action=CaseAction.RESULT_APPROVED, at=NOW, actor_kind=ActorKind.STAFF)
    assert case.closed_at == NOW
    case.move_to(CaseStatus.IN_PROGRESS, action=CaseAction.REOPENED, at=NOW, actor_kind=ActorKind.STAFF)
    assert case.closed_at is None
