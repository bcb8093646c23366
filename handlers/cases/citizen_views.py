"""How a case looks to the citizen who filed it: status and the public timeline, never internal notes."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.cases.citizen_turn import Turn
from handlers.cases.tracking import public_timeline
from handlers.kernel.catalogue.keys import Msg
from models.case import Case


async def case_status_text(turn: Turn, case: Case) -> str:
    """The case's status and public timeline; a merged case also says which case it is followed with."""
    lines = [
        turn.t(
            Msg.TRACK_TIMELINE_LINE, time=turn.when(event.at), what=turn.t(Msg(f"event.{event.action.value}"))
        )
        for event in await public_timeline(turn.uow, case)
    ]
    text = turn.t(
        Msg.TRACK_STATUS,
        code=case.code,
        kind=turn.kind_label(case.kind),
        field=await turn.field_label(case.field_slug),
        date=turn.day(case.received_at),
        status=turn.status_label(case.status),
        timeline="\n".join(lines),
    )
    if case.is_open and case.paused_on is not None:
        text += "\n" + turn.t(Msg.TRACK_PAUSED)
    elif case.is_open and case.due_on is not None:
        text += "\n" + turn.t(Msg.TRACK_DUE, date=turn.day(case.due_on))
    if case.duplicate_of_id is not None:
        original = await turn.uow.cases.get(case.commune_id, case.duplicate_of_id)
        if original is not None:
            text += "\n" + turn.t(
                Msg.TRACK_FOLLOWED_WITH, code=original.code, status=turn.status_label(original.status)
            )
    return text


async def my_cases_text(turn: Turn, cases: Sequence[Case]) -> str:
    if not cases:
        return turn.t(Msg.TRACK_MINE_NONE)
    lines = [turn.t(Msg.TRACK_MINE_HEADER)]
    lines += [
        turn.t(
            Msg.TRACK_MINE_LINE,
            code=case.code,
            kind=turn.kind_label(case.kind),
            status=turn.status_label(case.status),
            date=turn.day(case.received_at),
        )
        for case in cases
    ]
    lines.append(turn.t(Msg.TRACK_MINE_FOOTER, code=cases[0].code))
    return "\n".join(lines)
