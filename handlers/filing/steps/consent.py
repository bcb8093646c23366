"""Consent to the processing of personal data: asking for it, what an anonymous petition needs, and
withdrawing it (``/rutdongy``)."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Part,
    Step,
    StepSpec,
    goto,
    return_from_side_step,
    wrong_input,
)
from handlers.filing.steps.navigation import advance
from handlers.filing.steps.petition import after_kind
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.config import CONSENT_TEXT_VERSION
from handlers.kernel.replies import Choice
from models.citizen import ConsentRecord
from models.enums import CaseKind, ConsentDecision


async def current_consent(turn: Turn) -> ConsentRecord | None:
    """The consent in force for this citizen and this notice text, if they granted it."""
    citizen = await turn.citizen()
    if citizen is None:
        return None
    record = await turn.uow.citizens.latest_consent(citizen.commune_id, citizen.id)
    if record is None or not record.granted or record.text_version != CONSENT_TEXT_VERSION:
        return None
    return record


async def record_consent(turn: Turn, decision: ConsentDecision) -> None:
    citizen = await turn.ensure_citizen()
    await turn.uow.citizens.add_consent(
        ConsentRecord(
            commune_id=citizen.commune_id,
            citizen_id=citizen.id,
            text_version=CONSENT_TEXT_VERSION,
            decision=decision,
            channel=turn.event.channel,
            at=turn.now,
        )
    )


async def ask_consent(turn: Turn) -> None:
    turn.ask(turn.t(Msg.CONSENT_ASK), await consent_choices(turn))


async def consent_choices(turn: Turn) -> list[Choice]:
    # Never pre-selected: both are plain choices and silence moves nothing forward.
    return [Choice("agree", turn.t(Msg.CONSENT_AGREE)), Choice("disagree", turn.t(Msg.CONSENT_DISAGREE))]


async def answer_consent(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("agree"):
        await record_consent(turn, ConsentDecision.GRANTED)
        turn.draft.anonymous = False
        turn.draft.anonymous_confirmed = False
        turn.say(Msg.CONSENT_GRANTED)
    elif answer == Chosen("disagree"):
        await record_consent(turn, ConsentDecision.REFUSED)
        turn.draft.anonymous = True
        turn.draft.clear_identity()
        turn.say(Msg.CONSENT_REFUSED)
    else:
        await wrong_input(turn, answer)
        return
    if turn.draft.kind:
        await after_kind(turn)
    else:
        await goto(turn, Step.KIND)


async def ask_need_consent(turn: Turn) -> None:
    text = Msg.CONSENT_NEEDED_TO_CAO if turn.draft.kind == CaseKind.TO_CAO else Msg.CONSENT_NEEDED_KHIEU_NAI
    turn.ask(turn.t(text), await need_consent_choices(turn))


async def need_consent_choices(turn: Turn) -> list[Choice]:
    choices = [Choice("give", turn.t(Msg.CONSENT_GIVE_IDENTITY))]
    if turn.draft.kind == CaseKind.TO_CAO:
        # Luật Tố cáo 2018 Điều 25: an anonymous denunciation may still be handled; the clerk decides.
        choices.append(Choice("anonymous", turn.t(Msg.CONSENT_SEND_ANONYMOUS)))
    choices.append(Choice("other", turn.t(Msg.CONSENT_OTHER_KIND)))
    return choices


async def answer_need_consent(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("give"):
        await goto(turn, Step.CONSENT)
    elif answer == Chosen("anonymous"):
        turn.draft.anonymous_confirmed = True
        await advance(turn, Step.FIELD)
    elif answer == Chosen("other"):
        turn.draft.kind = None
        await goto(turn, Step.KIND)
    else:
        await wrong_input(turn, answer)


async def withdraw_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("withdraw", turn.t(Msg.CONSENT_WITHDRAW_CONFIRM)),
        Choice("keep", turn.t(Msg.CONSENT_WITHDRAW_KEEP)),
    ]


async def ask_withdraw(turn: Turn) -> None:
    turn.ask(turn.t(Msg.CONSENT_WITHDRAW_ASK), await withdraw_choices(turn))


async def answer_withdraw(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("withdraw"):
        await record_consent(turn, ConsentDecision.WITHDRAWN)
        citizen = await turn.ensure_citizen()
        citizen.forget_identity()
        turn.draft.anonymous = True
        turn.draft.clear_identity()
        turn.say(Msg.CONSENT_WITHDRAWN, time=turn.when(turn.now))
        await return_from_side_step(turn)
    elif answer == Chosen("keep"):
        turn.say(Msg.CONSENT_WITHDRAW_KEPT)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


STEPS.update(
    {
        Step.CONSENT: StepSpec(
            ask_consent,
            answer_consent,
            Msg.HELP_CONSENT,
            Msg.COMMON_EXPECTS_CHOICE,
            consent_choices,
            drafting=True,
            part=Part.KIND,
        ),
        Step.NEED_CONSENT: StepSpec(
            ask_need_consent,
            answer_need_consent,
            Msg.HELP_CONSENT,
            Msg.COMMON_EXPECTS_CHOICE,
            need_consent_choices,
            drafting=True,
            part=Part.KIND,
        ),
        Step.WITHDRAW_CONSENT: StepSpec(
            ask_withdraw, answer_withdraw, Msg.HELP_CONSENT, Msg.COMMON_EXPECTS_CHOICE, withdraw_choices
        ),
    }
)
