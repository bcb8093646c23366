"""Looking up a petition by its receipt code, and the citizen's own petitions."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.citizen_views import case_status_text, my_cases_text
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Step,
    StepSpec,
    reask,
    return_from_side_step,
    wrong_input,
)
from handlers.cases.tracking import find_own_case, own_cases
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Text
from handlers.kernel.replies import Choice
from models.errors import InvalidValue
from models.values import ReceiptCode


async def show_case(turn: Turn, text: str) -> None:
    assert turn.commune is not None
    try:
        case = await find_own_case(turn.uow, turn.commune.id, turn.citizen_id, text)
    except InvalidValue:
        turn.say(Msg.TRACK_BAD_CODE, text=text.strip()[:40])
        return
    if case is None:
        code = ReceiptCode.find(text)
        turn.say(Msg.TRACK_NOT_FOUND, code=str(code) if code else text.strip()[:40])
        return
    turn.say_text(await case_status_text(turn, case))


async def show_my_cases(turn: Turn) -> None:
    assert turn.commune is not None
    cases = await own_cases(turn.uow, turn.commune.id, turn.citizen_id)
    turn.say_text(await my_cases_text(turn, cases))


async def track_choices(turn: Turn) -> list[Choice]:
    assert turn.commune is not None
    cases = await own_cases(turn.uow, turn.commune.id, turn.citizen_id, limit=5)
    return [Choice(f"c:{case.code}", case.code) for case in cases] + [Choice("back", turn.t(Msg.COMMON_BACK))]


async def ask_track(turn: Turn) -> None:
    turn.ask(turn.t(Msg.TRACK_ASK), await track_choices(turn))


async def answer_track(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("back"):
        await return_from_side_step(turn)
    elif isinstance(answer, Chosen) and answer.token.startswith("c:"):
        await show_case(turn, answer.token[2:])
        await return_from_side_step(turn)
    elif isinstance(answer, Text):
        if ReceiptCode.find(answer.text) is None:
            turn.say(Msg.TRACK_BAD_CODE, text=answer.text.strip()[:40])
            await reask(turn)
            return
        await show_case(turn, answer.text)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


STEPS.update(
    {
        Step.TRACK_CODE: StepSpec(
            ask_track, answer_track, Msg.HELP_TRACK, Msg.COMMON_EXPECTS_TEXT, track_choices, free_text=True
        ),
    }
)
