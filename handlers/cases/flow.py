"""The machinery of the citizen conversation: steps, their table, and moving between them.

A step asks one question (``ask``) and handles the answer (``answer``). Choices are computed by the step,
so a typed number or label selects the same choice as a button. Every step has a "wrong input" reply
(its ``expects`` sentence, then the question again) and the same cancel path (``/huy``). The steps
themselves live in ``steps`` (filing, tracking, consent) and ``supplement`` (answering a request for more
information); each registers into ``STEPS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from handlers.cases.citizen_turn import Turn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Payload, Pick, Text, Unsupported
from handlers.kernel.replies import Choice
from handlers.kernel.text import match_choice


class Step(StrEnum):
    MENU = "menu"
    OFFER_TEXT = "offer_text"
    CHOOSE_COMMUNE = "choose_commune"
    RESUME = "resume"
    CONSENT = "consent"
    NEED_CONSENT = "need_consent"
    KIND = "kind"
    FIELD = "field"
    CONTENT = "content"
    CONTENT_TOO_LONG = "content_too_long"
    LOCATION = "location"
    VILLAGE = "village"
    ATTACHMENTS = "attachments"
    SAVED_IDENTITY = "saved_identity"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    SUMMARY = "summary"
    EDIT_PART = "edit_part"
    CARRY_OVER = "carry_over"
    TRACK_CODE = "track_code"
    WITHDRAW_CONSENT = "withdraw_consent"
    LANGUAGE = "language"
    SUPPLEMENT = "supplement"
    SUBSCRIBE_TOPICS = "subscribe_topics"
    SUBSCRIBE_VILLAGES = "subscribe_villages"
    CONFERENCE_LIST = "dialogue_list"
    CONFERENCE_QUESTION = "dialogue_question"
    CONFERENCE_NAME = "dialogue_name"
    CONFERENCE_PHONE = "dialogue_phone"
    CONFERENCE_ADDRESS = "dialogue_address"


@dataclass(frozen=True)
class Chosen:
    """The citizen selected one of the current question's choices (by button, number or label)."""

    token: str


Answer = Chosen | Payload
AskFn = Callable[[Turn], Awaitable[None]]
AnswerFn = Callable[[Turn, Answer], Awaitable[None]]
ChoicesFn = Callable[[Turn], Awaitable[list[Choice]]]
MatchFn = Callable[[Turn, str], Awaitable[str | None]]


class Part(StrEnum):
    """Parts of a petition the citizen can edit from the summary."""

    KIND = "kind"
    FIELD = "field"
    CONTENT = "content"
    LOCATION = "location"
    ATTACHMENTS = "attachments"
    IDENTITY = "identity"


@dataclass(frozen=True)
class StepSpec:
    ask: AskFn
    answer: AnswerFn
    help: Msg
    expects: Msg
    choices: ChoicesFn | None = None
    free_text: bool = False  # text is a valid answer, so only whole labels or numbers select a choice
    drafting: bool = False  # part of writing a petition
    part: Part | None = None
    match: MatchFn | None = None  # extra ways typed text selects a choice
    keyboard: bool = False  # the question shows a reply keyboard (share location / phone)


async def no_choices(turn: Turn) -> list[Choice]:
    return []


STEPS: dict[Step, StepSpec] = {}


async def goto(turn: Turn, step: Step) -> None:
    """Enter ``step`` and ask its question."""
    turn.conversation.step = step.value
    await STEPS[step].ask(turn)


async def reask(turn: Turn) -> None:
    await STEPS[Step(turn.step)].ask(turn)


async def return_from_side_step(turn: Turn) -> None:
    """After a look-up or a consent change, go back to where the citizen was."""
    back = turn.draft.return_step
    turn.draft.return_step = None
    if back and back in Step.__members__.values():
        await goto(turn, Step(back))
    else:
        await goto(turn, Step.MENU)


async def wrong_input(turn: Turn, answer: Answer) -> None:
    """Say what was expected at this step, then ask again."""
    spec = STEPS[Step(turn.step)]
    if isinstance(answer, Unsupported):
        turn.say(Msg.COMMON_UNSUPPORTED, what=turn.t(_what_key(answer.what)))
        if answer.what in SPOKEN:
            turn.say(Msg.COMMON_TYPE_INSTEAD)
    turn.say(spec.expects)
    await reask(turn)


SPOKEN = frozenset({"voice", "audio", "video", "video_note"})  # what many elderly people send instead of text


def _what_key(what: str) -> Msg:
    try:
        return Msg(f"what.{what}")
    except ValueError:
        return Msg.WHAT_OTHER


async def resolve(turn: Turn, payload: Payload) -> Answer | None:
    """Turn a raw payload into an answer for the current step; None when a pressed button is stale."""
    spec = STEPS[Step(turn.step)]
    choices: Sequence[Choice] = await spec.choices(turn) if spec.choices else []
    tokens = [choice.token for choice in choices]
    if isinstance(payload, Pick):
        if payload.ask_seq is not None and payload.ask_seq != turn.conversation.ask_seq:
            return None
        return Chosen(payload.token) if payload.token in tokens else None
    if isinstance(payload, Text) and choices:
        index = match_choice(
            payload.text, [choice.label for choice in choices], allow_prefix=not spec.free_text
        )
        if index is not None:
            return Chosen(tokens[index])
        if spec.match is not None:
            token = await spec.match(turn, payload.text)
            if token is not None:
                return Chosen(token)
    return payload


async def dispatch(turn: Turn, payload: Payload) -> None:
    """Hand the payload to the current step, after matching it against the step's choices."""
    answer = await resolve(turn, payload)
    if answer is None:
        turn.say(Msg.COMMON_STALE_CHOICE)
        await reask(turn)
        return
    await STEPS[Step(turn.step)].answer(turn, answer)
