"""``/doithoai`` for citizens: the coming conferences (hội nghị đối thoại), signing up to attend, and sending
a question in advance (it becomes a hỏi đáp case linked to the session, answered like any other).

The chair's list needs a name and a telephone number: the ones the citizen gave before are used, otherwise
they are asked once, for this purpose only, and kept on the registration.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Step,
    StepSpec,
    goto,
    return_from_side_step,
    wrong_input,
)
from handlers.conferences import schedule as conference
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import SharedContact, Text
from handlers.kernel.names import valid_name
from handlers.kernel.replies import Choice, InputRequest, Reply
from models.conference import Conference
from models.errors import InvalidValue
from models.values import PhoneNumber

LOOK_AHEAD = timedelta(days=90)
QUESTION_MIN, QUESTION_MAX = 15, 2000
REGISTER, ASK = "register", "ask"


async def _coming(turn: Turn) -> list[Conference]:
    if turn.commune is None:
        return []
    found = await turn.uow.conferences.starting(turn.commune.id, turn.now, turn.now + LOOK_AHEAD)
    return [session for session in found if session.active]


async def start(turn: Turn) -> None:
    desk = turn.desk()
    coming = await _coming(turn)
    if desk is None or not coming:
        turn.say(Msg.CONFERENCE_NONE_CITIZEN)
        await return_from_side_step(turn)
        return
    await goto(turn, Step.CONFERENCE_LIST)


async def list_choices(turn: Turn) -> list[Choice]:
    choices = []
    for session in await _coming(turn):
        choices.append(Choice(f"dlg:reg:{session.id}", turn.t(Msg.CONFERENCE_REGISTER, code=session.code)))
        choices.append(Choice(f"dlg:ask:{session.id}", turn.t(Msg.CONFERENCE_ASK, code=session.code)))
    choices.append(Choice("dlg:back", turn.t(Msg.CONFERENCE_BACK)))
    return choices


async def ask_list(turn: Turn) -> None:
    desk = turn.desk()
    lines = [turn.t(Msg.CONFERENCE_COMING)]
    if desk is not None:
        lines += [await conference.describe(desk, session, turn.language) for session in await _coming(turn)]
    turn.ask("\n\n".join(lines), await list_choices(turn))


async def answer_list(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Chosen):
        await wrong_input(turn, answer)
        return
    if answer.token == "dlg:back":
        await return_from_side_step(turn)
        return
    _, intent, session_id = answer.token.split(":")
    session = await turn.uow.conferences.by_id(int(session_id))
    if session is None or not session.active:
        turn.say(Msg.CONFERENCE_GONE)
        await return_from_side_step(turn)
        return
    turn.draft.conference_id = session.id
    turn.draft.conference_intent = ASK if intent == "ask" else REGISTER
    if turn.draft.conference_intent == ASK:
        await goto(turn, Step.CONFERENCE_QUESTION)
        return
    citizen = await turn.citizen()
    found = await turn.uow.conferences.participant(session.id, citizen.id) if citizen else None
    if found is not None and found.attending:
        turn.say(Msg.CONFERENCE_ALREADY_REGISTERED, code=session.code)
        await _done(turn)
        return
    await _identity_or_finish(turn)


async def ask_question(turn: Turn) -> None:
    turn.ask(turn.t(Msg.CONFERENCE_ASK_QUESTION, min=QUESTION_MIN))


async def answer_question(turn: Turn, answer: Answer) -> None:
    text = " ".join(answer.text.split()) if isinstance(answer, Text) else ""
    if not QUESTION_MIN <= len(text) <= QUESTION_MAX:
        turn.say(Msg.CONFERENCE_QUESTION_LENGTH, min=QUESTION_MIN, max=QUESTION_MAX)
        await ask_question(turn)
        return
    turn.draft.conference_question = text
    await _identity_or_finish(turn)


async def _identity_or_finish(turn: Turn) -> None:
    citizen = await turn.citizen()
    name = turn.draft.name or (citizen.full_name if citizen else None)
    phone = turn.draft.phone or (citizen.phone if citizen else None)
    if not name:
        await goto(turn, Step.CONFERENCE_NAME)
    elif not phone:
        turn.draft.name = name
        await goto(turn, Step.CONFERENCE_PHONE)
    elif turn.draft.conference_intent == ASK and not (turn.draft.address or (citizen and citizen.address)):
        turn.draft.name, turn.draft.phone = name, phone
        await goto(turn, Step.CONFERENCE_ADDRESS)  # a question is a case: it needs where the citizen lives
    else:
        await _finish(turn, name, phone)


async def ask_address(turn: Turn) -> None:
    turn.ask(turn.t(Msg.IDENTITY_ADDRESS_ASK))


async def answer_address(turn: Turn, answer: Answer) -> None:
    address = " ".join(answer.text.split()) if isinstance(answer, Text) else ""
    if not 5 <= len(address) <= 300 or not any(ch.isalpha() for ch in address):
        turn.say(Msg.IDENTITY_ADDRESS_INVALID)
        await ask_address(turn)
        return
    turn.draft.address = address
    await _identity_or_finish(turn)


async def ask_name(turn: Turn) -> None:
    turn.ask(turn.t(Msg.CONFERENCE_ASK_NAME))


async def answer_name(turn: Turn, answer: Answer) -> None:
    name = valid_name(answer.text) if isinstance(answer, Text) else None
    if name is None:
        turn.say(Msg.IDENTITY_NAME_INVALID)
        await ask_name(turn)
        return
    turn.draft.name = name
    await _identity_or_finish(turn)


async def ask_phone(turn: Turn) -> None:
    turn.ask(
        turn.t(Msg.CONFERENCE_ASK_PHONE),
        request=InputRequest.CONTACT,
        request_label=turn.t(Msg.IDENTITY_PHONE_SHARE),
    )


async def answer_phone(turn: Turn, answer: Answer) -> None:
    raw = (
        answer.phone if isinstance(answer, SharedContact) else answer.text if isinstance(answer, Text) else ""
    )
    try:
        phone = PhoneNumber.parse(raw)
    except InvalidValue:
        turn.say(Msg.IDENTITY_PHONE_INVALID, text=raw.strip()[:30])
        await ask_phone(turn)
        return
    turn.draft.phone = phone.national
    await _identity_or_finish(turn)


async def _finish(turn: Turn, name: str, phone: str) -> None:
    session_id = turn.draft.conference_id
    session = await turn.uow.conferences.by_id(session_id) if session_id is not None else None
    if session is None or not session.active or turn.commune is None:
        turn.say(Msg.CONFERENCE_GONE)
        await _done(turn)
        return
    citizen = await turn.ensure_citizen()
    citizen.full_name = citizen.full_name or name
    citizen.phone = citizen.phone or phone
    address = turn.draft.address or citizen.address or ""
    citizen.address = citizen.address or address or None
    if turn.draft.conference_intent == ASK and turn.draft.conference_question:
        turn.submitting = True
        case = await conference.ask(
            turn.uow,
            turn.commune,
            session,
            citizen,
            (name, phone, address),
            turn.draft.conference_question,
            now=turn.now,
        )
        turn.case_id = case.id
        turn.say(Msg.CONFERENCE_QUESTION_SENT, code=session.code, case=case.code)
    else:
        await conference.register(turn.uow, session, citizen, name, phone, attending=True, now=turn.now)
        text = turn.t(Msg.CONFERENCE_REGISTERED, code=session.code, start=turn.when(session.starts_at))
        file = conference.calendar_file(session, turn.commune.name)
        turn.replies.append(Reply(text, attachments=(file,), language=turn.language))
    await _done(turn)


async def _done(turn: Turn) -> None:
    draft = turn.draft
    draft.conference_id = draft.conference_intent = draft.conference_question = None
    if not draft.in_progress:
        draft.name = draft.phone = draft.address = None  # kept only while a petition is being written
    await return_from_side_step(turn)


STEPS[Step.CONFERENCE_LIST] = StepSpec(
    ask_list, answer_list, Msg.HELP_CONFERENCE, Msg.COMMON_EXPECTS_CHOICE, list_choices
)
STEPS[Step.CONFERENCE_QUESTION] = StepSpec(
    ask_question, answer_question, Msg.HELP_CONFERENCE, Msg.CONFERENCE_EXPECTS_QUESTION, free_text=True
)
STEPS[Step.CONFERENCE_NAME] = StepSpec(
    ask_name, answer_name, Msg.HELP_CONFERENCE, Msg.IDENTITY_NAME_INVALID, free_text=True
)
STEPS[Step.CONFERENCE_ADDRESS] = StepSpec(
    ask_address, answer_address, Msg.HELP_CONFERENCE, Msg.IDENTITY_ADDRESS_INVALID, free_text=True
)
STEPS[Step.CONFERENCE_PHONE] = StepSpec(
    ask_phone, answer_phone, Msg.HELP_CONFERENCE, Msg.CONFERENCE_EXPECTS_PHONE, free_text=True, keyboard=True
)
