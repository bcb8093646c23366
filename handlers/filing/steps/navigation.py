"""Moving through the writing of a petition: the next step, and what the draft still lacks."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Step,
    goto,
)
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice


async def advance(turn: Turn, next_step: Step) -> None:
    """Move on in the filing flow. While editing one part, go back to the summary once that part is done;
    and the summary is only shown when nothing required is missing."""
    current = STEPS[Step(turn.step)].part
    if turn.draft.editing and STEPS[next_step].part != current:
        turn.draft.editing = False
        next_step = Step.SUMMARY
    if next_step is Step.SUMMARY:
        next_step = await missing_step(turn) or Step.SUMMARY
    await goto(turn, next_step)


async def missing_step(turn: Turn) -> Step | None:
    """The first step whose required answer the draft still lacks."""
    draft = turn.draft
    kind = draft.case_kind
    if kind is None:
        return Step.KIND
    if draft.anonymous and not kind.allowed_without_consent and not draft.anonymous_confirmed:
        return Step.NEED_CONSENT
    if not draft.field:
        return Step.FIELD
    if not draft.content:
        return Step.CONTENT
    if not draft.anonymous and not draft.has_identity:
        citizen = await turn.citizen()
        return Step.SAVED_IDENTITY if citizen and citizen.has_identity else Step.NAME
    return None


def number(value: int) -> str:
    """Vietnamese thousands separator: 4000 → 4.000."""
    return f"{value:,}".replace(",", ".")


async def skip_choice(turn: Turn) -> list[Choice]:
    return [Choice("skip", turn.t(Msg.COMMON_SKIP))]
