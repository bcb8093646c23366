"""The sender's identity: the one saved from an earlier petition, or name, phone and address."""

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
    wrong_input,
)
from handlers.filing.steps.navigation import advance
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import SharedContact, Text
from handlers.kernel.names import valid_name
from handlers.kernel.replies import Choice, InputRequest
from models.errors import InvalidValue
from models.values import PhoneNumber


async def identity_entry(turn: Turn) -> Step:
    if turn.draft.anonymous:
        return Step.SUMMARY
    citizen = await turn.citizen()
    if citizen is not None and citizen.has_identity:
        return Step.SAVED_IDENTITY
    return Step.NAME


async def saved_identity_choices(turn: Turn) -> list[Choice]:
    return [Choice("use", turn.t(Msg.IDENTITY_USE_SAVED)), Choice("new", turn.t(Msg.IDENTITY_ENTER_NEW))]


async def ask_saved_identity(turn: Turn) -> None:
    citizen = await turn.citizen()
    if citizen is None or not citizen.has_identity:
        await goto(turn, Step.NAME)
        return
    turn.ask(
        turn.t(Msg.IDENTITY_SAVED_ASK, name=citizen.full_name, phone=citizen.phone, address=citizen.address),
        await saved_identity_choices(turn),
    )


async def answer_saved_identity(turn: Turn, answer: Answer) -> None:
    citizen = await turn.citizen()
    if answer == Chosen("use") and citizen is not None:
        turn.draft.name, turn.draft.phone, turn.draft.address = (
            citizen.full_name,
            citizen.phone,
            citizen.address,
        )
        await advance(turn, Step.SUMMARY)
    elif answer == Chosen("new"):
        await goto(turn, Step.NAME)
    else:
        await wrong_input(turn, answer)


async def ask_name(turn: Turn) -> None:
    turn.ask(turn.t(Msg.IDENTITY_NAME_ASK))


async def answer_name(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Text):
        await wrong_input(turn, answer)
        return
    name = valid_name(answer.text)
    if name is None:
        turn.say(Msg.IDENTITY_NAME_INVALID)
        return
    turn.draft.name = name
    await advance(turn, Step.PHONE)


async def ask_phone(turn: Turn) -> None:
    turn.ask(
        turn.t(Msg.IDENTITY_PHONE_ASK),
        request=InputRequest.CONTACT,
        request_label=turn.t(Msg.IDENTITY_PHONE_SHARE),
    )


async def answer_phone(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, SharedContact):
        raw = answer.phone
    elif isinstance(answer, Text):
        raw = answer.text
    else:
        await wrong_input(turn, answer)
        return
    try:
        phone = PhoneNumber.parse(raw)
    except InvalidValue:
        turn.say(Msg.IDENTITY_PHONE_INVALID, text=raw.strip()[:30])
        return
    turn.draft.phone = phone.national
    turn.say(Msg.IDENTITY_PHONE_RECEIVED, phone=phone.national)
    address = valid_address(turn, answer.address) if isinstance(answer, SharedContact) else None
    if address is not None:
        # Shared with the phone (a Zalo OA's form): kept, and shown in the summary, where it can be changed.
        turn.draft.address = address
        await advance(turn, Step.SUMMARY)
        return
    await advance(turn, Step.ADDRESS)


async def ask_address(turn: Turn) -> None:
    turn.ask(turn.t(Msg.IDENTITY_ADDRESS_ASK))


def valid_address(turn: Turn, text: str) -> str | None:
    """An address: within the length limits, with letters in it."""
    address = " ".join(text.split())
    if not turn.config.address_min <= len(address) <= turn.config.address_max:
        return None
    return address if any(ch.isalpha() for ch in address) else None


async def answer_address(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Text):
        await wrong_input(turn, answer)
        return
    address = valid_address(turn, answer.text)
    if address is None:
        turn.say(Msg.IDENTITY_ADDRESS_INVALID)
        return
    turn.draft.address = address
    await advance(turn, Step.SUMMARY)


STEPS.update(
    {
        Step.SAVED_IDENTITY: StepSpec(
            ask_saved_identity,
            answer_saved_identity,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_CHOICE,
            saved_identity_choices,
            drafting=True,
            part=Part.IDENTITY,
        ),
        Step.NAME: StepSpec(
            ask_name,
            answer_name,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_TEXT,
            free_text=True,
            drafting=True,
            part=Part.IDENTITY,
        ),
        Step.PHONE: StepSpec(
            ask_phone,
            answer_phone,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_PHONE,
            free_text=True,
            drafting=True,
            part=Part.IDENTITY,
            keyboard=True,
        ),
        Step.ADDRESS: StepSpec(
            ask_address,
            answer_address,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_TEXT,
            free_text=True,
            drafting=True,
            part=Part.IDENTITY,
        ),
    }
)
