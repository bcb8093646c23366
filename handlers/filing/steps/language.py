"""The citizen's choice of language (``/ngonngu``)."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Step,
    StepSpec,
    return_from_side_step,
    wrong_input,
)
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice


async def language_choices(turn: Turn) -> list[Choice]:
    return [Choice("lang:vi", turn.t(Msg.LANGUAGE_VI)), Choice("lang:en", turn.t(Msg.LANGUAGE_EN))]


async def ask_language(turn: Turn) -> None:
    turn.ask(turn.t(Msg.LANGUAGE_ASK), await language_choices(turn))


async def answer_language(turn: Turn, answer: Answer) -> None:
    """Language rule 1: the citizen's own choice wins over detection and the client's setting."""
    if isinstance(answer, Chosen) and answer.token in ("lang:vi", "lang:en"):
        turn.set_language(answer.token[5:], "chosen")
        turn.say(Msg.LANGUAGE_SET)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


STEPS.update(
    {
        Step.LANGUAGE: StepSpec(
            ask_language, answer_language, Msg.HELP_MENU, Msg.COMMON_EXPECTS_CHOICE, language_choices
        ),
    }
)
